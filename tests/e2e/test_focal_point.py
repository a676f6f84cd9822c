"""An invited focal point, in Chromium: sets a password, signs in, adds an institution,
nominates two people and submits the country's answers."""

import re

import pytest
from django.conf import settings
from django.core import mail

from registrations.focal_points import invitations
from registrations.models import Contribution, Registration
from tests.factories import GuidingQuestionFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invited_focal_point_does_the_whole_job(live_server, chromium_page):
    page = chromium_page
    session = SessionFactory(title="Inclusive mechanisms", slug="inclusive-mechanisms")
    GuidingQuestionFactory(session=session, order=1, text="What mechanisms does the country implement?")
    GuidingQuestionFactory(session=session, order=2, text="What challenges does the country face?")
    focal_point = invitations.invite_focal_point(
        email="punto.focal@mides.gub.uy", first_name="Rosa", last_name="Pérez", country="UY", language="en"
    )
    # As it arrived: once sent, the outbox keeps no copy of a link that sets a password.
    [invitation] = [message for message in mail.outbox if message.to == ["punto.focal@mides.gub.uy"]]
    link = re.search(r"https?://\S+/password/reset/key/\S+", invitation.body).group(0)
    page.goto(link.replace(settings.SITE_URL, live_server.url))

    page.get_by_role("heading", name="Choose your password").wait_for()
    page.fill("input[name=password1]", "un-secreto-largo-2026")
    page.fill("input[name=password2]", "un-secreto-largo-2026")
    page.get_by_role("button", name="Save password").click()
    # Choosing the password signs the person in, on their country's page, greeted by name.
    page.get_by_role("heading", name="Focal point · Uruguay").wait_for()
    assert page.locator("#welcome").inner_text() == "Welcome, Rosa Pérez."

    page.get_by_role("link", name="Add an institution").first.click()
    page.fill("input[name=name]", "Ministerio de Desarrollo Social")
    page.fill("input[name=acronym]", "MIDES")
    page.select_option("select[name=kind]", "social_inclusion")
    page.select_option("select[name=sector]", "public")
    page.get_by_role("button", name="Save").click()
    assert (
        page.get_by_role("status").first.inner_text()
        == "Ministerio de Desarrollo Social (MIDES) was added to the register."
    )

    page.get_by_role("link", name="Overview").click()
    page.get_by_role("link", name="Nominate participants").click()
    for name, email in [("Ana Gómez", "ana.gomez@example.org"), ("Bruno Díaz", "bruno.diaz@example.org")]:
        page.fill("input[name=full_name]", name)
        page.fill("input[name=email]", email)
        page.fill("input[name=position]", "Técnica")
        page.select_option("select[name=institution]", label="Ministerio de Desarrollo Social (MIDES)")
        page.select_option("select[name=language]", "es")
        page.get_by_role("button", name="Nominate", exact=True).click()
        assert (
            page.get_by_role("status").first.inner_text() == f"{name} was nominated and will get an e-mail to confirm."
        )
    nominated = page.locator(".list-group-item").all_inner_texts()
    assert nominated == [
        "Ana Gómez · Ministerio de Desarrollo Social (MIDES) · Pending confirmation",
        "Bruno Díaz · Ministerio de Desarrollo Social (MIDES) · Pending confirmation",
    ]

    page.get_by_role("link", name="Overview").click()
    page.get_by_role("link", name="Answer the guiding questions").click()
    page.get_by_label("1. What mechanisms does the country implement?").fill("Drug treatment courts.")
    page.get_by_label("2. What challenges does the country face?").fill("Employment after prison.")
    page.get_by_role("button", name="Save draft").click()
    assert page.get_by_label("1. What mechanisms does the country implement?").input_value() == "Drug treatment courts."
    page.get_by_label("2. What challenges does the country face?").fill("")
    page.get_by_role("button", name="Review and submit").click()
    # The review flags the question left empty; submitting without the confirmation changes nothing.
    assert page.locator("#unanswered-summary h2").inner_text() == "1 question has no answer"
    page.get_by_role("button", name="Submit answers").click()
    assert page.locator("#error-summary li").all_inner_texts() == [
        "Tick the box to confirm that you want to submit these answers."
    ]
    page.get_by_role("link", name="Back to the answers").click()
    page.get_by_label("2. What challenges does the country face?").fill("Employment after prison.")
    page.get_by_role("button", name="Review and submit").click()
    assert page.locator("#unanswered-summary").count() == 0
    page.get_by_label("I have checked these answers").check()
    page.get_by_role("button", name="Submit answers").click()
    assert page.locator("#contribution-status").inner_text().startswith("Submitted on ")
    assert page.get_by_role("button", name="Submit answers").count() == 0

    registrations = Registration.objects.filter(session=session).order_by("email")
    assert [
        (r.full_name, r.source, r.registered_by_id, r.country.code, r.institution.acronym) for r in registrations
    ] == [
        ("Ana Gómez", "focal_point", focal_point.user_id, "UY", "MIDES"),
        ("Bruno Díaz", "focal_point", focal_point.user_id, "UY", "MIDES"),
    ]
    contribution = Contribution.objects.get(session=session, country="UY")
    assert contribution.status == "submitted"
    assert list(contribution.answers.values_list("text", flat=True)) == [
        "Drug treatment courts.",
        "Employment after prison.",
    ]
