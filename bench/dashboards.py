"""Dashboards benchmark: each dashboard's time at the demo's size and at 100× the sessions and
attendances, and the ratio (issue 13: "dashboards stay fast as years pass").

It builds the demo in a scratch SQLite database under var/bench-dashboards/, times each page (median of
RUNS requests through Django's test client, signed in as the principal, a secretary or a kiosk), then
multiplies this year's sessions and their attendances by SCALE with INSERT … SELECT (same cohorts, venues,
teachers and members: what years of history add), recomputes the aggregates and times the pages again. The
pages read the aggregates, so their time should not follow the data: the ratio is the figure to watch.

The refresh is timed three ways at each size: in full (what the first run of each day does), after a minute
with nothing changed, and after a minute's burst of marks (BURST_MARKS marks written across BURST_SESSIONS
sessions, as a city's busiest minute of check-ins and roll corrections): the two partial runs are what the
huey job costs every minute, and must stay well inside it. Results also go to var/bench/dashboards.json.
Exit code is 0 either way: this is a report, not a test.
"""

import json
import os
import secrets
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
SCALE, RUNS = 100, 5
BURST_SESSIONS, BURST_MARKS = 200, 4000
SCRATCH = ROOT / "var" / "bench-dashboards"
# --reuse-demo: keep the demo built by the last run (building it takes minutes); otherwise start afresh.
REUSE = "--reuse-demo" in sys.argv and (SCRATCH / "demo.sqlite3").exists()
shutil.rmtree(SCRATCH, ignore_errors=True) if not REUSE else None
SCRATCH.mkdir(parents=True, exist_ok=True)
os.environ.pop("DATABASE_URL", None)  # never benchmark against whatever database the shell points at
os.environ.update(
    DANGXIAO_VAR_DIR=str(SCRATCH),
    DJANGO_SETTINGS_MODULE="dangxiao.settings",
    # Debug settings for the test client (static files without a manifest, any host); both sizes alike.
    DANGXIAO_DEBUG="1",
    ALLOWED_HOSTS="testserver",
    SECRET_KEY=secrets.token_hex(32),
)
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from dangxiao.attendance.models import Attendance  # noqa: E402
from dangxiao.people.models import Member, Role, User  # noqa: E402
from dangxiao.reports.aggregates import aggregates_refresh  # noqa: E402
from dangxiao.reports.kiosk import kiosk_create  # noqa: E402
from dangxiao.school.models import School  # noqa: E402
from dangxiao.teaching.models import Enrollment, Session  # noqa: E402


def clients() -> dict[str, Client]:
    principal = User.objects.get(username="13900000001")
    secretary = Role.objects.filter(kind="org_admin").select_related("user").order_by("organization__depth", "pk").last().user
    _kiosk, key = kiosk_create(principal, School.objects.first(), "bench")
    out = {}
    for name, user in (("board home", principal), ("secretary home", secretary)):
        out[name] = Client()
        out[name].force_login(user)
    kiosk = Client()
    kiosk.get(f"/lobby/enter/{key}/")
    out["lobby screen"] = kiosk
    return out


PAGES = {"board home": "/", "secretary home": "/", "lobby screen": "/lobby/", "board API": "/api/v1/dashboards/home"}


def time_pages(cs: dict[str, Client]) -> dict[str, float]:
    result = {}
    for name, path in PAGES.items():
        client = cs.get(name) or cs["board home"]
        assert client.get(path).status_code == 200, name  # warm: templates, connections
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - start) * 1000)
        result[name] = median(times)
    return result


def multiply(scale: int) -> tuple[int, int]:
    """This year's sessions and their attendances copied scale-1 times (new ids, same everything else)."""
    year = timezone.localdate().year
    s_table, a_table = Session._meta.db_table, Attendance._meta.db_table
    with connection.cursor() as c:
        s_cols = [col.name for col in connection.introspection.get_table_description(c, s_table)]
        a_cols = [col.name for col in connection.introspection.get_table_description(c, a_table) if col.name != "id"]
        c.execute(f"SELECT MAX(id) FROM {s_table}")
        top = c.fetchone()[0]
        ids = list(Session.objects.filter(starts_at__year=year).values_list("pk", flat=True))
        first, last = min(ids), max(ids)
        with transaction.atomic():
            for k in range(1, scale):
                shift = k * top
                select = ", ".join(f"id + {shift}" if col == "id" else col for col in s_cols)
                c.execute(
                    f"INSERT INTO {s_table} ({', '.join(s_cols)}) SELECT {select} FROM {s_table} WHERE id BETWEEN %s AND %s", [first, last]
                )
                select = ", ".join(f"session_id + {shift}" if col == "session_id" else col for col in a_cols)
                c.execute(
                    f"INSERT INTO {a_table} ({', '.join(a_cols)}) SELECT {select} FROM {a_table} WHERE session_id BETWEEN %s AND %s",
                    [first, last],
                )
    return Session.objects.count(), Attendance.objects.count()


