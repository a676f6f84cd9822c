"""The mailing admin as staff use it: compose with defaults, preview, test, check, queue, watch, retry."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from registrations.campaigns import building
from registrations.models import Delivery, Mailing, Registration
from sessions_app.models import Session
from tests.factories import RegistrationFactory, SessionFactory, WorkingGroupFactory
from tests.registrations.helpers import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def session2():
    return SessionFactory(title="Inclusive mechanisms", starts_at=timezone.now() + timedelta(days=10))


def add_mailing(staff_client, session, **overrides):
    data = {
        "session": session.pk,
        "kind": Mailing.Kind.INVITATION,
        "audience": Mailing.Audience.ADDRESSES,
        "addresses": "ana@example.org, es\njoao@example.org, pt",
        "subject_en": "",
        "subject_es": "",
        "subject_pt": "",
        "body_en": "",
        "body_es": "",
        "body_pt": "",
        **overrides,
    }
    response = staff_client.post(reverse("admin:registrations_mailing_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    return Mailing.objects.get()


def test_the_add_page_lists_the_placeholders(staff_client):
    response = staff_client.get(reverse("admin:registrations_mailing_add"))

    assert response.status_code == 200
    assert "{start_local} {local_times} {session_url} {register_url} {join_url}" in response.content.decode()


def test_a_new_mailing_gets_the_default_texts_of_its_kind_in_three_languages(staff_client, staff, session2):
    mailing = add_mailing(staff_client, session2, subject_en="My own subject")

    assert mailing.subject_en == "My own subject"
    assert mailing.subject_es == "Invitación: {session_title}"
    assert mailing.subject_pt == "Convite: {session_title}"
    assert "Inscríbase aquí: {register_url}" in mailing.body_es
    assert (mailing.status, mailing.created_by) == (Mailing.Status.DRAFT, staff)


def test_an_invalid_pasted_list_is_refused_with_the_lines_named(staff_client, session2):
    response = staff_client.post(
        reverse("admin:registrations_mailing_add"),
        {
            "session": session2.pk,
            "kind": "custom",
            "audience": "addresses",
            "addresses": "ok@example.org\nnot-an-address\nx@example.org, fr\nOK@example.org, es\na@example.org, es, pt",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["addresses"] == [
        "Line 2 (“not-an-address”): this is not an e-mail address.",
        "Line 3 (“x@example.org, fr”): the language “fr” is not one of en, es, pt.",
        "Line 5 (“a@example.org, es, pt”): write one address and, optionally, its language.",
    ]
    assert not Mailing.objects.exists()


def test_people_are_greeted_by_name_when_known_and_neutrally_otherwise(staff_client, session2):
    RegistrationFactory(email="Carla.Ruiz@example.org", full_name="Carla Ruiz")
    mailing = add_mailing(staff_client, session2, addresses="carla.ruiz@example.org, es\nunknown@example.org, es")

    def body(recipient):
        response = staff_client.get(
            reverse("admin:registrations_mailing_preview", args=[mailing.pk]), {"recipient": recipient}
        )
        return response.context["body_text"].splitlines()[0]

    assert body("carla.ruiz@example.org") == "Estimada/o Carla Ruiz,"
    assert body("unknown@example.org") == "Estimada/o colega,"


def test_check_page_counts_recipients_by_language_and_shows_earlier_mailings(staff_client, session2):
    mailing = add_mailing(
        staff_client, session2, addresses="a@example.org, es\nb@example.org, es\nc@example.org, pt\nd@example.org"
    )
    page = staff_client.get(reverse("admin:registrations_mailing_check", args=[mailing.pk])).content.decode()
    assert re.findall(r'<td>(\w+)</td><td class="number">(\d+)</td>', page) == [
        ("English", "1"),
        ("Spanish", "2"),
        ("Portuguese", "1"),
    ]
    assert "No other mailing of this session has been sent." in page


def test_preview_renders_for_the_chosen_recipient_and_language(staff_client, session2):
    mailing = add_mailing(staff_client, session2)

    response = staff_client.get(
        reverse("admin:registrations_mailing_preview", args=[mailing.pk]),
        {"recipient": "joao@example.org", "language": "pt"},
    )

    assert response.context["subject"] == "Convite: Inclusive mechanisms"
    assert response.context["body_text"].startswith("Prezada/o colega,")  # no name known: never the address
    assert response.context["recipient"].email == "joao@example.org"


def test_send_a_test_to_oneself(staff_client, staff, session2, django_capture_on_commit_callbacks):
    mailing = add_mailing(staff_client, session2)

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("admin:registrations_mailing_send_test", args=[mailing.pk]), {"language": "es"})

    assert [(message.to, message.subject) for message in mail.outbox] == [
        ([staff.email], "[TEST] Invitación: Inclusive mechanisms")
    ]
    assert not mailing.deliveries.exists()


def test_check_shows_blockers_and_queue_is_refused(staff_client, session2):
    mailing = add_mailing(staff_client, session2)
    Mailing.objects.filter(pk=mailing.pk).update(body_pt="")
    Session.objects.filter(pk=session2.pk).update(starts_at=timezone.now() - timedelta(days=2))

    page = staff_client.get(reverse("admin:registrations_mailing_check", args=[mailing.pk]))
    queued = staff_client.post(reverse("admin:registrations_mailing_queue", args=[mailing.pk]))

    assert page.context["blockers"] == [
        "The subject or body in Portuguese is missing and some recipients read that language.",
        "The session is in the past.",
    ]
    assert "Queue the mailing" not in page.content.decode()
    assert queued["Location"] == reverse("admin:registrations_mailing_check", args=[mailing.pk])
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_queue_then_watch_progress_then_retry_failed(staff_client, session2, django_capture_on_commit_callbacks):
    mailing = add_mailing(staff_client, session2)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:registrations_mailing_queue", args=[mailing.pk]))
    assert response["Location"] == reverse("admin:registrations_mailing_progress", args=[mailing.pk])
    assert sorted(message.to[0] for message in mail.outbox) == ["ana@example.org", "joao@example.org"]

    Delivery.objects.filter(to_email="ana@example.org").update(status=Delivery.Status.FAILED, last_error="550 no")
    progress = staff_client.get(reverse("admin:registrations_mailing_progress", args=[mailing.pk]))
    assert progress.context["progress"] == {"sent": 1, "failed": 1, "pending": 0, "suppressed": 0, "total": 2}
    assert "ana@example.org: 550 no" in progress.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("admin:registrations_mailing_retry", args=[mailing.pk]))
    assert building.mailing_progress(mailing)["sent"] == 2
    assert len(mail.outbox) == 3
    assert staff_client.get(reverse("admin:registrations_mailing_queue", args=[mailing.pk])).status_code == 405


def test_pages_are_for_staff_only(client, outsider, session2):
    mailing = Mailing.objects.create(session=session2, kind="custom", audience="addresses", addresses="a@b.org")
    client.force_login(outsider)

    response = client.get(reverse("admin:registrations_mailing_progress", args=[mailing.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("count", [1, 30])
def test_progress_and_change_pages_cost_the_same_queries_for_1_or_many(
    staff_client, session2, count, django_assert_num_queries
):
    mailing = Mailing.objects.create(session=session2, kind="custom", audience="addresses", status="sending")
    for number in range(count):
        registration = RegistrationFactory(session=session2, status=Registration.Status.CONFIRMED)
        Delivery.objects.create(
            key=f"k{number}",
            kind="custom",
            mailing=mailing,
            registration=registration,
            to_email=registration.email,
            subject="s",
            body_text="b",
            status=Delivery.Status.FAILED,
        )

    # One of each is the staff second-factor check (copolad_wg.middleware); one of the change page's
    # reads the session's zone, in which "send at" is typed.
    with django_assert_num_queries(6):
        staff_client.get(reverse("admin:registrations_mailing_progress", args=[mailing.pk]))
    with django_assert_num_queries(9):
        staff_client.get(reverse("admin:registrations_mailing_change", args=[mailing.pk]))


def test_changing_a_session_start_in_the_admin_sends_the_update(staff_client, django_capture_on_commit_callbacks):
    from tests.sessions_app.test_admin import session_form

    group = WorkingGroupFactory()
    start = timezone.now() + timedelta(days=20)
    form = session_form(group, starts_at_0=f"{start:%Y-%m-%d}", starts_at_1="15:30")
    assert staff_client.post(reverse("admin:sessions_app_session_add"), form).status_code == 302
    session = Session.objects.get(slug="session-2")
    RegistrationFactory(session=session, email="ana@example.org", status=Registration.Status.CONFIRMED, language="es")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:sessions_app_session_change", args=[session.pk]), {**form, "starts_at_1": "17:00"}
        )

    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.starts_at.astimezone(session.zone).strftime("%H:%M"), session.ics_sequence) == ("17:00", 1)
    assert [(message.to, message.subject) for message in mail.outbox] == [
        (["ana@example.org"], "Nuevo horario: Mecanismos inclusivos")
    ]


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("es", ["Estados de inscripción", "Creado por"]),
        ("pt", ["Estados de inscrição", "Criado por"]),
        ("en", ["Registrant statuses", "Created by"]),
    ],
)
def test_the_mailing_form_labels_read_in_the_staff_language(staff_client, session2, language, labels):
    mailing = add_mailing(staff_client, session2)

    page = staff_client.get(
        reverse("admin:registrations_mailing_change", args=[mailing.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()

    shown = re.findall(r"<label[^>]*>([^<:]+):</label>", page)
    assert [label for label in shown if label in {*labels, "registrant statuses", "Created by"}] == labels


def test_check_blocks_unknown_placeholders_in_the_staff_language(staff_client, session2):
    mailing = add_mailing(staff_client, session2)
    Mailing.objects.filter(pk=mailing.pk).update(subject_es="Hola {nombre}", body_pt=mailing.body_pt + "\n{unknown}")

    page = staff_client.get(reverse("admin:registrations_mailing_check", args=[mailing.pk]), HTTP_ACCEPT_LANGUAGE="es")
    queued = staff_client.post(reverse("admin:registrations_mailing_queue", args=[mailing.pk]))

    assert page.context["blockers"] == [
        "Marcadores desconocidos: {nombre}, {unknown}. Los marcadores que puede usar son: {name}, {session_title}, "
        "{session_number}, {start_session}, {start_local}, {local_times}, {session_url}, {register_url}, "
        "{join_url}, {manage_url}."
    ]
    assert queued["Location"] == reverse("admin:registrations_mailing_check", args=[mailing.pk])
    mailing.refresh_from_db()
    assert (mailing.status, mailing.deliveries.count()) == (Mailing.Status.DRAFT, 0)


def test_staff_find_the_messages_a_request_queued_by_the_request_id_of_a_log_line(staff_client, client):
    session = SessionFactory(title="Mecanismos inclusivos")
    response = client.post(
        reverse("registrations:register", kwargs={"slug": session.slug}), form_data("ana@example.org")
    )
    # Queued outside any request (a command, the beat): no request ID.
    other = Delivery.objects.create(key="other", kind="custom", to_email="bea@example.org")

    found = staff_client.get(reverse("admin:registrations_delivery_changelist"), {"q": response["X-Request-ID"]})

    assert found.status_code == 200
    assert [row.to_email for row in found.context["cl"].result_list] == ["ana@example.org"]
    delivery = Delivery.objects.get(to_email="ana@example.org")
    page = staff_client.get(reverse("admin:registrations_delivery_change", args=[delivery.pk]))
    assert response["X-Request-ID"] in page.content.decode()
    assert other.request_id == ""
