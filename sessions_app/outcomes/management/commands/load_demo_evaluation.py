"""Demo evaluation questionnaire of session 2 (the ``[evaluation]`` table of
``sessions_app/demo/practices.toml``): questions only, never answers. Idempotent."""

import tomllib
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation

from sessions_app.models import Session
from sessions_app.outcomes.evaluation.models import Choice, Question, Questionnaire

DEMO_FILE = Path(__file__).resolve().parents[3] / "demo" / "practices.toml"
LANGS = ("en", "es", "pt")


def tr(field, texts):
    return {f"{field}_{lang}": (texts or {}).get(lang, "") for lang in LANGS}


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo evaluation questionnaire of session 2."

    def handle(self, *args, **options):
        with DEMO_FILE.open("rb") as handle:
            data = tomllib.load(handle)["evaluation"]
        session = Session.objects.filter(number=data["session"]).order_by("pk").first()
        if session is None:
            return
        with translation.override("en"), transaction.atomic():
            questionnaire, _created = Questionnaire.objects.update_or_create(
                session=session, defaults=tr("intro", data["intro"])
            )
            for order, row in enumerate(data["questions"], start=1):
                question, _created = Question.objects.update_or_create(
                    questionnaire=questionnaire,
                    order=order,
                    defaults={"kind": row["kind"], "required": row.get("required", False), **tr("text", row["text"])},
                )
                for choice_order, texts in enumerate(row.get("choices", []), start=1):
                    Choice.objects.update_or_create(question=question, order=choice_order, defaults=tr("text", texts))
        self.stdout.write(self.style.SUCCESS("Demo evaluation questionnaire loaded."))
