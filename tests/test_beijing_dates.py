"""Every "today" is Beijing's (settings.TIME_ZONE), never the server clock's UTC date.

The clock stands at 2026-12-31 17:00 UTC, which is 01:00 on 2027-01-01 in Beijing, and the process's own
time zone is UTC (as a server's usually is): the date the server's clock gives is still 2026-12-31, while
every page must already be in the new year.
"""

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dangxiao.people.selectors import roster_summary
from dangxiao.school.selectors import expiring_teachers
from dangxiao.teaching.models import Enrollment, Session

from . import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YEAR = date(2027, 1, 1)


@pytest.fixture
def beijing_new_year():
    # A ZoneInfo destination makes time-machine set TZ and call time.tzset(): the process runs on UTC, as
    # a server does (Django itself sets TZ to TIME_ZONE at start-up, which a server's environment may undo).
    with time_machine.travel(datetime(2026, 12, 31, 17, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        assert date.today() == date(2026, 12, 31), "the server's own clock is still in the old year"
        assert timezone.localdate() == NEW_YEAR
        yield


def test_a_member_born_on_new_years_day_is_a_year_older_at_1am_beijing_time(people, client_for, beijing_new_year):
    member = f.make_member(people["tree"]["C1-1"], birth_date=date(2000, 1, 1))
    principal = client_for(people["users"]["principal"])

    page = principal.get(reverse("people:member_detail", args=[member.pk])).content.decode()
    assert "（27岁）" in page
    assert principal.get(f"/api/v1/members/{member.pk}").json()["age"] == 27


def test_age_bands_filter_and_count_by_the_beijing_date(people, client_for, beijing_new_year):
    member = f.make_member(people["tree"]["C1-1"], name="新年满三十六", birth_date=date(1991, 1, 1))  # 36 from today
    principal = client_for(people["users"]["principal"])

    in_band = principal.get(reverse("people:member_list"), {"age_band": "36-45"}).content.decode()
    assert member.name in in_band
    assert member.name not in principal.get(reverse("people:member_list"), {"age_band": "0-35"}).content.decode()
    names = [m["name"] for m in principal.get("/api/v1/members", {"age_band": "36-45"}).json()["items"]]
    assert member.name in names
    bands = dict(roster_summary(people["users"]["principal"]).by_age_band)
    assert bands["36–45岁"] == 1  # everyone else in the fixture was born in 1980 (46)


def test_a_teacher_term_is_flagged_30_days_ahead_of_beijing_today(people, beijing_new_year):
    school, _main, _small = f.make_school(people["tree"])
    ends_in_30_days = f.make_teacher(school, "期满老师", appointed_until=date(2027, 1, 31))
    assert list(expiring_teachers(school)) == [ends_in_30_days]


def test_this_years_pages_open_on_the_new_beijing_year(people, client_for, beijing_new_year):
    f.make_school(people["tree"])
    member = client_for(people["users"]["member"])
    hours = member.get(reverse("ledger_my_hours"))
    assert hours.context["p"].year == 2027
    principal = client_for(people["users"]["principal"])
    assert principal.get(reverse("ledger_compliance")).context["c"].year == 2027
    assert principal.get(reverse("school:lecturers")).context["year"] == 2027


def test_todays_sessions_are_those_of_the_beijing_day(people, client_for, beijing_new_year):
    school, main, _small = f.make_school(people["tree"])
    cohort = f.make_cohort(school, people["tree"]["C1-1"])
    Enrollment.objects.create(cohort=cohort, member=people["members"]["c1_1"][0])
    starts = datetime(2027, 1, 1, 9, 0, tzinfo=SHANGHAI)
    session = Session.objects.create(cohort=cohort, title="元旦党课", starts_at=starts, ends_at=starts + timedelta(hours=2), venue=main)

    schedule = client_for(people["users"]["member"]).get(reverse("attendance:my_schedule"))
    assert schedule.context["today"] == NEW_YEAR
    assert schedule.context["groups"][0][0] == NEW_YEAR and schedule.context["groups"][0][1] == [session]


# --- No server-clock dates come back -------------------------------------------------------------

# Calls that read the server's local clock or its UTC date. `datetime.now(tz=…)`, `datetime.fromtimestamp(…, tz=…)`
# and `timezone.now()` (an aware UTC instant) are fine; what a person sees goes through timezone.localdate()
# or timezone.localtime().
NAIVE_CLOCKS = {("date", "today"), ("datetime", "today"), ("datetime", "utcnow"), ("datetime", "now"), ("time", "localtime")}
# (path, line) of calls that genuinely mean UTC or the server's clock; none today.
ALLOWED: set[tuple[str, int]] = set()


def _naive_clock_calls(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner, name = node.func.value, node.func.attr
        owner_name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
        has_tz = bool(node.args) or any(k.arg == "tz" for k in node.keywords)
        if (owner_name, name) in NAIVE_CLOCKS and not (name == "now" and has_tz):
            found.append((node.lineno, f"{owner_name}.{name}()"))
        # timezone.now().date() / .year: the UTC date of the instant, not Beijing's
        if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Attribute) and owner.func.attr == "now" and name == "date":
            found.append((node.lineno, "….now().date()"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"year", "month", "day"} and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr == "now":
                found.append((node.lineno, f"….now().{node.attr}"))
    return found


def test_no_code_reads_the_date_from_the_server_clock():
    package = Path(__file__).resolve().parent.parent / "dangxiao"
    offenders = []
    for path in sorted(package.rglob("*.py")):
        rel = str(path.relative_to(package.parent))
        for line, what in _naive_clock_calls(ast.parse(path.read_text(), rel)):
            if (rel, line) not in ALLOWED:
                offenders.append(f"{rel}:{line} {what}")
    assert not offenders, "use timezone.localdate() / timezone.localtime():\n" + "\n".join(offenders)


def test_the_clock_lint_catches_what_it_is_for():
    source = "date.today()\ndatetime.now()\ndatetime.datetime.now()\ntimezone.now().date()\ntimezone.now().year\nx = datetime.now(tz=UTC)\n"
    assert [line for line, _what in _naive_clock_calls(ast.parse(source))] == [1, 2, 3, 4, 5]
    assert UTC  # the allowed form above is datetime.now(tz=UTC)
