"""Celery tasks of the campaigns: build a mailing, dispatch the scheduled ones, write the reminders.

The outbox's own tasks (sending, the sweeper) are in ``registrations/outbox/tasks.py``. The task
names are what the beat schedule and queued messages refer to: they never change.
"""

from celery import shared_task

from registrations.campaigns import automatic, building


@shared_task(name="registrations.build_mailing", acks_late=True)
def build_mailing_task(mailing_id):
    building.build_mailing(mailing_id=mailing_id)


@shared_task(name="registrations.dispatch_due_mailings")
def dispatch_due_mailings_task():
    building.dispatch_due_mailings()


@shared_task(name="registrations.send_due_reminders")
def send_due_reminders_task():
    automatic.send_due_reminders()
