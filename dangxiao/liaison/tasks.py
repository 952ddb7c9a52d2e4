"""Periodic liaison work: escalate overdue matters up the grid, and ask for the one-week follow-up."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import deadlines, services


@db_periodic_task(crontab(minute="*/10"))
def escalate_overdue_matters():
    return services.matters_escalate()


@db_periodic_task(crontab(minute="5"))
def ask_follow_ups():
    return services.matters_follow_up()


@db_periodic_task(crontab(minute="*/15"))
def warn_matter_deadlines():
    return deadlines.matter_deadlines_notify()
