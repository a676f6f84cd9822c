#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "copolad_wg.settings")
    # manage.py is the developer's entry point: without a DEBUG setting it runs in development
    # mode (a development SECRET_KEY, static files from the finders). Production sets DEBUG=0
    # explicitly (docker-compose.yml does); gunicorn and Celery never read this default.
    os.environ.setdefault("DEBUG", "1")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Are you sure it's installed and "
            "available on your PYTHONPATH environment variable? Did you "
            "forget to activate a virtual environment?"
        ) from exc
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
