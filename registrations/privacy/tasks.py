"""Celery task of data protection: retention on the beat's schedule."""

import logging

from celery import shared_task

from registrations.privacy import retention

logger = logging.getLogger(__name__)


@shared_task(name="registrations.apply_retention")
def apply_retention_task():
    """What `manage.py apply_retention` does, on the beat's schedule; safe to run twice."""
    report = retention.apply_retention()
    logger.info("Retention applied: %s", "; ".join(report.lines()))
