"""Shared builders for the registration tests."""

from registrations.models import Registration

PERSON = {
    "full_name": "María José O'Connor-Núñez",
    "position": "Asesora",
    "institution_name": "Junta Nacional de Drogas",
    "country": "UY",
    "language": "es",
    "time_zone": "America/Montevideo",
    "gender": Registration.Gender.WOMAN,
    "accessibility_needs": "",
    "contact_opt_in": False,
}


def person(email, **overrides):
    return {**PERSON, "email": email, **overrides}


def form_data(email="maria@example.org", **overrides):
    data = {
        "email": email,
        "full_name": "María José O'Connor-Núñez",
        "position": "Asesora",
        "institution": "",
        "institution_name": "Junta Nacional de Drogas",
        "country": "UY",
        "language": "es",
        "time_zone": "America/Montevideo",
        "gender": "woman",
        "gender_self_described": "",
        "accessibility_needs": "",
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
