"""Dashboards benchmark: each dashboard's time at the demo's size and at 100× the sessions and
attendances, and the ratio (issue 13: "dashboards stay fast as years pass").

It builds the demo in a scratch SQLite database under var/bench-dashboards/, times each page (median of
RUNS requests through Django's test client, signed in as the principal, a secretary or a kiosk), then
multiplies this year's sessions and their attendances by SCALE with INSERT … SELECT (same cohorts, venues,
teachers and members: what years of history add), recomputes the aggregates (timed: that is the huey
job's cost, once a minute) and times the pages again. The pages read the aggregates, so their time should
not follow the data: the ratio is the figure to watch. Results also go to var/bench/dashboards.json.
Exit code is 0 either way: this is a report, not a test.
"""

import json
import os
import secrets
import shutil
import sys
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
SCALE, RUNS = 100, 5
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
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from dangxiao.attendance.models import Attendance  # noqa: E402
from dangxiao.people.models import Role, User  # noqa: E402
from dangxiao.reports.aggregates import aggregates_refresh_recent  # noqa: E402
from dangxiao.reports.kiosk import kiosk_create  # noqa: E402
from dangxiao.school.models import School  # noqa: E402
from dangxiao.teaching.models import Session  # noqa: E402


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


def main() -> None:
    started = time.perf_counter()
    db = SCRATCH / "dangxiao.sqlite3"
    if REUSE:
        shutil.copyfile(SCRATCH / "demo.sqlite3", db)
        print("demo reused from the last run")
    else:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", wipe_everything=True, yes_really=True, verbosity=0, stdout=open(os.devnull, "w"))  # a scratch database
        connection.close()
        shutil.copyfile(db, SCRATCH / "demo.sqlite3")
        print(f"demo built in {time.perf_counter() - started:.0f} s")
    sizes = {"demo": (Session.objects.count(), Attendance.objects.count())}
    refresh = {}
    t = time.perf_counter()
    aggregates_refresh_recent()
    refresh["demo"] = (time.perf_counter() - t) * 1000
    cs = clients()
    demo = time_pages(cs)
    sizes[f"{SCALE}x"] = multiply(SCALE)
    t = time.perf_counter()
    aggregates_refresh_recent()
    refresh[f"{SCALE}x"] = (time.perf_counter() - t) * 1000
    big = time_pages(cs)
    print(f"\nsessions / attendances: demo {sizes['demo']}, {SCALE}x {sizes[f'{SCALE}x']}")
    print(f"{'dashboard':<18}{'demo ms':>10}{f'{SCALE}x ms':>10}{'ratio':>8}")
    rows = []
    for name in PAGES:
        ratio = big[name] / demo[name] if demo[name] else None
        rows.append({"dashboard": name, "demo_ms": round(demo[name], 1), "scaled_ms": round(big[name], 1), "ratio": round(ratio, 2)})
        print(f"{name:<18}{demo[name]:>10.1f}{big[name]:>10.1f}{ratio:>8.2f}")
    ratio = refresh[f"{SCALE}x"] / refresh["demo"]
    print(f"{'refresh job':<18}{refresh['demo']:>10.1f}{refresh[f'{SCALE}x']:>10.1f}{ratio:>8.2f}  (huey, once a minute)")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "dashboards.json").write_text(json.dumps({"scale": SCALE, "sizes": sizes, "pages": rows, "refresh_ms": refresh}, indent=2))


if __name__ == "__main__":
    main()
