"""Which limit guards what: every page behind a private link counts against TOKEN_RATE_LIMIT (one
count for all of them), the registration form against REGISTRATION_RATE_LIMIT, and certificate
look-ups, GETs though they are, against VERIFY_RATE_LIMIT."""

import pytest

from registrations.models import Registration
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    # Different numbers, so a view under the wrong limit shows.
    settings.REGISTRATION_RATE_LIMIT = (20, 600)
    settings.TOKEN_RATE_LIMIT = (3, 600)
    settings.VERIFY_RATE_LIMIT = (4, 600)
    return settings


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "contact/withdraw/"),
        ("get", "my-data/"),
        ("get", "my-data/?format=json"),
        ("post", "my-data/delete/"),
        ("post", "cancel/"),
        ("post", ""),
        ("post", "confirm/"),
    ],
)
def test_each_private_page_is_under_the_token_limit(one_rate_window, client, limits, method, path):
    registration = RegistrationFactory(contact_opt_in=True, status=Registration.Status.CONFIRMED)
    spare = RegistrationFactory(contact_opt_in=True, status=Registration.Status.CONFIRMED)
    url = f"/en/registrations/r/{spare.token}/{path}"
    data = {"confirm": "no"} if method == "post" else {}
    # Three requests to other private pages use up the one count they share.
    for _request in range(3):
        client.post(f"/en/registrations/r/{registration.token}/contact/withdraw/")

    response = getattr(client, method)(url, data)

    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    spare.refresh_from_db()
    assert (spare.anonymised_at, spare.status) == (None, Registration.Status.CONFIRMED)


def test_the_private_pages_allow_what_the_token_limit_allows(one_rate_window, client, limits):
    registration = RegistrationFactory(status=Registration.Status.CONFIRMED)

    answers = [client.get(f"/en/registrations/r/{registration.token}/my-data/").status_code for _request in range(4)]

    assert answers == [200, 200, 200, 429]


def test_certificate_look_ups_are_limited_get_or_not(one_rate_window, client, limits):
    codes = ["AAAA-BBBB-CCCC", "DDDD-EEEE-FFFF"]

    answers = [client.get(f"/en/certificates/{codes[0]}/").status_code for _request in range(2)]
    answers += [client.get("/en/certificates/verify/", {"code": codes[1]}).status_code for _request in range(3)]

    assert answers == [404, 404, 404, 404, 429]
