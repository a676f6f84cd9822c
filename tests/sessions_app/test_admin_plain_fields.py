"""Fields without programmer knowledge: reminders are offsets a person ticks, the zone is the public
form's picker, and the roadmap's owner institution is typed and shown with its country."""

import json
import re

import pytest
from django.urls import reverse

from sessions_app.models import RoadmapItem, Session
from tests.factories import InstitutionFactory, SessionFactory, WorkingGroupFactory
from tests.sessions_app.test_admin import session_form

pytestmark = pytest.mark.django_db


def test_reminders_are_offsets_ticked_in_words(client, staff):
    session = SessionFactory(reminder_offsets_minutes=[1440, 60])
    client.force_login(staff)
    url = reverse("admin:sessions_app_session_change", args=[session.pk])

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    ticked = re.findall(r'<input type="checkbox" name="reminder_offsets_minutes" value="(\d+)"[^>]*checked', page)
    labels = re.findall(r'name="reminder_offsets_minutes" value="\d+"[^>]*>\s*([^<]+)</label>', page)
    assert ticked == ["1440", "60"]
    assert labels[:3] == ["1 semana antes", "2 días antes", "1 día antes"]
    assert "[1440, 60]" not in page


def test_ticked_reminders_are_saved_as_minutes(client, staff):
    client.force_login(staff)
    data = session_form(WorkingGroupFactory(), status=Session.Status.DRAFT, reminder_offsets_minutes=["60", "2880"])

    client.post(reverse("admin:sessions_app_session_add"), data)

    assert Session.objects.get(slug="session-2").reminder_offsets_minutes == [2880, 60]


def test_the_time_zone_is_the_public_forms_picker_grouped_by_country(client, staff):
    session = SessionFactory(time_zone="America/Montevideo")
    client.force_login(staff)

    page = client.get(
        reverse("admin:sessions_app_session_change", args=[session.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    select = re.search(r'<select name="time_zone".*?</select>', page, re.S).group(0)
    assert '<optgroup label="Uruguay">' in select
    assert re.search(r'<option value="America/Montevideo"[^>]*selected[^>]*>Montevideo</option>', select)
    assert 'type="text" name="time_zone"' not in page


def test_the_owner_institution_is_an_autocomplete_that_shows_each_institutions_country(client, staff):
    institution = InstitutionFactory(name="Junta Nacional de Drogas", acronym="JND", country="UY")
    item = RoadmapItem.objects.create(
        group=WorkingGroupFactory(), title_es="Mapeo", owner_kind="institution", owner_institution=institution
    )
    client.force_login(staff)

    page = client.get(
        reverse("admin:sessions_app_roadmapitem_change", args=[item.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    found = client.get(
        reverse("admin:autocomplete"),
        {"term": "junta", "app_label": "sessions_app", "model_name": "roadmapitem", "field_name": "owner_institution"},
    )

    assert 'class="admin-autocomplete' in page
    assert f'<option value="{institution.pk}" selected>Junta Nacional de Drogas (JND) · Uruguay</option>' in page
    assert json.loads(found.content)["results"] == [
        {"id": str(institution.pk), "text": "Junta Nacional de Drogas (JND) · Uruguay"}
    ]
