"""Words a focal point reads: the country with its article, zones by their city, the submission's
time labelled as what it is."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from registrations.focal_points.invitations import invite_focal_point, send_invitation

pytestmark = pytest.mark.django_db


def test_the_portuguese_invitation_says_do_uruguai_not_de_uruguai(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        focal_point = invite_focal_point(email="ana@example.org", country="UY", first_name="Ana", language="pt")
        send_invitation(focal_point=focal_point, language="pt")

    message = mail.outbox[-1]
    assert message.subject.startswith("Convite para ponto focal do seu país (Uruguai)")
    assert "ponto focal do seu país (Uruguai) no Grupo de Trabalho" in " ".join(message.body.split())
    assert "de Uruguai" not in message.subject + message.body


def test_the_dashboard_names_the_zone_by_its_city(client, focal_point_uruguay):
    client.force_login(focal_point_uruguay.user)

    page = client.get(reverse("focal_points:dashboard").replace("/en/", "/pt/")).content.decode()

    note = " ".join(re.search(r'id="time-zone-note">(.*?)</p>', page, re.S).group(1).split())
    assert note == "Os horários aparecem no horário do seu país (Montevideo), com o horário da sessão ao lado."
    assert "America/Montevideo" not in page
