"""Periodic school work: the board hears of teachers' terms ending."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .term_reminders import teacher_terms_notify


@db_periodic_task(crontab(hour="1", minute="0"))  # 09:00 in Beijing (the queue runs on UTC)
def warn_teacher_terms():
    return teacher_terms_notify()
