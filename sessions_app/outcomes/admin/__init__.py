"""The outcomes wing's admin: Django imports this package (``admin`` of the installed app), which
registers each module's admin classes. ``session`` replaces the core's Session admin with its extension."""

from sessions_app.outcomes.admin import conclusions, roadmap, session  # noqa: F401 - imported to register them
