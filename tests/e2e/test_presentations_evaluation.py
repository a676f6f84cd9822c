"""In Chromium, as people would: a speaker uploads slides with only their link (a wrong file gets
the message in their language), and a participant answers the evaluation once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from registrations.models import Registration
from sessions_app.outcomes.models import EvaluationResponse, Presentation
from sessions_app.outcomes.presentations import files
from tests.factories import (
    AgendaItemFactory,
    ChoiceFactory,
    QuestionFactory,
    QuestionnaireFactory,
    RegistrationFactory,
    SessionFactory,
    SpeakerFactory,
)
from tests.support import documents

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_speaker_uploads_slides_with_only_the_link_staff_sent(live_server, chromium_page, settings, tmp_path):
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    item = AgendaItemFactory(title="Inclusión de mujeres privadas de libertad")
    speaker = SpeakerFactory(name="Andrea Hernández", email="andrea@example.org")
    files.send_upload_link(item=item, speaker=speaker, email=speaker.email, language="es")
    url = next(line for line in mail.outbox[-1].body.splitlines() if "/speakers/upload/" in line).strip()
    (tmp_path / "programa.pdf").write_bytes(documents.EXE_BYTES)
    (tmp_path / "crisalidas.pptx").write_bytes(documents.pptx())

    page = chromium_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    page.fill("#id_title", "Crisálidas")
    page.set_input_files("#id_file", str(tmp_path / "programa.pdf"))
    page.get_by_role("button", name="Subir").click()
    assert page.locator("#id_file_error").inner_text() == (
        "No se pueden subir programas. Elija un documento PDF, PPTX, DOCX, ODP u ODT."
    )
    assert page.locator("#id_title").input_value() == "Crisálidas"
    page.set_input_files("#id_file", str(tmp_path / "crisalidas.pptx"))
    page.get_by_role("button", name="Subir").click()
    assert page.locator("#speaker-files li").all_inner_texts() == [
        f"Crisálidas PPTX, {len(documents.pptx())}\xa0bytes, Español · Solo participantes de la sesión"
    ]
    presentation = Presentation.objects.get()
    assert (presentation.item, presentation.speaker, presentation.file_kind) == (item, speaker, "pptx")
    assert page.evaluate("document.documentElement.scrollWidth") == 390


def test_a_participant_answers_the_evaluation_once_from_their_private_page(live_server, chromium_page):
    session = SessionFactory(starts_at=timezone.now() - timedelta(days=1), status="held")
    questionnaire = QuestionnaireFactory(session=session)
    QuestionFactory(questionnaire=questionnaire, kind="scale", text_pt="Qual foi a utilidade da sessão?", order=1)
    choice = ChoiceFactory(
        question=QuestionFactory(questionnaire=questionnaire, kind="choice", text_pt="Melhor parte?", order=2),
        text_pt="Debate aberto",
    )
    QuestionFactory(questionnaire=questionnaire, kind="text", text_pt="Próximo tema?", order=3)
    person = RegistrationFactory(session=session, status=Registration.Status.ATTENDED, language="pt")

    page = chromium_page
    page.goto(f"{live_server.url}/pt/registrations/r/{person.token}/")
    page.locator("#evaluation-link").click()
    page.get_by_label("4").check()
    page.get_by_label("Debate aberto").check()
    page.get_by_label("Próximo tema?").fill("Mulheres e prisão")
    page.get_by_role("button", name="Enviar minhas respostas").click()
    assert page.locator("#evaluation-state").inner_text() == (
        "Suas respostas foram salvas. Elas nos ajudam a preparar as próximas sessões."
    )
    response = EvaluationResponse.objects.get()
    assert sorted(str(answer.scale or answer.choice_id or answer.text) for answer in response.answers.all()) == sorted(
        ["4", str(choice.pk), "Mulheres e prisão"]
    )
    page.goto(f"{live_server.url}/pt/registrations/r/{person.token}/")
    assert page.locator("#evaluation-answered").inner_text() == "Obrigado: você já respondeu à avaliação."
