"""The read-only JSON API: its OpenAPI document, every endpoint answering the documented shape,
pagination, the page cache's invalidation, throttling and no e-mail address anywhere."""

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import jsonschema
import pytest

from sessions_app.models import Document
from tests.factories import (
    AgendaItemFactory,
    AgendaRoleFactory,
    PracticeFactory,
    RegistrationFactory,
    RoadmapItemFactory,
    RoadmapUpdateFactory,
    SessionFactory,
    SpeakerFactory,
)

pytestmark = pytest.mark.django_db

OPENAPI = "/api/v1/openapi.json"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture
def content():
    session = SessionFactory(
        number=2,
        slug="session-2",
        status="held",
        time_zone="Europe/Madrid",
        starts_at=datetime(2023, 5, 10, 15, 30, tzinfo=ZoneInfo("Europe/Madrid")),
        join_url="https://zoom.us/j/secret",
    )
    item = AgendaItemFactory(session=session, country="UY", title="Inclusion of women in detention")
    AgendaRoleFactory(item=item, speaker=SpeakerFactory(name="Andrea Hernández", email="andrea@example.org"))
    RegistrationFactory(session=session, email="registrant@example.org", full_name="Registrant Person")
    action = RoadmapItemFactory(group=session.group, owner_kind="country", owner_country="UY", agreed_session=session)
    RoadmapUpdateFactory(item=action, note="Borrador listo.", language="es")
    PracticeFactory(title_en="Crisálidas")
    return session


def _schema_for(document, path):
    """The JSON schema of a 200 answer of ``path``, with the components it refers to."""
    response = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return {**response, "components": document["components"]}


def _concrete(path, session):
    return path.replace("{slug}", session.group.slug if "groups" in path else session.slug)


def test_the_openapi_document_loads_and_every_endpoint_answers_its_documented_shape(client, content):
    response = client.get(OPENAPI)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == "1"
    paths = sorted(document["paths"])
    assert paths == [
        "/api/v1/groups",
        "/api/v1/groups/{slug}/roadmap",
        "/api/v1/practices",
        "/api/v1/sessions",
        "/api/v1/sessions/{slug}",
    ]
    for path in paths:
        schema = json.loads(json.dumps(_schema_for(document, path)).replace("#/components", "#/components"))
        answer = client.get(_concrete(path, content))
        assert answer.status_code == 200, path
        jsonschema.validate(answer.json(), schema)


def test_lists_are_paginated(client, content):
    for n in range(25):
        SessionFactory(slug=f"more-{n}")
    first = client.get("/api/v1/sessions").json()
    second = client.get("/api/v1/sessions", {"page": 2}).json()
    assert (first["count"], len(first["items"]), len(second["items"])) == (26, 20, 6)


def test_session_times_carry_their_offset_and_no_join_link(client, content):
    answer = client.get("/api/v1/sessions/session-2").json()
    assert answer["starts_at"] == "2023-05-10T15:30:00+02:00"
    assert "zoom.us/j/secret" not in json.dumps(answer)
    assert [speaker["name"] for item in answer["agenda"] for speaker in item["speakers"]] == ["Andrea Hernández"]


def test_no_answer_contains_an_e_mail_address(client, content):
    document = client.get(OPENAPI).json()
    for path in document["paths"]:
        body = client.get(_concrete(path, content), {"lang": "es"}).content.decode()
        assert EMAIL.findall(body) == [], path


def test_texts_come_in_the_language_asked_for(client, content):
    AgendaItemFactory(session=content, title="Closing", title_es="Cierre")
    titles = [item["title"] for item in client.get("/api/v1/sessions/session-2", {"lang": "es"}).json()["agenda"]]
    assert "Cierre" in titles


def test_only_public_sessions_and_documents(client, content):
    SessionFactory(status="draft", slug="draft")
    Document.objects.create(session=content, kind="roadmap", language="en", version=1, sha256="0" * 64, is_public=False)
    assert client.get("/api/v1/sessions/draft").status_code == 404
    assert client.get("/api/v1/sessions/session-2").json()["documents"] == []
    assert [s["slug"] for s in client.get("/api/v1/sessions").json()["items"]] == ["session-2"]


def test_answers_are_cached_and_invalidated_like_the_pages(client, content):
    first = client.get("/api/v1/sessions")
    again = client.get("/api/v1/sessions", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    SessionFactory(slug="new-one", title="New one")
    changed = client.get("/api/v1/sessions", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert "new-one" in [s["slug"] for s in changed.json()["items"]]


def test_the_api_is_throttled_per_client_address(one_rate_window, client, settings, content):
    settings.API_THROTTLE_RATE = "3/min"
    answers = [client.get("/api/v1/sessions") for _ in range(4)]
    elsewhere = client.get("/api/v1/sessions", REMOTE_ADDR="192.0.2.9")

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[-1].json() == {"detail": "Too many requests."}
    # Another client address still gets the list the first one got before its limit.
    assert (elsewhere.status_code, elsewhere.json()) == (200, answers[0].json())
