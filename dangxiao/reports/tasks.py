"""The dashboards' aggregates, recomputed every minute for the recent year(s) (reports.aggregates).

Locked: at a very large size a run can outlast its minute, and the next one is then skipped rather than
run beside it (huey logs the skipped run)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import aggregates


@db_periodic_task(crontab(minute="*"))
@lock_task("reports-refresh-dashboards")
def refresh_dashboards():
    return [run.year for run in aggregates.aggregates_refresh_recent()]
