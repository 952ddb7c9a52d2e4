"""The dashboards' aggregates, recomputed every minute for the recent year(s) (reports.aggregates)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import aggregates


@db_periodic_task(crontab(minute="*"))
def refresh_dashboards():
    return [run.year for run in aggregates.aggregates_refresh_recent()]
