"""Cloning a session copies its skeleton (agenda with nesting and speakers, objectives, questions)
and none of its registrations, mail or outcomes."""

import pytest
from django.urls import reverse

from agenda.models import AgendaItem, AgendaRole
from registrations.models import Registration
from sessions_app.models import Session
from tests.factories import MailingFactory
from tests.sessions_app.after_session_data import build_held_session

pytestmark = pytest.mark.django_db


def test_cloning_copies_the_agenda_and_speakers_and_none_of_the_registrations(client, staff):
    original, _attendee, _registrant = build_held_session()
    MailingFactory(session=original)
    client.force_login(staff)

    response = client.post(
        reverse("admin:sessions_app_session_changelist"),
        {"action": "clone_sessions", "_selected_action": [original.pk]},
        HTTP_ACCEPT_LANGUAGE="es",
    )

    clone = Session.objects.exclude(pk=original.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:sessions_app_session_change", args=[clone.pk])
    assert (clone.status, clone.number, clone.group_id) == (
        Session.Status.DRAFT,
        original.number + 1,
        original.group_id,
    )
    assert (clone.title_es, clone.context_pt) == (original.title_es, original.context_pt)
    assert clone.uid != original.uid and clone.slug != original.slug

    def skeleton(session):
        return [
            (item.order, item.kind, item.title_es, item.parent.title_es if item.parent else None, item.duration_minutes)
            for item in AgendaItem.objects.filter(session=session)
            .select_related("parent")
            .order_by("parent_id", "order")
        ]

    assert skeleton(clone) == skeleton(original)
    assert sorted(
        (role.item.title_en, role.speaker_id, role.role) for role in AgendaRole.objects.filter(item__session=clone)
    ) == sorted(
        (role.item.title_en, role.speaker_id, role.role) for role in AgendaRole.objects.filter(item__session=original)
    )
    assert [o.text_pt for o in clone.objectives.all()] == [o.text_pt for o in original.objectives.all()]
    assert [q.text_es for q in clone.guiding_questions.all()] == [q.text_es for q in original.guiding_questions.all()]
    assert Registration.objects.filter(session=clone).count() == 0
    assert clone.mailings.count() == 0
    assert clone.contributions.count() == 0
    assert not hasattr(clone, "conclusions") or clone.conclusions is None
