"""Apply the retention periods once and print what was done (the beat task runs the same)."""

from django.core.management.base import BaseCommand

from registrations.privacy.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Expire pending registrations, drop old outbox bodies, anonymise the participants of sessions "
        "past PERSONAL_DATA_RETENTION_DAYS and trim the audit log. Safe to run any number of times."
    )

    def handle(self, *args, **options):
        report = apply_retention()
        for line in report.lines():
            self.stdout.write(line)
