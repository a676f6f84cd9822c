"""Importing the video platform's attendance report."""

import codecs

import pytest
from django.utils import translation

from registrations.models import Registration
from sessions_app.outcomes.attendance import import_attendance, set_attendance
from sessions_app.outcomes.attendance_report import AttendanceFileError, parse_attendance_csv
from tests.factories import RegistrationFactory, SessionFactory

ZOOM_WEBINAR = (
    "\ufeffAttendee Report\n"
    "Report Generated:,05/10/2023 17:30\n"
    "Topic,Webinar ID,Actual Start Time\n"
    "Inclusive mechanisms,812 3456 7890,05/10/2023 15:28\n"
    "\n"
    "Attendee Details\n"
    "Attended;User Name (Original Name);Email;Join Time;Leave Time;Time in Session (minutes);Country/Region Name\n"
    "Yes;Lucía Pérez;LUCIA@example.org;05/10/2023 15:30:00;05/10/2023 16:00:00;30;Uruguay\n"
    "Yes;Lucía Pérez;lucia@example.org;05/10/2023 16:10:00;05/10/2023 17:00:00;50;Uruguay\n"
    "Yes;João Gonçalves;joao@example.org;05/10/2023 15:29:00;05/10/2023 17:01:00;92;Portugal\n"
    "Yes;Stranger;stranger@example.org;05/10/2023 15:35:00;05/10/2023 15:45:00;10;Chile\n"
    "Yes;No Email;not-an-email;05/10/2023 15:35:00;05/10/2023 15:45:00;10;Chile\n"
    "Yes;Bad Minutes;bad@example.org;;;ten;Chile\n"
    "Yes;Short row\n"
    "No;Never Came;never@example.org;--;--;;Peru\n"
).encode()


@pytest.fixture(autouse=True)
def english():
    # Messages are translated with the active language; a request in another test may leave one.
    with translation.override("en"):
        yield


@pytest.fixture
def session(db):
    return SessionFactory(duration_minutes=90)


def test_import_marks_matched_sums_rejoins_and_reports_the_rest(session):
    lucia = RegistrationFactory(session=session, email="Lucia@Example.org", status=Registration.Status.CONFIRMED)
    joao = RegistrationFactory(session=session, email="joao@example.org", status=Registration.Status.CONFIRMED)
    absent = RegistrationFactory(session=session, email="absent@example.org", status=Registration.Status.CONFIRMED)
    never = RegistrationFactory(session=session, email="never@example.org", status=Registration.Status.CONFIRMED)
    other_session = RegistrationFactory(email="stranger@example.org", status=Registration.Status.CONFIRMED)

    result = import_attendance(session=session, data=ZOOM_WEBINAR)

    assert sorted((r.email, minutes) for r, minutes in result.matched) == [
        ("Lucia@Example.org", 80),
        ("joao@example.org", 92),
    ]
    assert [(row.email, row.name, row.minutes) for row in result.unmatched] == [
        ("stranger@example.org", "Stranger", 10)
    ]
    assert [(row.line, row.reason) for row in result.malformed] == [
        (12, "No valid e-mail address."),
        (13, "The duration is not a number of minutes."),
        (14, "Too few columns."),
    ]
    rows = dict(Registration.objects.values_list("pk", "status"))
    assert rows == {
        lucia.pk: "attended",
        joao.pk: "attended",
        absent.pk: "confirmed",
        never.pk: "confirmed",
        other_session.pk: "confirmed",
    }
    lucia.refresh_from_db()
    assert lucia.attended_minutes == 80


def test_importing_twice_gives_the_same_minutes(session):
    lucia = RegistrationFactory(session=session, email="lucia@example.org")
    import_attendance(session=session, data=ZOOM_WEBINAR)
    import_attendance(session=session, data=ZOOM_WEBINAR)
    lucia.refresh_from_db()
    assert (lucia.status, lucia.attended_minutes) == ("attended", 80)


def test_overlapping_rows_from_two_devices_count_once(session):
    data = (
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        "Ana,ana@example.org,2023-05-10 15:30:00,2023-05-10 16:30:00,60,No\n"
        "Ana (phone),ana@example.org,2023-05-10 16:00:00,2023-05-10 16:45:00,45,No\n"
    )
    ana = RegistrationFactory(session=session, email="ana@example.org")
    import_attendance(session=session, data=data.encode("cp1252"))
    ana.refresh_from_db()
    assert ana.attended_minutes == 75


