"""The dashboards' aggregates for the demo's last year and this one, computed through the refresh
service (reports.aggregates) from what the builders before it wrote; the huey task keeps them current."""

from django.utils import timezone

from dangxiao.reports.aggregates import aggregates_refresh

from .clock import DemoClock


def build_dashboards(clock: DemoClock, stdout) -> None:
    now = timezone.now() if clock.today == timezone.localdate() else clock.as_of
    for year in (clock.year - 1, clock.year):
        run = aggregates_refresh(year, today=clock.today, now=now)
        stdout.write(f"  看板统计 {year} 年：{run.took_ms} ms")
