"""The admin's section headings are words in the staff member's language, not module names."""

import re

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "headings"),
    [("es", ["Agenda", "Inscripciones", "Sesiones"]), ("en", ["Agenda", "Registrations", "Sessions"])],
)
def test_admin_index_names_the_apps_in_the_staff_language(client, staff, language, headings):
    client.force_login(staff)

    body = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    captions = re.findall(
        r'<a href="/admin/(?:agenda|registrations|sessions_app)/" class="section"[^>]*>([^<]*)</a>', body
    )
    assert captions == headings
