"""Session 2 of the demo shows the whole loop, marked as examples, and survives the hourly retention."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.utils import timezone

from registrations.models import Registration
from registrations.privacy.retention import apply_retention
from sessions_app.models import Certificate, Conclusions, RoadmapItem, Session

pytestmark = pytest.mark.django_db


def examples():
    return {
        "conclusions": [model_to_dict(row) for row in Conclusions.objects.order_by("pk")],
        "roadmap": [model_to_dict(row) for row in RoadmapItem.objects.filter(title_en__startswith="Example:")],
        "registrations": list(Registration.objects.order_by("pk").values()),
        "certificates": list(Certificate.objects.order_by("pk").values()),
    }


def test_session_2_shows_example_conclusions_roadmap_and_attendees():
    call_command("load_demo")
    session = Session.objects.get(number=2)

    conclusions = Conclusions.objects.get(session=session)
    assert conclusions.is_public is True
    assert conclusions.body_en.startswith("(Example written for the demonstration")
    assert conclusions.body_es.startswith("(Ejemplo redactado para la demostración")
    assert conclusions.body_pt.startswith("(Exemplo redigido para a demonstração")
    assert list(RoadmapItem.objects.filter(title_en__startswith="Example:").values_list("title_pt", flat=True)) == [
        "Exemplo: mapear as alternativas à prisão em vigor em cada país",
        "Exemplo: compartilhar a avaliação do programa de encaminhamento do Uruguai",
    ]
    attendees = Registration.objects.filter(session=session).order_by("email")
    assert [(row.email, row.status) for row in attendees] == [
        ("ana.ejemplo@example.org", "attended"),
        ("joao.exemplo@example.org", "attended"),
        ("maria.example@example.org", "attended"),
    ]
    # Their certificates are signed by the group's own (example) signatory, not the programme's fallback.
    group = session.group
    assert (group.signatory_name, group.signatory_title_es, group.signatory_title_pt) == (
        "María Ejemplo Gómez",
        "Coordinadora del grupo de trabajo (ejemplo)",
        "Coordenadora do grupo de trabalho (exemplo)",
    )


def test_loading_the_demo_twice_leaves_the_examples_as_they_were():
    call_command("load_demo")
    first = examples()
    call_command("load_demo")

    assert examples() == first


def test_the_demo_certificates_are_confirmed_by_the_public_page_after_the_hourly_retention(client):
    call_command("load_demo")

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        report = apply_retention()
        page = client.get("/es/certificates/EXMP-ANAP-S2UY/")

    assert report.anonymised_registrations == 0
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r"<dd[^>]*><code>(.*?)</code>", html).group(1) == "EXMP-ANAP-S2UY"
    assert "A. E. P." in html


def test_the_held_session_page_says_one_true_thing_about_its_outcomes(client):
    call_command("load_demo")

    page = client.get("/en/sessions/" + Session.objects.get(number=2).slug + "/").content.decode()

    summary = re.search(r'<p id="outcomes-summary"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert summary == "Read its conclusions and the roadmap below."
    assert "will be published here soon" not in page
    assert 'id="conclusions"' in page


def test_a_held_session_with_nothing_published_says_so_once(client):
    call_command("load_demo")
    session = Session.objects.get(number=2)
    Conclusions.objects.filter(session=session).delete()
    RoadmapItem.objects.all().delete()

    page = client.get(f"/en/sessions/{session.slug}/").content.decode()

    summary = re.search(r'<p id="outcomes-summary"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert summary == "Its conclusions and roadmap are not published yet. They will appear on this page."
    assert "See the outcomes" not in page
    assert "will be published" not in page