def test_duration_only_report_in_spanish_with_semicolons(session):
    data = "Nombre;Correo electrónico;Duración (minutos)\nMaría;maria@example.org;45\nMaría;maria@example.org;15\n"
    maria = RegistrationFactory(session=session, email="maria@example.org")
    result = import_attendance(session=session, data=data.encode())
    maria.refresh_from_db()
    assert (maria.status, maria.attended_minutes, result.malformed) == ("attended", 60, [])


@pytest.mark.parametrize("data", [b"", b"just some text\nwithout a header\n", b"\x00\x01\x02", b"name,minutes\nA,3\n"])
def test_a_file_without_a_usable_header_is_refused(data):
    with pytest.raises(AttendanceFileError):
        parse_attendance_csv(data)


def test_staff_ticks_attendance(session):
    ticked = RegistrationFactory(session=session, status=Registration.Status.CONFIRMED)
    RegistrationFactory(session=session, status=Registration.Status.ATTENDED, attended_minutes=30)

    set_attendance(session=session, attended_ids={ticked.pk}, minutes_by_id={ticked.pk: 45})

    assert list(Registration.objects.order_by("pk").values_list("status", "attended_minutes")) == [
        ("attended", 45),
        ("confirmed", None),
    ]


def test_admin_attendance_page_imports_and_lists_unmatched(client, staff, session):
    from django.core.files.uploadedfile import SimpleUploadedFile

    RegistrationFactory(session=session, email="lucia@example.org", full_name="Lucía Pérez")
    client.force_login(staff)
    url = f"/admin/sessions_app/conclusions/attendance/{session.pk}/"

    response = client.post(url, {"upload": "1", "file": SimpleUploadedFile("report.csv", ZOOM_WEBINAR)})

    assert response.status_code == 200
    page = response.content.decode()
    assert "1 registration marked as attended." in page
    assert "stranger@example.org" in page
    assert "The duration is not a number of minutes." in page
    assert Registration.objects.get(email="lucia@example.org").attended_minutes == 80


# What Excel writes for "Save as: Unicode Text (*.txt)": UTF-16 little-endian with a BOM, tabs, CRLF.
EXCEL_UNICODE_TEXT = codecs.BOM_UTF16_LE + (
    "Nombre\tCorreo electrónico\tDuración (minutos)\r\n"
    "María Núñez\tmaria@example.org\t45\r\n"
    "João Gonçalves\tjoao@example.org\t92\r\n"
    "Otra Persona\totra@example.org\t5\r\n"
).encode("utf-16-le")


def test_excel_unicode_text_export_is_read(session):
    maria = RegistrationFactory(session=session, email="maria@example.org")
    joao = RegistrationFactory(session=session, email="joao@example.org")

    result = import_attendance(session=session, data=EXCEL_UNICODE_TEXT)

    assert sorted((r.email, minutes) for r, minutes in result.matched) == [
        ("joao@example.org", 92),
        ("maria@example.org", 45),
    ]
    assert [(row.email, row.name, row.minutes) for row in result.unmatched] == [("otra@example.org", "Otra Persona", 5)]
    assert result.malformed == []
    maria.refresh_from_db()
    joao.refresh_from_db()
    assert (maria.status, maria.attended_minutes, joao.attended_minutes) == ("attended", 45, 92)


def test_big_endian_utf16_and_a_cut_off_last_byte_do_not_break_the_import(session):
    text = "Email\tDuration\r\nana@example.org\t30\r\n"
    big_endian = codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    RegistrationFactory(session=session, email="ana@example.org")

    assert [(row.email, row.minutes) for row in parse_attendance_csv(big_endian).rows] == [("ana@example.org", 30)]
    assert [(row.email, row.minutes) for row in parse_attendance_csv(big_endian[:-1]).rows] == [("ana@example.org", 30)]


def test_admin_attendance_page_reads_an_excel_unicode_text_upload(client, staff, session):
    from django.core.files.uploadedfile import SimpleUploadedFile

    RegistrationFactory(session=session, email="maria@example.org", full_name="María Núñez")
    client.force_login(staff)
    url = f"/admin/sessions_app/conclusions/attendance/{session.pk}/"

    response = client.post(url, {"upload": "1", "file": SimpleUploadedFile("report.txt", EXCEL_UNICODE_TEXT)})

    page = response.content.decode()
    assert "1 registration marked as attended." in page
    assert "otra@example.org" in page
    assert Registration.objects.get(email="maria@example.org").attended_minutes == 45


