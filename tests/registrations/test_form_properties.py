"""Property-based: whatever is typed into the register form or the private page, never a 500."""

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registrations.models import Registration
from tests.factories import RegistrationFactory, SessionFactory
from tests.sessions_app.pages import status_and_headings

pytestmark = pytest.mark.django_db

FIELDS = [
    "email",
    "full_name",
    "position",
    "institution",
    "institution_name",
    "country",
    "language",
    "time_zone",
    "gender",
    "gender_self_described",
    "accessibility_needs",
    "consent",
    "contact_opt_in",
]

nasty = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\r\nBcc: x@example.org",
        "a" * 5000,
        '=HYPERLINK("http://x")',
        "ana@example.org",
        "ANA@EXAMPLE.ORG",
        "ünïcødé@exämple.org",
        "UY",
        "es",
        "Europe/Madrid",
        "Not/AZone",
        "self_described",
        "999999999999999999999",
        "-1",
        "on",
        "\u202eevil",
        "O'Brien",
        "名前",
    ]
)
value = st.one_of(st.text(max_size=300), nasty)
form = st.fixed_dictionaries({}, optional={name: st.one_of(value, st.lists(value, max_size=3)) for name in FIELDS})

FUZZ = settings(
    max_examples=min(60, settings.default.max_examples),  # fewer on the second database (tests/conftest.py)
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def open_session(db):
    return SessionFactory(capacity=2)


@FUZZ
@given(data=form, language=st.sampled_from(["en", "es", "pt"]))
def test_any_register_input_is_saved_or_sent_back_with_what_to_correct(client, open_session, data, language):
    cache.clear()

    response = client.post(f"/{language}/registrations/sessions/{open_session.slug}/register/", data)

    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert Registration.objects.filter(session=open_session).exists()
    else:
        assert 'id="error-summary"' in response.content.decode()


@FUZZ
@given(data=form)
def test_any_change_of_details_is_saved_or_sent_back_with_what_to_correct(client, open_session, data):
    cache.clear()
    registration = RegistrationFactory(session=open_session)

    response = client.post(f"/pt/registrations/r/{registration.token}/", data)

    assert response.status_code in (200, 302)
    if response.status_code == 302:
        # Back to the private page (in the language the person may just have chosen).
        assert response["Location"].endswith(f"/registrations/r/{registration.token}/")
    else:
        assert 'id="error-summary"' in response.content.decode()


@FUZZ
@given(token=st.text(min_size=1, max_size=200))
def test_any_unknown_token_gets_the_not_found_page(client, open_session, token):
    from urllib.parse import quote

    response = client.get(f"/es/registrations/r/{quote(token, safe='')}/")

    assert status_and_headings(response) == (404, ["Página no encontrada"])


def test_an_oversized_request_is_refused_with_400(client, open_session):
    response = client.post(f"/es/registrations/sessions/{open_session.slug}/register/", {"full_name": "x" * 3_000_000})

    assert response.status_code == 400
    assert Registration.objects.count() == 0
