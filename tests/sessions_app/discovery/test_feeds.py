"""The Atom feed: valid Atom, one per language, lists what is newly published, linked from every page."""

import feedparser
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from sessions_app.models import Conclusions
from tests.factories import PracticeFactory, RoadmapItemFactory, RoadmapUpdateFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _feed(client, language="en"):
    response = client.get(f"/{language}/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_the_feed_is_valid_atom_and_lists_a_newly_published_session(client):
    assert _feed(client).entries == []
    session = SessionFactory(title="Alternatives to imprisonment", title_es="Alternativas a la prisión", number=3)
    link = settings.SITE_URL + session.get_absolute_url()

    feed = _feed(client)
    spanish = _feed(client, "es")

    assert [entry.title for entry in feed.entries] == ["Session 3: Alternatives to imprisonment"]
    assert feed.entries[0].link == link
    assert feed.entries[0].id.startswith("tag:")
    assert feed.feed.language == "en"
    assert [entry.title for entry in spanish.entries] == ["Sesión 3: Alternativas a la prisión"]


def test_drafts_are_not_in_the_feed_but_conclusions_progress_and_practices_are(client):
    SessionFactory(status="draft", title="Secret", number=90)
    held = SessionFactory(status="held", number=2, title="Held")
    Conclusions.objects.create(session=held, body_en="<p>x</p>", is_public=True, published_at=timezone.now())
    other = SessionFactory(status="held", number=7, title="Other")
    Conclusions.objects.create(session=other, body_en="<p>y</p>", is_public=False)
    RoadmapUpdateFactory(item=RoadmapItemFactory(group=held.group, title="Map alternatives"), to_status="in_progress")
    PracticeFactory(title_en="Crisálidas", title_es="Crisálidas")
    PracticeFactory(title_en="Draft practice", status="draft", published_at=None)

    titles = sorted(entry.title for entry in _feed(client).entries)

    assert titles == sorted(
        [
            "Session 2: Held",
            "Session 7: Other",
            "Conclusions of session 2: Held",
            "Roadmap progress: Map alternatives (In progress)",
            "Good practice: Crisálidas",
        ]
    )
    assert not any("Secret" in title or "Draft practice" in title for title in titles)


def test_every_page_links_the_feed_from_its_head_and_footer(client):
    page = client.get(reverse("sessions_app:home")).content.decode()
    assert '<link rel="alternate" type="application/atom+xml" href="/en/feed.atom"' in page
    assert '<a href="/en/feed.atom" id="footer-feed" type="application/atom+xml">' in page