def test_admin_attendance_page_refuses_a_bad_file_without_500(client, staff, session):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff)
    url = f"/admin/sessions_app/conclusions/attendance/{session.pk}/"
    response = client.post(url, {"upload": "1", "file": SimpleUploadedFile("x.csv", b"\x89PNG\r\n\x1a\n\x00")})
    assert response.status_code == 200
    assert "No header row with an e-mail column" in response.content.decode()


def test_admin_attendance_page_is_for_staff_only(client, outsider, session):
    client.force_login(outsider)
    response = client.get(f"/admin/sessions_app/conclusions/attendance/{session.pk}/")
    assert (response.status_code, response.url.startswith("/admin/login/")) == (302, True)


def test_messages_are_in_the_staff_language(session):
    with translation.override("pt"):
        report = parse_attendance_csv(ZOOM_WEBINAR)
    assert report.malformed[0].reason == "Não há um endereço de e-mail válido."


def _quote_heavy(size):
    """The shape that makes csv.Sniffer quadratic: an opened quote after each delimiter, never closed."""
    return (',"' * (size // 2))[:size]


@pytest.mark.timeout(10)  # csv.Sniffer on this input ran for minutes; the time itself is in bench/
def test_a_quote_heavy_file_of_1_6_mb_is_refused_with_a_clear_message():
    data = _quote_heavy(1_600_000).encode()

    with pytest.raises(AttendanceFileError) as error:
        parse_attendance_csv(data)

    assert str(error.value) == "No header row with an e-mail column and a duration (or join and leave times) was found."


@pytest.mark.timeout(10)
def test_a_quote_heavy_row_after_a_real_header_is_refused_not_hung_on():
    data = ("Email;Duration (minutes)\nana@example.org;30\n" + _quote_heavy(1_600_000) + "\n").encode()

    with pytest.raises(AttendanceFileError) as error:
        parse_attendance_csv(data)

    assert str(error.value) == "The file is not a readable CSV file: field larger than field limit (131072)"


def test_the_delimiter_is_the_one_under_which_the_header_reads_even_if_another_is_more_frequent():
    data = (
        b"Topic,Webinar, with, many, commas\n"
        b"Email\tDuration (minutes)\tNotes\n"
        b"ana@example.org\t30\tsaid: a, b, c, d, e\n"
    )

    report = parse_attendance_csv(data)

    assert [(row.email, row.minutes) for row in report.rows] == [("ana@example.org", 30)]


# Zoom's "participants" export of a meeting: a header block (the meeting, its host's e-mail and the
# meeting's duration) above the participants' own header. The host line is not an attendee row.
ZOOM_MEETING = (
    "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
    "812 3456 7890,Inclusive mechanisms,05/10/2023 03:25:12 PM,05/10/2023 05:05:40 PM,host@copolad.eu,101,4\n"
    "\n"
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
    "Lucía Pérez,lucia@example.org,05/10/2023 03:30:00 PM,05/10/2023 04:00:00 PM,30,Yes\n"
    "Lucía Pérez,lucia@example.org,05/10/2023 04:10:00 PM,05/10/2023 05:00:00 PM,50,Yes\n"
    "João Gonçalves,joao@example.org,05/10/2023 03:29:00 PM,05/10/2023 05:01:00 PM,92,Yes\n"
    "Stranger,stranger@example.org,05/10/2023 03:35:00 PM,05/10/2023 03:45:00 PM,10,Yes\n"
).encode()


def test_zoom_meeting_export_imports_only_the_participants(session):
    lucia = RegistrationFactory(session=session, email="lucia@example.org", status=Registration.Status.CONFIRMED)
    joao = RegistrationFactory(session=session, email="joao@example.org", status=Registration.Status.CONFIRMED)
    host = RegistrationFactory(session=session, email="host@copolad.eu", status=Registration.Status.CONFIRMED)

    result = import_attendance(session=session, data=ZOOM_MEETING)

    assert sorted((registration.email, minutes) for registration, minutes in result.matched) == [
        ("joao@example.org", 92),
        ("lucia@example.org", 80),
    ]
    assert [(row.line, row.reason) for row in result.skipped] == [(2, "Meeting summary (the meeting and its host).")]
    assert result.merged == [("lucia@example.org", 2)]
    assert [row.email for row in result.unmatched] == ["stranger@example.org"]
    assert result.malformed == []
    host.refresh_from_db(), lucia.refresh_from_db(), joao.refresh_from_db()
    assert (host.status, host.attended_minutes) == ("confirmed", None)
    assert (lucia.status, joao.status) == ("attended", "attended")
