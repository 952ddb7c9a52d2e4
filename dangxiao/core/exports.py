"""Exports too large for a request, built on the task queue.

A table's export (core.tables) answers at once up to MAX_EXPORT_ROWS rows. Above that it queues a job
here: the job keeps the page's address with its filters and sort, and the huey task calls that same
view again, as the same user, with the bound lifted (`request.export_unbounded`), so the scope, the
filters, the masking and the audit line are exactly the page's. The file is kept private under
VAR_DIR/exports/<user>/ and reached only through the owner's download; it is removed after KEEP.
When it is ready, `export_finished` is sent (the notify app tells the user in the app and on the
channels they chose).

Like the yearly reports, a job is a small JSON file beside its workbook: no table. Asking again for the
same export while it is queued or running returns the same job.
"""

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.dispatch import Signal
from django.utils import timezone

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
KEEP = timedelta(days=7)
STALE = timedelta(minutes=30)  # queued or running this long: taken for lost, may be asked again
MAX_QUEUED_ROWS = 500_000  # a queued export holds its rows' cells in memory as it writes them
MAX_PENDING = 3  # a user's exports queued or running at once: more waits for those to finish

# Sent when a queued export has been built (or has failed): sender=None, job=Job.
export_finished = Signal()


class TooManyPending(Exception):
    """The user already has MAX_PENDING exports on their way (one user cannot fill the queue)."""


@dataclass
class Job:
    user_id: int
    token: str
    path: str  # the export's address: path and query string, as the page asked for it
    title: str
    rows: int
    status: str = QUEUED
    requested_at: str = ""
    finished_at: str = ""
    error: str = ""
    remote_addr: str = ""
    filename: str = ""

    @property
    def file_path(self) -> Path:
        return user_dir(self.user_id) / f"{self.token}.xlsx"

    @property
    def state_path(self) -> Path:
        return user_dir(self.user_id) / f"{self.token}.json"

    @property
    def ready(self) -> bool:
        return self.status == DONE and self.file_path.exists()

    @property
    def requested(self) -> datetime | None:
        return datetime.fromisoformat(self.requested_at) if self.requested_at else None

    @property
    def pending(self) -> bool:
        return self.status in (QUEUED, RUNNING)

    def is_stale(self, now: datetime) -> bool:
        return self.pending and bool(self.requested_at) and now - datetime.fromisoformat(self.requested_at) > STALE


def root_dir() -> Path:
    return settings.VAR_DIR / "exports"


def user_dir(user_id: int) -> Path:
    return root_dir() / str(int(user_id))


def token_for(user_id: int, path: str) -> str:
    """The same export asked for twice by the same user is one job."""
    return hashlib.sha256(f"{int(user_id)}:{path}".encode()).hexdigest()[:32]


def write_atomically(path: Path, data: bytes) -> None:
    """Write then rename, so that a reader never sees half a file (the yearly reports' jobs use it too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def save(job) -> object:
    """Write a job (a dataclass with `state_path`: an export's, or a yearly report's) as its JSON state."""
    write_atomically(job.state_path, json.dumps(asdict(job), ensure_ascii=False).encode())
    return job


def load(user_id: int, token: str) -> Job | None:
    if not token.isalnum() or len(token) != 32:
        return None
    try:
        return Job(**json.loads((user_dir(user_id) / f"{token}.json").read_text()))
    except (OSError, ValueError, TypeError):
        return None


def recent(user_id: int, limit: int = 20) -> list[Job]:
    """The user's exports, newest first (at most `limit`: old ones are purged after KEEP anyway)."""
    directory = user_dir(user_id)
    states = sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True) if directory.exists() else []
    jobs = []
    for path in states[:limit]:
        job = load(user_id, path.stem)
        if job is not None:
            jobs.append(job)
    return jobs


def export_request(
    user_id: int, path: str, title: str, rows: int, *, remote_addr: str = "", now: datetime | None = None
) -> tuple[Job, bool]:
    """Queue the export at `path` for the user, unless the same one is already on its way. Returns the job
    and whether it was queued now (the caller then sends it to the task queue)."""
    now = now or timezone.now()
    token = token_for(user_id, path)
    job = load(user_id, token)
    if job is not None and job.pending and not job.is_stale(now):
        return job, False
    if sum(1 for j in recent(user_id) if j.pending and not j.is_stale(now)) >= MAX_PENDING:
        raise TooManyPending(MAX_PENDING)
    job = Job(
        user_id=user_id, token=token, path=path, title=str(title)[:60], rows=rows, requested_at=now.isoformat(), remote_addr=remote_addr
    )
    return save(job), True


def export_build(job: Job, *, now: datetime | None = None) -> Job:
    """Build the export: the page's view called again as the user, with the row bound lifted. Only an
    .xlsx answer is kept; anything else (the role withdrawn since: a 404) fails the job."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from django.test import RequestFactory
    from django.urls import Resolver404, resolve

    from .tables import XLSX

    job.status = RUNNING
    save(job)
    user = get_user_model().objects.filter(pk=job.user_id, is_active=True).first()
    response = None
    if user is not None:
        path, _sep, query = job.path.partition("?")
        try:
            match = resolve(path)
        except Resolver404:
            match = None
        if match is not None:
            request = RequestFactory().get(job.path, REMOTE_ADDR=job.remote_addr or "127.0.0.1")
            request.user = user
            request.export_unbounded = True
            try:
                response = match.func(request, *match.args, **match.kwargs)
            except (Http404, PermissionDenied):  # out of the user's scope now (a role withdrawn since)
                response = None
    finished = (now or timezone.now()).isoformat()
    if response is not None and response.status_code == 200 and response.get("Content-Type") == XLSX:
        write_atomically(job.file_path, response.content)
        job.status, job.error = DONE, ""
        job.filename = _filename(response) or f"{job.title}.xlsx"
    else:
        job.status = FAILED
        job.error = "scope" if response is None or response.status_code == 404 else str(getattr(response, "status_code", ""))
    job.finished_at = finished
    save(job)
    export_finished.send(sender=None, job=job)
    return job


def _filename(response) -> str:
    from urllib.parse import unquote

    disposition = response.get("Content-Disposition", "")
    marker = "filename*=UTF-8''"
    return unquote(disposition.split(marker, 1)[1]) if marker in disposition else ""


def purge_old_exports(now: datetime | None = None) -> int:
    """Remove exports (file and state) finished or asked for more than KEEP ago."""
    cutoff = (now or timezone.now()) - KEEP
    removed = 0
    if not root_dir().exists():
        return 0
    for state in root_dir().glob("*/*.json"):
        try:
            job = Job(**json.loads(state.read_text()))
            when = datetime.fromisoformat(job.finished_at or job.requested_at)
        except (OSError, ValueError, TypeError):
            when = None
        if when is None or when < cutoff:
            state.with_suffix(".xlsx").unlink(missing_ok=True)
            state.unlink(missing_ok=True)
            removed += 1
    return removed
