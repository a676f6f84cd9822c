"""Create the first staff account of a new installation, once.

    manage.py create_staff --email ana@example.org [--if-missing]

The password comes from STAFF_PASSWORD_FILE (a Docker secret) or STAFF_PASSWORD, or is asked for
on a terminal; with none of them the account gets no usable password and its owner sets one with
"Forgot your password?" on the sign-in page (the address is verified here, so the reset mail goes
out). An account that already exists for the address is never changed: no password put back, no
rights granted again, no account reactivated.
"""

import getpass
import os
import sys
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction


def _password_from_environment():
    path = os.environ.get("STAFF_PASSWORD_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get("STAFF_PASSWORD", "")


class Command(BaseCommand):
    help = "Create the first staff account (superuser) for an address; never changes an existing one."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Succeed quietly when the account exists already (for a container's start script).",
        )

    def handle(self, *args, email, if_missing, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an e-mail address.") from None
        user_model = get_user_model()
        if user_model.objects.filter(email__iexact=email).exists():
            if if_missing:
                self.stdout.write(f"A staff account for {email} exists already; left unchanged.")
                return
            raise CommandError(f"An account for {email} exists already; it is left unchanged.")
        password = _password_from_environment()
        if not password and sys.stdin.isatty():
            password = getpass.getpass(f"Password for {email}: ")
        if password:
            try:
                validate_password(password, user_model(username=email, email=email))
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        with transaction.atomic():
            user = user_model.objects.create_superuser(username=email, email=email, password=password or None)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        if password:
            self.stdout.write(self.style.SUCCESS(f"Staff account {email} created."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Staff account {email} created without a password: set one with "
                    '"Forgot your password?" on the sign-in page.'
                )
            )
