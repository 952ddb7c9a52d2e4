"""Periodic attendance work: credit the study hours of sessions that have just started."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .roll import session_credits_due


@db_periodic_task(crontab(minute="*"))
def credit_started_sessions():
    return session_credits_due()
