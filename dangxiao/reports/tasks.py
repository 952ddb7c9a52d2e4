"""The reports' work on the task queue: yearly reports built in the background, old ones removed, and the
dashboards' aggregates refreshed every minute for the recent year(s) (reports.aggregates: each run recounts
the sessions touched since the last one; the first run of each day recounts them all).

The refresh is locked: the day's full run can outlast its minute at a city's size, and the next one is then
skipped rather than run beside it (huey logs the skipped run)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from dangxiao.people.models import User

from . import aggregates, yearly_jobs


@db_task(retries=1, retry_delay=30)
def build_yearly_report(user_id: int, organization_id: int, year: int):
    """Build one yearly report, with the scope of its requester checked again at build time."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    organization = yearly_jobs.staff_organizations(user).filter(pk=organization_id).first()
    if organization is None:  # the role was withdrawn since: nothing is built
        job = yearly_jobs.load(user_id, organization_id, year)
        if job is not None:
            job.status, job.error = yearly_jobs.FAILED, "scope"
            yearly_jobs.save(job)
        return None
    return yearly_jobs.report_build(user, organization, year).status


@db_periodic_task(crontab(minute="41", hour="3"))
def purge_old_yearly_reports():
    return yearly_jobs.purge_old_reports()


@db_periodic_task(crontab(minute="*"))
@lock_task("reports-refresh-dashboards")
def refresh_dashboards():
    return [run.year for run in aggregates.aggregates_refresh_recent()]
