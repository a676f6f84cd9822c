"""The private page: saving details stays on the portal's own host; what a cancelled person is offered."""

import re

import pytest

from registrations.models import Registration
from tests.factories import RegistrationFactory
from tests.registrations.helpers import form_data


def test_saving_details_redirects_on_the_same_host_even_when_site_url_names_another(client, session, settings):
    settings.SITE_URL = "https://mail-links.example.org"
    registration = RegistrationFactory(session=session, status=Registration.Status.CONFIRMED, language="es")
    data = form_data(full_name="Ana Souza", language="pt", time_zone="America/Sao_Paulo")
    del data["email"], data["consent"]

    response = client.post(f"/es/registrations/r/{registration.token}/", data, follow=True)

    assert response.redirect_chain == [(f"/pt/registrations/r/{registration.token}/", 302)]
    assert [str(message) for message in response.context["messages"]] == ["Seus dados foram salvos."]
    registration.refresh_from_db()
    assert registration.full_name == "Ana Souza"


def test_a_cancelled_registration_is_not_offered_a_calendar_file(client, session):
    cancelled = RegistrationFactory(session=session, status=Registration.Status.CANCELLED)
    confirmed = RegistrationFactory(session=session, status=Registration.Status.CONFIRMED)

    cancelled_page = client.get(f"/es/registrations/r/{cancelled.token}/").content.decode()
    confirmed_page = client.get(f"/es/registrations/r/{confirmed.token}/").content.decode()

    assert (cancelled_page.count('id="ics-download"'), confirmed_page.count('id="ics-download"')) == (0, 1)


@pytest.mark.django_db
@pytest.mark.pdf
@pytest.mark.parametrize("languages", [["pt"], ["en", "es", "pt"]])
def test_after_the_session_the_private_page_lists_the_documents_and_the_certificate(
    client, settings, tmp_path, django_assert_num_queries, languages
):
    from sessions_app.models import Document
    from sessions_app.outcomes import documents
    from tests.sessions_app.after_session_data import build_held_session

    settings.MEDIA_ROOT = tmp_path / "media"
    session, attendee, _registrant = build_held_session()
    for language in languages:
        documents.render_document(session=session, kind=Document.Kind.CONCLUSIONS, language=language)
    certificate = documents.render_document(
        session=session, kind=Document.Kind.CERTIFICATE, language="pt", registration=attendee
    )

    # The registration, the documents; the presentations and the evaluation's questionnaire.
    with django_assert_num_queries(5):
        body = client.get(f"/pt/registrations/r/{attendee.token}/").content.decode()

    links = re.findall(r'<a href="(/pt/registrations/[^"]+/documents/\d+/)"[^>]*>([^<]+)</a>', body)
    names = {"en": "Inglês", "es": "Espanhol", "pt": "Português"}
    assert links == [
        *[
            (f"/pt/registrations/{attendee.token}/documents/{document.pk}/", f"Conclusões · {names[document.language]}")
            for document in Document.objects.filter(kind=Document.Kind.CONCLUSIONS).order_by("pk")
        ],
        (f"/pt/registrations/{attendee.token}/documents/{certificate.pk}/", "Certificado de participação · Português"),
    ]
