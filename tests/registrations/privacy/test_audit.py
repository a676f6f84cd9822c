"""Accountability: staff actions on personal data are on record; personal data need the permission and,
for those who can export it, a second factor."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission

from registrations.models import Registration
from tests.conftest import one_totp_window, totp_code
from tests.factories import RegistrationFactory, UserFactory
from tests.registrations.helpers import stored_certificate

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/registrations/registration/"


def clerk_with(*codenames):
    user = UserFactory(username="clerk", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_an_admin_change_an_export_and_an_erasure_are_on_record(client, staff, session):
    registration = RegistrationFactory(session=session, email="ana@example.org", full_name="Ana Souza")
    client.force_login(staff)
    change = client.get(f"{CHANGELIST}{registration.pk}/change/").context["adminform"].form
    data = {key: value for key, value in change.initial.items() if key in change.fields and value is not None}
    data["full_name"] = "Ana Souza Lima"

    client.post(f"{CHANGELIST}{registration.pk}/change/", data)
    client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [registration.pk]})
    confirm = client.post(CHANGELIST, {"action": "erase_personal_data", "_selected_action": [registration.pk]})
    client.post(
        CHANGELIST,
        {"action": "erase_personal_data", "_selected_action": [registration.pk], "confirm_erasure": "yes"},
    )

    assert "Ana Souza Lima &lt;ana@example.org&gt;" in confirm.content.decode()
    entries = LogEntry.objects.filter(actor=staff).order_by("pk")
    updates = entries.filter(action=LogEntry.Action.UPDATE, object_pk=str(registration.pk))
    update = next(entry for entry in updates if "full_name" in entry.changes)
    export = entries.get(action=LogEntry.Action.ACCESS)
    erasure = entries.get(action=LogEntry.Action.DELETE, object_pk=str(registration.pk))
    # What changed is kept, but the erased person's values are not.
    assert update.changes["full_name"] == ["[erased]", "[erased]"]
    assert (export.additional_data, export.object_repr) == (
        {"export": "csv", "registration_ids": [registration.pk]},
        "Export of 1 registrations (CSV)",
    )
    assert (erasure.additional_data, erasure.object_repr) == (
        {"erasure": "staff"},
        f"Anonymised registration {registration.pk}",
    )
    assert Registration.objects.get(pk=registration.pk).email == ""
    # Staff read the log in the admin, filtered by person and by object.
    listing = client.get("/admin/auditlog/logentry/", {"actor__id__exact": staff.pk, "q": str(registration.pk)})
    assert listing.status_code == 200
    assert {entry.pk for entry in listing.context["cl"].result_list} >= {update.pk, erasure.pk}


def test_a_staff_member_without_the_permission_sees_no_registrations_and_no_certificate(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    registration = RegistrationFactory(full_name="Ana Souza", status=Registration.Status.ATTENDED)
    document = stored_certificate(registration, b"%PDF Ana Souza")
    client.force_login(clerk_with())

    listing = client.get(CHANGELIST)
    certificate = client.get(f"/en/documents/{document.pk}/")

    assert listing.status_code == 403
    assert certificate.status_code == 404
    assert b"Ana Souza" not in certificate.content

    client.force_login(clerk_with("view_registration"))
    allowed = client.get(f"/en/documents/{document.pk}/")
    assert (allowed.status_code, b"".join(allowed.streaming_content)) == (200, b"%PDF Ana Souza")


def test_exports_need_the_export_permission(client, session):
    registration = RegistrationFactory(session=session)
    client.force_login(clerk_with("view_registration"))

    page = client.get(CHANGELIST)
    response = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [registration.pk]})

    assert "export_csv" not in dict(page.context["cl"].model_admin.get_action_choices(page.wsgi_request))
    assert response["Content-Type"].startswith("text/html")
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_who_can_export_personal_data_must_set_up_a_second_factor(client, settings):
    settings.STAFF_MFA_REQUIRED = True
    exporter = clerk_with("view_registration", "export_registration")
    client.force_login(exporter)

    first = client.get(CHANGELIST)

    assert first.status_code == 302
    assert first["Location"].startswith("/en/accounts/2fa/totp/activate/")
    # They set up the authenticator app on allauth's page (after typing their password again).
    client.post("/en/accounts/reauthenticate/", {"password": "correct horse battery"})
    page = client.get("/en/accounts/2fa/totp/activate/")
    secret = page.context["form"].secret
    with one_totp_window():
        activated = client.post("/en/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert activated.status_code == 302
    assert client.get(CHANGELIST).status_code == 200


def test_an_exporter_without_a_second_factor_cannot_download_someone_elses_certificate(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STAFF_MFA_REQUIRED = True
    registration = RegistrationFactory(full_name="Ana Souza", status=Registration.Status.ATTENDED)
    document = stored_certificate(registration, b"%PDF Ana Souza")
    client.force_login(clerk_with("view_registration", "export_registration"))

    response = client.get(f"/en/documents/{document.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/2fa/totp/activate/")
    assert b"Ana Souza" not in response.content


def test_staff_who_only_read_are_not_forced_and_the_setting_can_turn_it_off(client, settings):
    registration = RegistrationFactory(full_name="Ana Souza")
    client.force_login(clerk_with("view_registration"))
    reader = client.get(CHANGELIST)

    settings.STAFF_MFA_REQUIRED = False
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    superuser = client.get(CHANGELIST)

    # Both see the list of registrations itself, not the page that asks for an authenticator app.
    for response in (reader, superuser):
        assert response.status_code == 200
        assert [row.pk for row in response.context["cl"].result_list] == [registration.pk]


def test_the_entry_of_a_new_row_holds_its_own_fields_not_the_other_side_of_its_relations(django_assert_num_queries):
    from auditlog.registry import auditlog
    from django.contrib.contenttypes.models import ContentType

    from tests.factories import SessionFactory

    session = SessionFactory(title="Inclusive mechanisms")
    user = UserFactory.build(username="ana", email="ana@example.org")
    ContentType.objects.get_for_model(user)  # auditlog's lookup, kept for the process once made
    with django_assert_num_queries(2):  # the user's row and its audit entry: no query for its focal point
        user.save()

    for row in (session, user):
        changed = set(LogEntry.objects.get_for_object(row).get(action=LogEntry.Action.CREATE).changes_dict)
        columns = {field.name for field in row._meta.concrete_fields}
        assert changed <= columns, changed - columns
    assert "title" in set(LogEntry.objects.get_for_object(session).get().changes_dict)
    # Every tracked model, so that a relation added later stays out too.
    for model in auditlog.get_models():
        related = {relation.name for relation in model._meta.related_objects}
        assert related <= set(auditlog.get_model_fields(model)["exclude_fields"]), model
