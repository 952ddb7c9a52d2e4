"""Periodic housekeeping that every domain relies on."""

import time
from pathlib import Path

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import exports

PREVIEW_MAX_AGE = 24 * 3600


def purge_stale_import_previews(now: float | None = None, directory: Path | None = None) -> int:
    """Delete roster files kept for an import preview that was never confirmed (older than a day)."""
    now = time.time() if now is None else now
    directory = directory or settings.VAR_DIR / "imports"
    removed = 0
    for path in directory.glob("*.xlsx") if directory.exists() else ():
        if now - path.stat().st_mtime > PREVIEW_MAX_AGE:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


@db_periodic_task(crontab(minute="17"))
def purge_stale_import_previews_hourly():
    return purge_stale_import_previews()


@db_task(retries=0)
def build_export(user_id: int, token: str):
    """A table export too large for its request (core.exports): the page's view, called again as its user."""
    job = exports.load(user_id, token)
    if job is None or not job.pending:
        return None
    return exports.export_build(job).status


@db_periodic_task(crontab(minute="23", hour="4"))
def purge_old_exports_daily():
    return exports.purge_old_exports()
