"""Demo good practices: session 2's three experiences (``sessions_app/demo/practices.toml``), published.

Called by ``load_demo`` after the sessions exist; idempotent like it (rows found by natural key)."""

import tomllib
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation

from agenda.models import AgendaItem, Speaker
from sessions_app.models import Session, ThematicFocus
from sessions_app.outcomes.practices.models import Population, Practice

DEMO_FILE = Path(__file__).resolve().parents[4] / "demo" / "practices.toml"
LANGS = ("en", "es", "pt")


def tr(field, texts):
    return {f"{field}_{lang}": (texts or {}).get(lang, "") for lang in LANGS}


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo good practices of session 2."

    def handle(self, *args, **options):
        with DEMO_FILE.open("rb") as handle:
            data = tomllib.load(handle)
        with translation.override("en"), transaction.atomic():
            populations = {}
            for order, row in enumerate(data["populations"], start=1):
                population, _created = Population.objects.update_or_create(
                    slug=row["slug"], defaults={**tr("name", row["name"]), "order": order}
                )
                populations[row["slug"]] = population
            for row in data["practices"]:
                self._practice(row, populations)
        self.stdout.write(self.style.SUCCESS(f"Demo practices loaded: {len(data['practices'])}."))

    def _practice(self, row, populations):
        session = Session.objects.filter(number=row["session"]).order_by("pk").first()
        if session is None:
            return
        item = AgendaItem.objects.filter(session=session, order=row["item"]).first()
        speaker = Speaker.objects.filter(name=row["speaker"]).first()
        values = {
            "session": session,
            "agenda_item": item,
            "speaker": speaker,
            "country": row["country"],
            "original_language": row["original_language"],
            "stage": row["stage"],
            "practice_type": row["practice_type"],
            "status": Practice.Status.PUBLISHED,
            **tr("title", row["title"]),
            **tr("summary", row["summary"]),
            **tr("description", row["description"]),
        }
        practice = Practice.objects.filter(agenda_item=item, country=row["country"]).first() if item else None
        if practice is None:
            practice = Practice.objects.create(published_at=timezone.now(), **values)
        else:
            changed = [name for name, value in values.items() if getattr(practice, name) != value]
            for name in changed:
                setattr(practice, name, values[name])
            if changed:
                practice.save()
        practice.themes.set(ThematicFocus.objects.filter(slug__in=row["themes"]))
        practice.populations.set([populations[slug] for slug in row["populations"]])
