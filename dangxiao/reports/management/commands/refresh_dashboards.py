"""Recompute the dashboards' aggregates now: the recent year(s) as the minute job does, or the years given
(a past year's figures are not refreshed by the job). `--full` recounts every session's attendances."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangxiao.reports.aggregates import aggregates_refresh, years_to_refresh


class Command(BaseCommand):
    help = "Recompute the dashboards' aggregates (the current year unless --year is given)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="a year to refresh (repeatable)")
        parser.add_argument("--full", action="store_true", help="recount every session, not only those changed since the last run")

    def handle(self, *args, year=None, full=False, **options):
        today = timezone.localdate()
        years = year or years_to_refresh(today)
        for y in years:
            if not 2000 <= y <= today.year + 1:
                raise CommandError(f"year out of range: {y}")
        for y in years:
            run = aggregates_refresh(y, full=True if full else None)
            kind = "full" if run.full_at == run.watermark else "partial"
            self.stdout.write(f"{y}: {kind}, {run.recounted} sessions recounted, {run.took_ms} ms")
