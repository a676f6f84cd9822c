"""The focal point who submits their country's answers gets a copy of them by e-mail."""

import pytest
from django.core import mail
from django.urls import reverse

from registrations.focal_points.answers import save_contribution
from registrations.models import Delivery
from tests.factories import GuidingQuestionFactory, SessionFactory


@pytest.fixture
def submitted(client, focal_point_uruguay, django_capture_on_commit_callbacks):
    session = SessionFactory(title="Alternativas <b>al</b> encarcelamiento")
    first = GuidingQuestionFactory(session=session, order=1, text="¿Qué mecanismos?")
    second = GuidingQuestionFactory(session=session, order=2, text="¿Qué socios?")
    save_contribution(
        session=session,
        country="UY",
        answers={first.pk: "Tribunales de drogas & <script>x</script>", second.pk: ""},
        user=focal_point_uruguay.user,
    )
    client.force_login(focal_point_uruguay.user)
    review = reverse("focal_points:contribution_review", kwargs={"slug": session.slug}).replace("/en/", "/es/")
    version = client.get(review).context["form"].initial["version"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review, {"version": version, "confirm": "on"})
        client.post(review, {"version": version, "confirm": "on"})  # a second click sends nothing more
    return session


def test_the_submitter_gets_one_copy_of_the_answers_in_their_language(submitted):
    [message] = [message for message in mail.outbox if message.to == ["fp.uy@example.org"]]

    assert message.subject == "Copia de las respuestas de Uruguay: Alternativas <b>al</b> encarcelamiento"
    text = message.body
    assert "1. ¿Qué mecanismos?\nTribunales de drogas & <script>x</script>\n" in text
    assert "2. ¿Qué socios?\n(sin respuesta)\n" in text
    html = message.alternatives[0].content
    assert "Tribunales de drogas &amp; &lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>x</script>" not in html
    assert Delivery.objects.filter(kind="contribution_copy").count() == 1
