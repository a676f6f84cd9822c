"""Examples of session 2's outcomes for the demo: conclusions, roadmap actions, attendees, certificates.

The data is ``sessions_app/demo/session-2-examples.toml``; every text says it is an example and every
address is at example.org. Like ``load_demo`` (which runs this last), a second run changes nothing.
The attendees' registrations are stamped when they are created, which starts their retention clock
then (``registrations.privacy.retention``): the hourly retention task leaves them, and their certificates,
alone for PERSONAL_DATA_RETENTION_DAYS.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation

from registrations.consent import current_notice
from registrations.models import Registration
from sessions_app.management.commands.load_demo import read, tr, upsert
from sessions_app.models import Certificate, Conclusions, RoadmapItem, Session
from sessions_app.outcomes.certificates import initials, normalise_code

EXAMPLES_FILE = "session-2-examples.toml"


class Command(BaseCommand):
    help = "Add example conclusions, roadmap actions, attendees and certificates to the demo's session 2."

    def handle(self, *args, **options):
        data = read(EXAMPLES_FILE)
        session = Session.objects.select_related("group").filter(number=data["session"]).order_by("pk").first()
        if session is None:
            raise CommandError("Run load_demo first: the demo's session is missing.")
        with translation.override("en"), transaction.atomic():
            self._conclusions(session, data["conclusions"])
            for order, row in enumerate(data["roadmap"], start=1):
                self._roadmap_item(session, row, order=100 + order)
            for row in data["attendees"]:
                self._attendee(session, row)
        self.stdout.write(self.style.SUCCESS(f"Examples loaded for session {session.number}."))

    def _conclusions(self, session, texts):
        conclusions = upsert(Conclusions, {"session": session}, {**tr("body", texts), "is_public": True})
        if conclusions.published_at is None:
            conclusions.published_at = timezone.now()
            conclusions.save(update_fields=["published_at"])

    def _roadmap_item(self, session, row, *, order):
        titles = tr("title", row["title"])
        upsert(
            RoadmapItem,
            {"group": session.group, "title_en": titles.pop("title_en")},
            {
                **titles,
                "title": row["title"]["en"],
                **tr("description", row.get("description")),
                "owner_kind": row["owner_kind"],
                "owner_country": row.get("owner_country", ""),
                "period": row.get("period", ""),
                "status": row["status"],
                "order": order,
            },
        )

    def _attendee(self, session, row):
        registration = Registration.objects.filter(session=session, email=row["email"]).first()
        if registration is None:
            notice = current_notice()
            now = timezone.now()
            registration = Registration.objects.create(
                session=session,
                email=row["email"],
                full_name=row["full_name"],
                position=row["position"],
                country=row["country"],
                language=row["language"],
                time_zone=row["time_zone"],
                gender=row["gender"],
                status=Registration.Status.ATTENDED,
                source=Registration.Source.STAFF,
                attended_minutes=row["minutes"],
                confirmed_at=now,
                consent_text_version=str(notice.version) if notice else "",
                consent_given_at=now if notice else None,
            )
        if not Certificate.objects.filter(registration=registration).exists() and registration.full_name:
            Certificate.objects.create(
                registration=registration,
                code=normalise_code(row["certificate"]),
                holder_initials=initials(registration.full_name),
            )
