"""The Atom feed of what the group publishes, one per language (Django's syndication framework):
sessions announced, conclusions published, roadmap PDFs published, roadmap progress and practices.

Entries carry a ``tag:`` id that never changes (RFC 4151), so a reader never shows an entry twice.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from common.links import absolute_url
from sessions_app.models import Conclusions, Document, RoadmapUpdate
from sessions_app.outcomes.practices.catalogue import published as published_practices
from sessions_app.outcomes.roadmap.tracker import public_actions
from sessions_app.selectors import public_sessions

MAX_ENTRIES = 50


@dataclass
class Entry:
    key: str  # stable: kind and primary key
    title: str
    path: str
    published: datetime
    updated: datetime
    summary: str
    category: str


def _tag(key):
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"tag:{host},2023:{key}"


def feed_entries(*, language, limit=MAX_ENTRIES):
    """The newest published things, newest first, with texts in ``language``. One query per kind."""
    entries = []
    with translation.override(language):
        for session in public_sessions().select_related("group").order_by("-created_at")[:limit]:
            entries.append(
                Entry(
                    f"session:{session.pk}",
                    _("Session %(number)s: %(title)s") % {"number": session.number, "title": session.title},
                    session.get_absolute_url(),
                    session.created_at,
                    session.updated_at,
                    session.main_outcome,
                    _("Sessions"),
                )
            )
        conclusions = (
            Conclusions.objects.filter(is_public=True, published_at__isnull=False, session__in=public_sessions())
            .select_related("session")
            .order_by("-published_at")[:limit]
        )
        for item in conclusions:
            entries.append(
                Entry(
                    f"conclusions:{item.pk}",
                    _("Conclusions of session %(number)s: %(title)s")
                    % {"number": item.session.number, "title": item.session.title},
                    item.session.get_absolute_url() + "#conclusions",
                    item.published_at,
                    item.updated_at,
                    "",
                    _("Conclusions"),
                )
            )
        documents = (
            Document.objects.filter(
                kind=Document.Kind.ROADMAP, language=language, is_public=True, session__in=public_sessions()
            )
            .select_related("session", "session__group")
            .order_by("-created_at")[:limit]
        )
        for document in documents:
            entries.append(
                Entry(
                    f"roadmap-document:{document.pk}",
                    _("Roadmap published after session %(number)s (version %(version)s)")
                    % {"number": document.session.number, "version": document.version},
                    reverse("outcomes:roadmap", kwargs={"slug": document.session.group.slug}),
                    document.created_at,
                    document.created_at,
                    "",
                    _("Roadmap"),
                )
            )
        updates = (
            RoadmapUpdate.objects.filter(item__in=public_actions())
            .select_related("item", "item__group")
            .order_by("-created_at")[:limit]
        )
        for update in updates:
            entries.append(
                Entry(
                    f"roadmap-update:{update.pk}",
                    _("Roadmap progress: %(title)s (%(status)s)")
                    % {"title": update.item.title, "status": update.get_to_status_display()},
                    reverse("outcomes:roadmap", kwargs={"slug": update.item.group.slug}) + f"#action-{update.item_id}",
                    update.created_at,
                    update.created_at,
                    update.note,
                    _("Roadmap"),
                )
            )
        for practice in published_practices().exclude(published_at=None).order_by("-published_at")[:limit]:
            entries.append(
                Entry(
                    f"practice:{practice.pk}",
                    _("Good practice: %(title)s") % {"title": practice.title},
                    practice.get_absolute_url(),
                    practice.published_at,
                    practice.updated_at,
                    practice.summary,
                    _("Good practices"),
                )
            )
    entries.sort(key=lambda entry: (entry.published, entry.key), reverse=True)
    return entries[:limit]


class PublicationsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, *args, **kwargs):
        return translation.get_language()

    def title(self, language):
        return _("COPOLAD III · Working Group 3.5: what the group publishes")

    def subtitle(self, language):
        return _("Sessions announced, conclusions, the roadmap and its progress, and good practices.")

    # Absolute links from SITE_URL (not the request's host or the sites framework's domain), so the
    # cached feed is the same for everyone.
    def link(self, language):
        return absolute_url(reverse("sessions_app:home"))

    def feed_url(self, language):
        return absolute_url(reverse("discovery:feed"))

    def feed_guid(self, language):
        return _tag(f"feed:{language}")

    def author_name(self, language):
        return "COPOLAD III"

    def items(self, language):
        return feed_entries(language=language)

    def item_title(self, entry):
        return entry.title

    def item_link(self, entry):
        return absolute_url(entry.path)

    def item_guid(self, entry):
        return _tag(entry.key)

    item_guid_is_permalink = False

    def item_pubdate(self, entry):
        return entry.published

    def item_updateddate(self, entry):
        return max(entry.updated, entry.published)

    def item_description(self, entry):
        return entry.summary

    def item_categories(self, entry):
        return [entry.category]

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed["language"] = obj
        return feed
