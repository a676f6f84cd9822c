"""Demo data: working group 3.5, session 2 exactly as its concept note, and a future session 3.

The content is data, in ``sessions_app/demo/*.toml`` (one file for the group, one for the speakers,
one per session; every text in English, Spanish and Portuguese). Every row is found by a natural
key and written only when a value differs, so a second run changes nothing (not even
``updated_at``).
"""

import os
import tomllib
import zoneinfo
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation

from agenda.models import AgendaItem, AgendaRole, Speaker
from sessions_app.models import (
    GuidingQuestion,
    MethodologyStep,
    Objective,
    RoadmapItem,
    RoadmapUpdate,
    Session,
    ThematicFocus,
    WorkingGroup,
)

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
SESSION_FILES = ("session-2.toml", "session-3.toml")
DEFAULT_STAFF_EMAIL = "staff@copolad.local"
DEFAULT_STAFF_PASSWORD = "copolad-demo-2026"  # noqa: S105 - demo only; override with DEMO_STAFF_PASSWORD
LANGS = ("en", "es", "pt")

# Session fields copied as they are from a session file; the translated ones come from tables.
SESSION_FIELDS = ("slug", "duration_minutes", "format", "status", "capacity", "venue", "join_url", "time_zone")
SESSION_TEXTS = ("title", "context", "main_outcome", "target_participants", "languages")


def read(name):
    with (DEMO_DIR / name).open("rb") as handle:
        return tomllib.load(handle)


def tr(field, texts):
    """{'field_en': …, 'field_es': …, 'field_pt': …} from a ``{en, es, pt}`` table (blank when absent)."""
    texts = texts or {}
    return {f"{field}_{lang}": texts.get(lang, "") for lang in LANGS}


