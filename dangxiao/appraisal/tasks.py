"""Periodic points work: keep the log in step with its sources (every minute)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .points_derivation import points_sync


@db_periodic_task(crontab(minute="*"))
def sync_points():
    return points_sync()