def burst() -> int:
    """A minute's marks: BURST_MARKS attendances at BURST_SESSIONS of this year's held sessions rewritten now
    (status flipped between present and late, stamped as the roll and check-in stamp them)."""
    now = timezone.now()
    sessions = list(
        Session.objects.filter(starts_at__year=now.year, starts_at__lt=now)
        .order_by("-starts_at")
        .values_list("pk", flat=True)[:BURST_SESSIONS]
    )
    per_session = BURST_MARKS // max(len(sessions), 1)
    written = 0
    with transaction.atomic():
        for pk in sessions:
            ids = list(Attendance.objects.filter(session_id=pk).values_list("pk", flat=True)[:per_session])
            written += Attendance.objects.filter(pk__in=ids, status="present").update(status="late", marked_at=now)
            written += Attendance.objects.filter(pk__in=ids, status="late").exclude(marked_at=now).update(status="present", marked_at=now)
    return written


def age_stamps() -> None:
    """The demo was written a minute ago; a school's records were written over the year. Stamps of the last
    hour are moved a day back, so that a partial refresh sees only what the benchmark changes after."""
    hour_ago, day = timezone.now() - timedelta(hours=1), timedelta(days=1)
    with transaction.atomic():
        Attendance.objects.filter(marked_at__gte=hour_ago).update(marked_at=F("marked_at") - day)
        Member.objects.filter(updated_at__gte=hour_ago).update(updated_at=F("updated_at") - day)
        Enrollment.objects.filter(updated_at__gte=hour_ago).update(updated_at=F("updated_at") - day)


def time_refresh() -> dict[str, float]:
    """The refresh in full, then partial with nothing changed, then partial after a burst (ms)."""
    year = timezone.localdate().year
    out = {}
    for name, full, before in (("full", True, None), ("partial, idle", False, None), ("partial, burst", False, burst)):
        marks = before() if before else 0
        t = time.perf_counter()
        run = aggregates_refresh(year, full=full)
        out[name] = (time.perf_counter() - t) * 1000
        print(f"  refresh {name}: {out[name]:.0f} ms, {run.recounted} sessions recounted" + (f" ({marks} marks)" if marks else ""))
    return out


def main() -> None:
    started = time.perf_counter()
    db = SCRATCH / "dangxiao.sqlite3"
    if REUSE:
        for leftover in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):  # a killed run's journal
            leftover.unlink(missing_ok=True)
        shutil.copyfile(SCRATCH / "demo.sqlite3", db)
        print("demo reused from the last run")
    else:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", wipe_everything=True, yes_really=True, verbosity=0, stdout=open(os.devnull, "w"))  # a scratch database
        connection.close()
        shutil.copyfile(db, SCRATCH / "demo.sqlite3")
        print(f"demo built in {time.perf_counter() - started:.0f} s")
    age_stamps()
    sizes = {"demo": (Session.objects.count(), Attendance.objects.count())}
    refresh = {"demo": time_refresh()}
    cs = clients()
    demo = time_pages(cs)
    sizes[f"{SCALE}x"] = multiply(SCALE)
    age_stamps()  # the copies, the demo's burst among them, are history too
    refresh[f"{SCALE}x"] = time_refresh()
    big = time_pages(cs)
    print(f"\nsessions / attendances: demo {sizes['demo']}, {SCALE}x {sizes[f'{SCALE}x']}")
    print(f"{'dashboard':<18}{'demo ms':>10}{f'{SCALE}x ms':>10}{'ratio':>8}")
    rows = []
    for name in PAGES:
        ratio = big[name] / demo[name] if demo[name] else None
        rows.append({"dashboard": name, "demo_ms": round(demo[name], 1), "scaled_ms": round(big[name], 1), "ratio": round(ratio, 2)})
        print(f"{name:<18}{demo[name]:>10.1f}{big[name]:>10.1f}{ratio:>8.2f}")
    for name in refresh["demo"]:
        a, b = refresh["demo"][name], refresh[f"{SCALE}x"][name]
        print(f"{'refresh ' + name:<18}{a:>10.1f}{b:>10.1f}{b / a if a else 0:>8.2f}")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "dashboards.json").write_text(json.dumps({"scale": SCALE, "sizes": sizes, "pages": rows, "refresh_ms": refresh}, indent=2))


if __name__ == "__main__":
    main()