def upsert(model, lookup, values):
    """Fetch by ``lookup`` or create; save only the fields whose value differs. Returns the row."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=[model._meta.get_field(name).name for name in changed])
    return obj


def local(value, zone):
    """A TOML local date-time, read in ``zone``; None stays None."""
    return value.replace(tzinfo=zone) if value is not None else None


class Command(BaseCommand):
    help = "Create (or bring up to date) working group 3.5, session 2 of its concept note and a future session."

    def handle(self, *args, **options):
        # The untranslated column of each translated field takes the active language's text.
        with translation.override("en"), transaction.atomic():
            group, focuses = self._group(read("working_group.toml"))
            speakers = self._speakers(read("speakers.toml")["speakers"])
            sessions = {}
            for name in SESSION_FILES:
                session = self._session(read(name), group=group, focuses=focuses, speakers=speakers)
                sessions[session.number] = session
            self._roadmap(read("roadmap.toml")["actions"], group=group, sessions=sessions)
        # Knowledge: session 2's good practices and its evaluation questionnaire, and its example
        # outcomes (conclusions, attendees, certificates), loaded by the wings above the session
        # core (called by name: this layer imports neither).
        for command in ("load_demo_practices", "load_demo_evaluation", "load_demo_examples"):
            call_command(command, stdout=self.stdout)
        email, password = self._staff_user()
        self.stdout.write(self.style.SUCCESS("Demo data loaded: working group 3.5, sessions 2 and 3."))
        self.stdout.write(f"Staff login: {email} / {password} at {settings.SITE_URL}/admin/")

    def _group(self, data):
        focuses = [
            upsert(ThematicFocus, {"slug": focus["slug"]}, {**tr("name", focus["name"]), "order": order})
            for order, focus in enumerate(data["thematic_focuses"], start=1)
        ]
        group = upsert(
            WorkingGroup,
            {"slug": data["slug"]},
            {
                "programme": data["programme"],
                "outcome_code": data["outcome_code"],
                "signatory_name": data.get("signatory_name", ""),
                **tr("signatory_title", data.get("signatory_title")),
                **tr("name", data["name"]),
                **tr("description", data["description"]),
            },
        )
        group.thematic_focuses.add(*focuses)
        return group, focuses

    def _speakers(self, rows):
        return {
            row["name"]: upsert(
                Speaker,
                {"name": row["name"]},
                {**tr("position", row["position"]), "organisation": row["organisation"], "country": row["country"]},
            )
            for row in rows
        }

    def _session(self, data, *, group, focuses, speakers):
        zone = zoneinfo.ZoneInfo(data["time_zone"])
        values = {name: data.get(name) for name in SESSION_FIELDS}
        values["starts_at"] = local(data["starts_at"], zone)
        values["registration_opens_at"] = local(data.get("registration_opens_at"), zone)
        values["registration_closes_at"] = local(data.get("registration_closes_at"), zone)
        values["venue"] = values["venue"] or ""
        for field in SESSION_TEXTS:
            values.update(tr(field, data.get(field)))
        session = upsert(Session, {"group": group, "number": data["number"]}, values)
        session.thematic_focuses.add(*focuses)

        for order, texts in enumerate(data.get("objectives", []), start=1):
            upsert(Objective, {"session": session, "order": order}, tr("text", texts))
        for order, step in enumerate(data.get("methodology", []), start=1):
            upsert(
                MethodologyStep, {"session": session, "order": order}, {"moment": step["moment"], **tr("text", step)}
            )
        for order, texts in enumerate(data.get("questions", []), start=1):
            upsert(GuidingQuestion, {"session": session, "order": order}, tr("text", texts))
        items = {}
        for row in data.get("agenda", []):
            item = upsert(
                AgendaItem,
                {"session": session, "order": row["order"]},
                {
                    "parent": items[row["parent"]] if "parent" in row else None,
                    "kind": row["kind"],
                    "duration_minutes": row["minutes"],
                    "country": row.get("country", ""),
                    **tr("title", row["title"]),
                    **tr("description", row.get("description")),
                },
            )
            items[row["order"]] = item
            for role_order, (name, role) in enumerate(row.get("roles", []), start=1):
                upsert(AgendaRole, {"item": item, "speaker": speakers[name], "role": role}, {"order": role_order})
        return session

    # ── Roadmap: the actions session 2 agreed, with their progress notes ──────────────────────────
    def _roadmap(self, actions, *, group, sessions):
        for order, row in enumerate(actions, start=1):
            titles = tr("title", row["title"])
            item = upsert(
                RoadmapItem,
                {"group": group, "title_en": titles.pop("title_en")},
                {
                    **titles,
                    **tr("description", row.get("description")),
                    **tr("period", row.get("period")),
                    "owner_kind": row["owner_kind"],
                    "owner_country": row.get("owner_country", ""),
                    "due_date": row.get("due_date"),
                    "status": row["status"],
                    "agreed_session": sessions.get(row.get("agreed_session")),
                    "follow_up_session": sessions.get(row.get("follow_up_session")),
                    "order": order,
                },
            )
            for update in row.get("updates", []):
                upsert(
                    RoadmapUpdate,
                    {"item": item, "note_date": update["note_date"], "to_status": update["to_status"]},
                    {
                        "from_status": update["from_status"],
                        "author_role": update["author_role"],
                        "author_country": update.get("author_country", ""),
                        "language": update["language"],
                        "note": update["note"],
                        "link": update.get("link", ""),
                    },
                )

    def _staff_user(self):
        password = os.environ.get("DEMO_STAFF_PASSWORD") or DEFAULT_STAFF_PASSWORD
        email = DEFAULT_STAFF_EMAIL
        user_model = get_user_model()
        user = user_model.objects.filter(email__iexact=email).first()
        if user is None:
            user = user_model.objects.create_superuser(username=email, email=email, password=password)
        elif not (user.is_staff and user.is_superuser and user.is_active and user.check_password(password)):
            user.is_staff = user.is_superuser = user.is_active = True
            user.set_password(password)
            user.save()
        # allauth asks for a verified address before an e-mail login: the demo one is verified.
        EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        return email, password
