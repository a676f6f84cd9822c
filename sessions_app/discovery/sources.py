"""What search looks through: one ``Source`` per kind of public content.

A source names its public rows (never drafts, never a participants-only file, never a registrant),
the fields searched with their weight, and how one row becomes a result without another query.
Adding a kind of content (the good-practice catalogue) is one more entry in ``SOURCES``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agenda.models import AgendaItem, AgendaRole, Speaker
from sessions_app.models import Conclusions
from sessions_app.outcomes.practices.catalogue import published as published_practices
from sessions_app.outcomes.roadmap.tracker import public_actions
from sessions_app.selectors import public_sessions

from .search import Field, Result


@dataclass(frozen=True)
class Source:
    kind: str
    label: object
    queryset: Callable
    fields: tuple
    present: Callable  # row -> (title, url, context)

    def result(self, row, *, snippet):
        title, url, context = self.present(row)
        return Result(kind=self.kind, title=title, url=url, snippet=snippet, context=context)


def _session_line(session):
    return _("Session %(number)s: %(title)s") % {"number": session.number, "title": session.title}


def _sessions():
    return public_sessions().select_related("group")


def _agenda_items():
    return AgendaItem.objects.filter(session__in=public_sessions()).select_related("session")


def _public_roles():
    return AgendaRole.objects.filter(speaker=OuterRef("pk"), item__session__in=public_sessions()).order_by(
        "-item__session__starts_at", "pk"
    )


def _speakers():
    # Only people who speak at a public session; their e-mail is never a searched field.
    return Speaker.objects.filter(Exists(_public_roles())).annotate(
        search_session_slug=Subquery(_public_roles().values("item__session__slug")[:1])
    )


def _conclusions():
    return Conclusions.objects.filter(
        is_public=True, published_at__isnull=False, session__in=public_sessions()
    ).select_related("session")


def _actions():
    return public_actions().select_related("group", "owner_institution")


def _practices():
    return published_practices()


def _present_practice(practice):
    return practice.title, practice.get_absolute_url(), str(practice.place)


def _present_session(session):
    return session.title, session.get_absolute_url(), session.group.name


def _present_item(item):
    country = f"{item.country.name} · " if item.country else ""
    return f"{country}{item.title}", f"{item.session.get_absolute_url()}#item-{item.pk}", _session_line(item.session)


def _present_speaker(speaker):
    url = reverse("sessions_app:detail", kwargs={"slug": speaker.search_session_slug}) + "#speakers"
    line = " · ".join(part for part in (speaker.position, speaker.organisation) if part)
    return speaker.name, url, line


def _present_conclusions(conclusions):
    session = conclusions.session
    return (
        _("Conclusions of session %(number)s") % {"number": session.number},
        f"{session.get_absolute_url()}#conclusions",
        session.title,
    )


def _present_action(item):
    url = reverse("outcomes:roadmap", kwargs={"slug": item.group.slug}) + f"#action-{item.pk}"
    return item.title, url, item.owner_display


SOURCES = [
    Source(
        "sessions",
        gettext_lazy("Sessions"),
        _sessions,
        (
            Field("title", "A", translated=True),
            Field("main_outcome", "B", translated=True),
            Field("context", "C", translated=True),
            Field("target_participants", "D", translated=True),
        ),
        _present_session,
    ),
    Source(
        "agenda",
        gettext_lazy("Agenda items"),
        _agenda_items,
        (Field("title", "A", translated=True), Field("description", "B", translated=True)),
        _present_item,
    ),
    Source(
        "speakers",
        gettext_lazy("Speakers"),
        _speakers,
        (Field("name", "A"), Field("position", "B", translated=True), Field("organisation", "B")),
        _present_speaker,
    ),
    Source(
        "conclusions",
        gettext_lazy("Conclusions"),
        _conclusions,
        (Field("body", "B", translated=True, markup=True),),
        _present_conclusions,
    ),
    Source(
        "roadmap",
        gettext_lazy("Roadmap actions"),
        _actions,
        (Field("title", "A", translated=True), Field("description", "B", translated=True)),
        _present_action,
    ),
    Source(
        "practices",
        gettext_lazy("Good practices"),
        _practices,
        (
            Field("title", "A", translated=True),
            Field("summary", "B", translated=True),
            Field("description", "C", translated=True),
            Field("results", "C", translated=True),
        ),
        _present_practice,
    ),
]


def source_kinds():
    return [source.kind for source in SOURCES]


def source_for(kind):
    return next((source for source in SOURCES if source.kind == kind), None)
