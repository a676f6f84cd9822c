"""Every page of every persona, for the accessibility and phone sweeps: built on the demo data."""

from django.core.management import call_command

from registrations.models import FocalPoint
from sessions_app.models import Session
from tests.factories import RegistrationFactory, UserFactory

OPEN = "session-3-alternatives-to-imprisonment"
HELD = "session-2-inclusive-mechanisms"
PASSWORD = "un-secreto-largo-2026"


def build_site():
    """Load the demo and return {"pages": [(persona, path without language)], "focal_point_email": ...}."""
    # allauth's models load with the app registry: imported here, once the test database exists.
    call_command("load_demo")
    from allauth.account.models import EmailAddress

    open_session = Session.objects.get(slug=OPEN)
    held = Session.objects.get(slug=HELD)
    registration = RegistrationFactory(session=open_session, status="confirmed", email="confirmed@example.org")
    pending = RegistrationFactory(session=open_session, status="pending", email="pending@example.org")
    past = RegistrationFactory(session=held, status="attended", email="attended@example.org", attended_minutes=80)
    user = UserFactory(username="fp-a11y", email="fp.a11y@example.org", first_name="Rosa", last_name="Pérez")
    user.set_password(PASSWORD)
    user.save()
    FocalPoint.objects.create(user=user, country="UY")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    pages = [
        ("public", "/"),
        ("public", f"/sessions/{OPEN}/"),
        ("public", f"/sessions/{HELD}/"),
        ("public", f"/registrations/sessions/{OPEN}/register/"),
        ("public", f"/registrations/sessions/{OPEN}/register/done/"),
        ("public", "/accounts/login/"),
        ("public", "/accounts/password/reset/"),
        ("public", "/sessions/no-such-session/"),
        ("participant", f"/registrations/r/{registration.token}/"),
        ("participant", f"/registrations/r/{registration.token}/cancel/"),
        ("participant", f"/registrations/r/{past.token}/"),
        ("participant", f"/registrations/{past.token}/documents/"),
        ("focal_point", "/focal-point/"),
        ("focal_point", "/focal-point/institutions/"),
        ("focal_point", "/focal-point/institutions/new/"),
        ("focal_point", "/focal-point/registrations/"),
        ("focal_point", f"/focal-point/sessions/{OPEN}/nominate/"),
        ("focal_point", f"/focal-point/sessions/{OPEN}/nominate/bulk/"),
        ("focal_point", f"/focal-point/sessions/{OPEN}/answers/"),
    ]
    pages.append(("participant", f"/registrations/r/{pending.token}/confirm/"))
    pages.extend(_knowledge_pages(held=held, attended=past))
    # Roadmap, search and open data (issue 22).
    from sessions_app.models import RoadmapItem

    uruguay_action = RoadmapItem.objects.filter(owner_country="UY").first()
    pages += [
        ("public", "/roadmap/outcome-3-5/"),
        ("public", "/roadmap/outcome-3-5/?country=UY&status=in_progress"),
        ("public", "/search/"),
        ("public", "/search/?q=prision"),
        ("public", "/search/?q=prision&kind=agenda"),
        ("public", "/search/?q=%3C%3E%26%26"),
        ("focal_point", f"/focal-point/roadmap/{uruguay_action.pk}/update/"),
        ("focal_point", "/focal-point/roadmap/reminders/"),
    ]
    return {"pages": pages, "focal_point_email": user.email}


def _knowledge_pages(*, held, attended):
    """Presentations, the evaluation and the good practices (the demo loads session 2's three)."""
    from datetime import timedelta

    from django.utils import timezone

    from sessions_app.outcomes.models import UploadLink
    from sessions_app.outcomes.practices.models import Practice
    from sessions_app.outcomes.presentations.models import hash_token

    item = held.agenda_items.get(order=6)
    token = "speaker-upload-link-for-the-accessibility-sweep"
    UploadLink.objects.create(
        item=item,
        speaker=item.roles.first().speaker,
        email="andrea@example.org",
        token_hash=hash_token(token),
        expires_at=timezone.now() + timedelta(days=5),
    )
    practice = Practice.objects.get(agenda_item=item)
    return [
        ("public", "/practices/"),
        ("public", "/practices/?country=UY&stage=prison"),
        ("public", f"/practices/{practice.pk}/"),
        ("public", f"/speakers/upload/{token}/"),
        ("participant", f"/registrations/{attended.token}/evaluation/"),
        ("focal_point", "/practices/propose/"),
    ]


def sign_in(page, base_url, email, language="en"):
    page.goto(f"{base_url}/{language}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
