"""The admin pages staff work on fit a 1280-px screen in Spanish and Portuguese: no sideways
scroll on the session form, the mailing preview, the figures page, the roadmap form, the mailing
form (new and saved) and the session list with its filters; nothing in the list or the mailing form
reaches past the box that holds it."""

import os

import pytest
from django.core.management import call_command
from django.urls import reverse

from registrations.models import Institution, Mailing
from sessions_app.models import RoadmapItem, Session
from tests.e2e.test_console_clean import _session_cookie
from tests.factories import InstitutionFactory, SessionFactory, WorkingGroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots for people to look at, when asked for (the CI run does not write them).
SHOTS = os.environ.get("ADMIN_SHOTS_DIR")


def pages(session, mailing, roadmap_item):
    return {
        "session-form": reverse("admin:sessions_app_session_change", args=[session.pk]),
        "mailing-preview": reverse("admin:registrations_mailing_preview", args=[mailing.pk]),
        "figures": reverse("admin:sessions_app_session_figures"),
        "roadmap-form": reverse("admin:sessions_app_roadmapitem_change", args=[roadmap_item.pk]),
        "mailing-form": reverse("admin:registrations_mailing_change", args=[mailing.pk]),
        "mailing-new": reverse("admin:registrations_mailing_add"),
        "session-list": reverse("admin:sessions_app_session_changelist"),
    }


# The box each page's content must stay inside (the list's results and actions beside the filters).
BOXES = {"mailing-form": "#content-main", "mailing-new": "#content-main", "session-list": "#changelist-form"}

PAST_THE_BOX = """box => {
  const edge = document.querySelector(box).getBoundingClientRect().right;
  return [...document.querySelectorAll(box + ' *')]
    .filter(e => e.offsetParent && e.getBoundingClientRect().width && e.getBoundingClientRect().right > edge + 1)
    .map(e => e.id || e.name || e.className || e.tagName);
}"""


def a_second_group_with_long_names():
    """The session list shows its working-group filter once there are two groups; names as long as real ones."""
    group = WorkingGroupFactory(
        slug="outcome-2-1",
        outcome_code="2.1",
        name="Acceso universal a servicios de tratamiento, reducción de riesgos y daños para personas privadas "
        "de libertad y sus familias",
    )
    SessionFactory(
        group=group,
        number=1,
        title="Intercambio de experiencias nacionales sobre alternativas al encarcelamiento y mecanismos de "
        "derivación a tratamiento",
        time_zone="America/Argentina/Buenos_Aires",
    )


@pytest.mark.parametrize("language", ["es", "pt"])
def test_admin_pages_fit_1280_px_in_spanish_and_portuguese(live_server, chromium_page, staff, language):
    call_command("load_demo")
    a_second_group_with_long_names()
    session = Session.objects.get(slug="session-2-inclusive-mechanisms")
    mailing = Mailing.objects.create(
        session=session,
        kind=Mailing.Kind.INVITATION,
        audience=Mailing.Audience.ADDRESSES,
        addresses="maria.lopez@example.org\njoao@example.org, pt",
        addresses_language="es",
        subject_es="Invitación: {session_title}",
        body_es="Estimada/o {name}:\n\nLe invitamos a la sesión {session_number}. {local_times}\n\n{register_url}",
        subject_pt="Convite: {session_title}",
        body_pt="Prezada/o {name}:\n\nConvidamos você para a sessão {session_number}.\n\n{register_url}",
    )
    item = RoadmapItem.objects.filter(group=session.group).first() or RoadmapItem.objects.create(
        group=session.group, title_es="Mapeo regional", owner_kind="programme"
    )
    item.owner_kind, item.owner_country = "institution", ""
    item.owner_institution = Institution.objects.first() or InstitutionFactory(
        name="Secretaría Nacional para la Gestión Integral de Drogas y la Prevención de Adicciones", country="UY"
    )
    item.follow_up_session = session
    item.save()
    page = chromium_page
    page.context.add_cookies(
        [_session_cookie(staff, live_server), {"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.set_viewport_size({"width": 1280, "height": 900})

    widths = {}
    for name, url in pages(session, mailing, item).items():
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
        # Nothing is cut off inside a box either: no table or select wider than what holds it.
        clipped = page.evaluate(
            "[...document.querySelectorAll('#content table, #content select')]"
            ".filter(e => e.offsetParent && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1"
            " || (e.parentElement && e.scrollWidth > e.parentElement.clientWidth + 1 && e.tagName === 'TABLE'))"
            ".map(e => e.id || e.name || e.tagName)"
        )
        assert (name, clipped) == (name, [])
        if name in BOXES:
            assert (name, page.evaluate(PAST_THE_BOX, BOXES[name])) == (name, [])
        # Django's unnamed "hours ahead of server time" note is never shown.
        assert page.locator(".timezonewarning:visible").count() == 0
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/{name}-{language}.png", full_page=True)

    assert widths == dict.fromkeys(widths, 1280)
