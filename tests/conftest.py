"""Shared fixtures: the named personas every test module may use."""

import pytest

from tests.factories import FocalPointFactory, RegistrationFactory, SessionFactory, UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", email="staff@copolad.example", is_staff=True, is_superuser=True)


@pytest.fixture
def focal_point_uruguay(db):
    user = UserFactory(username="fp-uy", email="fp.uy@example.org", first_name="Lucía", last_name="Rodríguez")
    return FocalPointFactory(user=user, country="UY")


@pytest.fixture
def focal_point_mexico(db):
    user = UserFactory(username="fp-mx", email="fp.mx@example.org", first_name="José", last_name="Hernández")
    return FocalPointFactory(user=user, country="MX")


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider", email="outsider@example.org")


@pytest.fixture
def session(db):
    return SessionFactory()


@pytest.fixture
def participant(session):
    return RegistrationFactory(session=session, email="maria.goncalves@example.org", full_name="Maria Gonçalves")
