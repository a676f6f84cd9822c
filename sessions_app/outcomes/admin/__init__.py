"""The outcomes wing's admin: Django imports this package (``admin`` of the installed app), which
registers each module's admin classes. ``session`` replaces the core's Session admin with its extension."""

from sessions_app.outcomes.admin import conclusions, roadmap, session  # noqa: F401 - imported to register them

# The wing's sub-packages register their own admin pages.
from sessions_app.outcomes.evaluation import admin as evaluation_admin  # noqa: F401
from sessions_app.outcomes.presentations import admin as presentations_admin  # noqa: F401
