"""Yearly report jobs: asked for in a page or the API, built on the task queue, kept private under var/.

One job per user, organisation and year (asking again rebuilds it): its state is a small JSON file beside
the PDF, in a directory of the user's own under VAR_DIR/reports/yearly/, never under MEDIA or STATIC, so
the file is reached only through the access-checked download (the page's or the API's). Nothing here
needs a table: a job is a file that says how far it got.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core import access, exports
from dangxiao.core.params import FIRST_YEAR
from dangxiao.people.models import Organization, User

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)
STALE = timedelta(minutes=30)  # a job queued or running this long is taken for lost, and may be asked again
KEEP = timedelta(days=7)  # finished reports older than this are removed (reports/tasks.py)


class ReportError(Exception):
    """The report cannot be asked for (a year out of range); the message says why, in Chinese."""


@dataclass
class Job:
    user_id: int
    organization_id: int
    year: int
    status: str = QUEUED
    progress: int = 0
    requested_at: str = ""
    finished_at: str = ""
    error: str = ""
    organization_name: str = ""

    @property
    def key(self) -> str:
        return f"{self.organization_id}-{self.year}"

    @property
    def ready(self) -> bool:
        return self.status == DONE and self.pdf_path.exists()

    @property
    def pdf_path(self) -> Path:
        return user_dir(self.user_id) / f"{self.key}.pdf"

    @property
    def state_path(self) -> Path:
        return user_dir(self.user_id) / f"{self.key}.json"

    @property
    def filename(self) -> str:
        return f"{self.organization_name or self.organization_id}{self.year}年度党员教育培训工作报告.pdf"

    def is_stale(self, now: datetime) -> bool:
        if self.status not in (QUEUED, RUNNING) or not self.requested_at:
            return False
        return now - datetime.fromisoformat(self.requested_at) > STALE


def root_dir() -> Path:
    return settings.VAR_DIR / "reports" / "yearly"


def user_dir(user_id: int) -> Path:
    return root_dir() / str(int(user_id))


def save(job: Job) -> Job:
    return exports.save(job)


def load(user_id: int, organization_id: int, year: int) -> Job | None:
    path = user_dir(user_id) / f"{int(organization_id)}-{int(year)}.json"
    try:
        return Job(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def recent(user: User, limit: int = 10) -> list[Job]:
    """The user's latest jobs, newest first (bounded)."""
    directory = user_dir(user.pk)
    paths = sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)[:limit] if directory.exists() else []
    jobs = []
    for path in paths:
        try:
            jobs.append(Job(**json.loads(path.read_text())))
        except (OSError, ValueError, TypeError):
            continue
    return jobs


def staff_organizations(user: User) -> QuerySet:
    """The organisations a user may report on: their staff subtrees (a member's own branch is not one)."""
    q = access.staff_q(access.scope_for(user), "path")
    qs = access.filter_organizations(user, Organization.objects.filter(dissolved_on__isnull=True))
    return qs if q is None else qs.filter(q)


def get_report_organization_or_404(user: User, organization_id) -> Organization:
    access.require(access.scope_for(user).is_staff)
    return access.get_organization_or_404(user, organization_id, staff_organizations(user))


def check_year(year: int, today=None) -> int:
    today = today or timezone.localdate()
    if not FIRST_YEAR <= year <= today.year:
        raise ReportError(_("年度须在%(first)d年至%(last)d年之间") % {"first": FIRST_YEAR, "last": today.year})
    return year


def report_request(user: User, organization: Organization, year: int, *, now: datetime | None = None) -> Job:
    """Queue the yearly report of `organization` (already checked in scope) for `year`; a job already
    queued or running is returned as it is, unless it has been lost. Raises ReportError."""
    now = now or timezone.now()
    check_year(year, timezone.localdate(now))
    existing = load(user.pk, organization.pk, year)
    if existing is not None and existing.status in (QUEUED, RUNNING) and not existing.is_stale(now):
        return existing
    job = save(Job(user.pk, organization.pk, year, QUEUED, 0, now.isoformat(), organization_name=organization.name))
    from .tasks import build_yearly_report  # the queue's task calls back into report_build

    build_yearly_report(user.pk, organization.pk, year)
    return load(user.pk, organization.pk, year) or job


def report_build(user: User, organization: Organization, year: int, *, now: datetime | None = None) -> Job:
    """Compute the figures, draw the charts, print the PDF; the job's file says how far it got."""
    from dangxiao.core.pdf import render_pdf

    from .yearly import yearly_figures
    from .yearly_document import document_context

    now = now or timezone.now()
    job = load(user.pk, organization.pk, year) or Job(user.pk, organization.pk, year, requested_at=now.isoformat())
    job.organization_name = organization.name
    job.status, job.progress, job.error = RUNNING, 10, ""
    save(job)
    try:
        figures = yearly_figures(user, organization, year, now=now)
        job.progress = 50
        save(job)
        pdf = render_pdf("reports/yearly/document.html", document_context(figures))
        job.progress = 90
        save(job)
        exports.write_atomically(job.pdf_path, pdf)
    except Exception as exc:  # the job says it failed; the worker's log has the traceback
        job.status, job.error = FAILED, type(exc).__name__
        save(job)
        raise
    job.status, job.progress, job.finished_at = DONE, 100, timezone.now().isoformat()
    return save(job)


def purge_old_reports(now: datetime | None = None) -> int:
    """Remove the files of reports finished (or failed) more than KEEP ago."""
    now = now or timezone.now()
    removed = 0
    directory = root_dir()
    for state in directory.glob("*/*.json") if directory.exists() else ():
        try:
            job = Job(**json.loads(state.read_text()))
        except (OSError, ValueError, TypeError):
            continue
        stamp = job.finished_at or job.requested_at
        if stamp and now - datetime.fromisoformat(stamp) > KEEP:
            job.pdf_path.unlink(missing_ok=True)
            state.unlink(missing_ok=True)
            removed += 1
    return removed
