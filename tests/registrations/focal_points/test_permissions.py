"""Who may open each page of the focal-point area, generated from the URL configuration.

Every pattern of ``registrations.focal_points.urls`` must appear in MATRIX: a new page without an
entry fails ``test_every_focal_point_page_has_a_row_of_who_may_open_it``.
"""

import pytest
from django.urls import reverse
from django.utils import translation

from registrations.focal_points import answers
from registrations.focal_points import urls as focal_point_urls
from registrations.models import Institution
from tests.factories import GuidingQuestionFactory, InstitutionFactory, RegistrationFactory, SessionFactory
from tests.sessions_app.pages import status_and_headings

LOGIN = "login"  # redirected to the sign-in page

PERSONAS = ["anonymous", "outsider", "focal_point_uruguay", "focal_point_mexico", "staff"]

# Objects of Uruguay: Mexico's focal point must get 404 for them.
EVERYONE_IN_AREA = {
    "anonymous": LOGIN,
    "outsider": 403,
    "focal_point_uruguay": 200,
    "focal_point_mexico": 200,
    "staff": 403,
}
URUGUAY_OBJECT = {**EVERYONE_IN_AREA, "focal_point_mexico": 404}
# What the refusals show.
SHOWN = {403: ["Access denied"], 404: ["Page not found"]}

MATRIX = {
    "dashboard": (lambda objects: {}, EVERYONE_IN_AREA),
    "institution_list": (lambda objects: {}, EVERYONE_IN_AREA),
    "institution_create": (lambda objects: {}, EVERYONE_IN_AREA),
    "institution_edit": (lambda objects: {"pk": objects["institution"].pk}, URUGUAY_OBJECT),
    "registration_list": (lambda objects: {}, EVERYONE_IN_AREA),
    "nomination_create": (lambda objects: {"slug": objects["session"].slug}, EVERYONE_IN_AREA),
    "nomination_bulk": (lambda objects: {"slug": objects["session"].slug}, EVERYONE_IN_AREA),
    "contribution_edit": (lambda objects: {"slug": objects["session"].slug}, EVERYONE_IN_AREA),
    # Uruguay has a draft to review; Mexico has none and is sent to its own (empty) answers page.
    "contribution_review": (
        lambda objects: {"slug": objects["session"].slug},
        {**EVERYONE_IN_AREA, "focal_point_mexico": 302},
    ),
    # Managing nominations and the register: Uruguay's objects; the POST-only actions answer 405 to a GET.
    "nomination_edit": (lambda objects: {"pk": objects["nomination"].pk}, URUGUAY_OBJECT),
    "nomination_withdraw": (lambda objects: {"pk": objects["nomination"].pk}, URUGUAY_OBJECT),
    "nomination_resend": (
        lambda objects: {"pk": objects["nomination"].pk},
        {**EVERYONE_IN_AREA, "focal_point_uruguay": 405, "focal_point_mexico": 405},
    ),
    "institution_delete": (lambda objects: {"pk": objects["institution"].pk}, URUGUAY_OBJECT),
    "institution_merge": (
        lambda objects: {"pk": objects["institution"].pk},
        {**EVERYONE_IN_AREA, "focal_point_uruguay": 405, "focal_point_mexico": 405},
    ),
}


@pytest.fixture(autouse=True)
def _in_english():
    # reverse() follows the active language, which another module may have left changed.
    with translation.override("en"):
        yield


def url_names():
    return [pattern.name for pattern in focal_point_urls.urlpatterns]


def test_every_focal_point_page_has_a_row_of_who_may_open_it():
    assert sorted(url_names()) == sorted(MATRIX)


@pytest.fixture
def objects(db):
    session = SessionFactory(slug="session-2")
    question = GuidingQuestionFactory(session=session, text="What mechanisms does the country implement?")
    answers.save_contribution(session=session, country="UY", answers={question.pk: "Drug courts."}, user=None)
    institution = InstitutionFactory(name="Ministerio de Desarrollo Social", country="UY")
    nomination = RegistrationFactory(session=session, country="UY", source="focal_point", institution=institution)
    return {"session": session, "institution": institution, "nomination": nomination}


def _client_for(persona, request, client):
    if persona == "anonymous":
        return client
    value = request.getfixturevalue(persona)
    user = getattr(value, "user", value)
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", url_names())
def test_each_person_opens_only_the_focal_point_pages_meant_for_them(name, persona, objects, request, client):
    kwargs_for, answers = MATRIX[name]
    expected = answers[persona]
    url = reverse(f"focal_points:{name}", kwargs=kwargs_for(objects))
    response = _client_for(persona, request, client).get(url)
    if expected == LOGIN:
        assert (response.status_code, response["Location"]) == (302, f"/en/accounts/login/?next={url}")
    elif expected == 200:
        # A page of the focal points' area, with its navigation.
        assert (response.status_code, response.content.decode().count('aria-label="Focal point"')) == (200, 1)
    elif expected in SHOWN:
        assert status_and_headings(response) == (expected, SHOWN[expected])
    elif expected == 302:
        # Nothing to review: sent to their own answers for the session.
        own_answers = reverse("focal_points:contribution_edit", kwargs=kwargs_for(objects))
        assert (response.status_code, response["Location"]) == (302, own_answers)
    else:
        assert response.status_code == expected == 405  # a GET of an action that only takes a POST


@pytest.mark.parametrize("name", ["nomination_create", "nomination_bulk", "contribution_edit", "contribution_review"])
def test_draft_session_is_not_found(name, focal_point_uruguay, client):
    draft = SessionFactory(status="draft")
    client.force_login(focal_point_uruguay.user)
    response = client.get(reverse(f"focal_points:{name}", kwargs={"slug": draft.slug}))

    assert status_and_headings(response) == (404, ["Page not found"])


def test_deactivated_focal_point_is_refused(focal_point_uruguay, client):
    focal_point_uruguay.is_active = False
    focal_point_uruguay.save()
    client.force_login(focal_point_uruguay.user)
    response = client.get(reverse("focal_points:dashboard"))
    assert response.status_code == 403
    assert "Uruguay" not in response.content.decode()


def test_mexico_cannot_change_an_institution_of_uruguay(focal_point_mexico, objects, client):
    institution = objects["institution"]
    client.force_login(focal_point_mexico.user)
    response = client.post(
        reverse("focal_points:institution_edit", kwargs={"pk": institution.pk}),
        {"name": "Hacked", "kind": "ministry"},
    )
    assert response.status_code == 404
    assert Institution.objects.get(pk=institution.pk).name == "Ministerio de Desarrollo Social"


def test_nomination_form_offers_only_own_country_institutions(focal_point_mexico, objects, client):
    InstitutionFactory(name="Secretaría de Salud", country="MX")
    client.force_login(focal_point_mexico.user)
    response = client.get(reverse("focal_points:nomination_create", kwargs={"slug": objects["session"].slug}))
    queryset = response.context["form"].fields["institution"].queryset
    assert [institution.name for institution in queryset] == ["Secretaría de Salud"]


def test_mexico_cannot_nominate_with_an_institution_of_uruguay(focal_point_mexico, objects, client):
    client.force_login(focal_point_mexico.user)
    response = client.post(
        reverse("focal_points:nomination_create", kwargs={"slug": objects["session"].slug}),
        {
            "full_name": "Pedro Páramo",
            "email": "pedro@example.org",
            "institution": objects["institution"].pk,
            "language": "es",
        },
    )
    assert response.status_code == 200
    assert "institution" in response.context["form"].errors
    assert objects["session"].registrations.filter(email="pedro@example.org").count() == 0
