"""factory_boy factories: plain, predictable objects; tests say what they need beyond that."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone

from agenda.models import AgendaItem, AgendaRole, Speaker
from registrations.models import (
    Contribution,
    Delivery,
    FocalPoint,
    Institution,
    Mailing,
    Registration,
    SeatReservation,
)
from sessions_app.models import GuidingQuestion, MethodologyStep, Objective, RoadmapItem, Session, WorkingGroup


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    first_name = "Ana"
    last_name = "Pérez"
    password = factory.django.Password("correct horse battery")


class WorkingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingGroup
        django_get_or_create = ("slug",)

    outcome_code = "3.5"
    slug = "outcome-3-5"
    name = "Proportionality of criminal law on drugs"


def _next_number(group):
    if group.pk is None:  # SessionFactory.build(): nothing saved, nothing to collide with
        return 1
    return (Session.objects.filter(group=group).aggregate(top=Max("number"))["top"] or 0) + 1


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    group = factory.SubFactory(WorkingGroupFactory)
    # The next number free in the group, and a slug no test spells out: a test that names its own
    # session 2 ("session-2") never collides with one made before it on the same worker.
    number = factory.LazyAttribute(lambda o: _next_number(o.group))
    title = factory.Sequence(lambda n: f"Session {n + 1}")
    slug = factory.Sequence(lambda n: f"made-session-{n + 1}")
    starts_at = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=30)).replace(microsecond=0))
    time_zone = "Europe/Madrid"
    duration_minutes = 90
    status = Session.Status.REGISTRATION_OPEN
    capacity = 100
    join_url = "https://video.example.org/j/123456"


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    session = factory.SubFactory(SessionFactory)
    order = factory.Sequence(int)
    text = factory.Sequence(lambda n: f"Objective {n}")


class MethodologyStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MethodologyStep

    session = factory.SubFactory(SessionFactory)
    moment = MethodologyStep.Moment.DURING
    order = factory.Sequence(int)
    text = factory.Sequence(lambda n: f"Step {n}")


class GuidingQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuidingQuestion

    session = factory.SubFactory(SessionFactory)
    order = factory.Sequence(int)
    text = factory.Sequence(lambda n: f"Question {n}?")


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    name = factory.Sequence(lambda n: f"Speaker {n}")
    organisation = "COPOLAD"
    country = "ES"


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    session = factory.SubFactory(SessionFactory)
    order = factory.Sequence(int)
    kind = AgendaItem.Kind.PRESENTATION
    title = factory.Sequence(lambda n: f"Item {n}")
    duration_minutes = 10


class AgendaRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaRole

    item = factory.SubFactory(AgendaItemFactory)
    speaker = factory.SubFactory(SpeakerFactory)
    role = AgendaRole.Role.SPEAKER


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"Institución {n}")
    country = "UY"
    kind = Institution.Kind.MINISTRY


class FocalPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FocalPoint

    user = factory.SubFactory(UserFactory)
    country = "UY"


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(SessionFactory)
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Persona Núñez {n}")
    country = "UY"
    language = "es"
    time_zone = "America/Montevideo"
    consent_text_version = "2026-1"
    consent_given_at = factory.LazyFunction(timezone.now)


class SeatReservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SeatReservation

    session = factory.SubFactory(SessionFactory)
    country = "UY"
    seats = 5


class ContributionFactory(factory.django.DjangoModelFactory):
    """A country's draft answers; add ContributionAnswer rows for the questions a test needs."""

    class Meta:
        model = Contribution

    session = factory.SubFactory(SessionFactory)
    country = "UY"


class MailingFactory(factory.django.DjangoModelFactory):
    """A draft custom mailing to the registrants, written in the three languages."""

    class Meta:
        model = Mailing

    session = factory.SubFactory(SessionFactory)
    kind = Mailing.Kind.CUSTOM
    audience = Mailing.Audience.REGISTRANTS
    subject_en = "News from the working group"
    subject_es = "Novedades del grupo de trabajo"
    subject_pt = "Novidades do grupo de trabalho"
    body_en = "Dear colleagues,"
    body_es = "Estimadas y estimados colegas:"
    body_pt = "Prezadas e prezados colegas,"


class DeliveryFactory(factory.django.DjangoModelFactory):
    """One queued message of the outbox, unique by ``key``."""

    class Meta:
        model = Delivery

    key = factory.Sequence(lambda n: f"test-delivery:{n}")
    kind = "mailing"
    to_email = factory.Sequence(lambda n: f"recipient{n}@example.org")
    language = "en"
    subject = "News from the working group"
    body_text = "Dear colleagues,"


class RoadmapItemFactory(factory.django.DjangoModelFactory):
    """An action owned by the programme (the owner kind that needs no country or institution)."""

    class Meta:
        model = RoadmapItem

    group = factory.SubFactory(WorkingGroupFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    owner_kind = RoadmapItem.Owner.PROGRAMME
    period = "Q3 2023"


# ── Presentations, evaluation, good practices ─────────────────────────────────────────────────


class PresentationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "outcomes.Presentation"

    item = factory.SubFactory(AgendaItemFactory)
    title = factory.Sequence(lambda n: f"Slides {n}")
    language = "es"
    file = factory.django.FileField(filename="slides.pdf", data=b"%PDF-1.4\n%%EOF\n")
    file_kind = "pdf"
    size = 15


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "outcomes.Questionnaire"

    session = factory.SubFactory(SessionFactory)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "outcomes.Question"

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    order = factory.Sequence(int)
    kind = "scale"
    text = factory.Sequence(lambda n: f"How useful was part {n}?")


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "outcomes.Choice"

    question = factory.SubFactory(QuestionFactory, kind="choice")
    order = factory.Sequence(int)
    text = factory.Sequence(lambda n: f"Option {n}")


class PopulationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "practices.Population"
        django_get_or_create = ("slug",)

    slug = "women"
    name = "Women"


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "practices.Practice"

    title_es = factory.Sequence(lambda n: f"Práctica {n}")
    summary_es = "Resumen de la práctica."
    original_language = "es"
    country = "UY"
    stage = "prison"
    practice_type = "programme"
    status = "published"
    published_at = factory.LazyFunction(timezone.now)


# ── Roadmap tracker ─────────────────────────────────────────────────────────────────────────────


class RoadmapUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sessions_app.RoadmapUpdate"

    item = factory.SubFactory(RoadmapItemFactory)
    author_role = "staff"
    from_status = "planned"
    to_status = "in_progress"
    note_date = factory.LazyFunction(timezone.localdate)
    note = "Work has started."
    language = "en"
