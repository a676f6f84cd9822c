import pytest
from django.core.mail import send_mail


def test_smtp_sink_receives_what_django_sends(smtp_sink):
    send_mail("Sesión 2", "Cuerpo", "from@example.org", ["ana@example.org"])

    assert smtp_sink.handler.recipients() == ["ana@example.org"]
    assert smtp_sink.messages[0]["Subject"] == "Sesión 2"


@pytest.mark.browser
def test_chromium_renders_a_page(chromium_page):
    chromium_page.set_content("<title>Prueba</title><p>Hola</p>")

    assert chromium_page.title() == "Prueba"
