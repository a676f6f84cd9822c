"""Staff write conclusions in the admin: what is stored is sanitised."""

import pytest

from sessions_app.models import Conclusions
from tests.factories import SessionFactory


@pytest.mark.django_db
def test_admin_form_sanitises_every_language(client, staff):
    session = SessionFactory()
    client.force_login(staff)
    response = client.post(
        "/admin/sessions_app/conclusions/add/",
        {
            "session": session.pk,
            "body_en": '<p onclick="x()">Agreed <script>alert(1)</script><img src="http://127.0.0.1:1/x"></p>',
            "body_es": "<p>Acordado <strong>así</strong></p>",
            "body_pt": '<a href="file:///etc/hostname" rel="attachment">Acordado</a>',
        },
    )
    assert response.status_code == 302
    conclusions = Conclusions.objects.get(session=session)
    assert (conclusions.body_en, conclusions.body_es, conclusions.body_pt) == (
        "<p>Agreed </p>",
        "<p>Acordado <strong>así</strong></p>",
        '<a rel="noopener noreferrer">Acordado</a>',
    )
