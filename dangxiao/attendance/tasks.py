"""Periodic attendance work: credit the study hours of sessions that have just started."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import reminders
from .roll import session_credits_due


@db_periodic_task(crontab(minute="*"))
def credit_started_sessions():
    return session_credits_due()


@db_periodic_task(crontab(minute="*/10"))
def send_session_reminders():
    return reminders.session_reminders_send()


@db_periodic_task(crontab(day="1", hour="1", minute="30"))  # 09:30 in Beijing (the queue runs on UTC)
def send_hours_at_risk():
    return reminders.hours_at_risk_notify()
