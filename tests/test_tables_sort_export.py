"""Every staff table sorts by each of its declared columns (server-side, kept in the URL), and its Excel
export holds exactly the rows the page lists, in the same order, under the same filters; exports stay
in the user's subtree; hostile parameters are ignored or refused, never a 500."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangxiao.attendance.models import Attendance, StudyHourEntry
from dangxiao.attendance.tables import AT_RISK, COHORT_RATES, COMPLIANCE_ORGS, INACTIVE, ORG_RATES, WARNINGS
from dangxiao.core import tables
from dangxiao.core.models import AuditEvent
from dangxiao.liaison import services as liaison_services
from dangxiao.liaison.tables import FIGURES_CATEGORIES, FIGURES_COMPOUNDS, MATTERS
from dangxiao.people.models import Member
from dangxiao.people.tables import ROSTER
from dangxiao.school.models import Partner, Venue
from dangxiao.school.tables import PARTNERS, TEACHERS, VENUES
from dangxiao.teaching.models import Enrollment, Session
from dangxiao.teaching.tables import COHORTS, SESSIONS

from .conftest import login
from .factories import make_cohort, make_member, make_school, make_teacher

pytestmark = pytest.mark.django_db


def _at(day: date, hour: int = 19) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def school(liaison):
    """A small school with a little of everything, its values differing so that every column orders."""
    tree, members = liaison["tree"], liaison["members"]
    school, main, small = make_school(tree)
    today = timezone.localdate()
    year_start = date(today.year, 1, 1)
    Venue.objects.create(school=school, name="赤岭路红色之家", tier="site", kind="red_home", capacity=30, organization=tree["C2-1"])
    p1 = Partner.objects.create(school=school, name="中南大学铁道学院", kind="university")
    Partner.objects.create(school=school, name="湖南省林业科学院", kind="research_institute")
    small.partner = p1
    small.save(update_fields=["partner"])
    t1 = make_teacher(school, "刘老师", appointed_until=today + timedelta(days=300), affiliation="区委党校")
    t2 = make_teacher(school, "陈老师", source="university", partner=p1, appointed_until=today + timedelta(days=30))
    make_teacher(school, "王老师", source="veteran")
    c1 = make_cohort(school, tree["C1"], name="青山祠学习班", starts_on=year_start, ends_on=today + timedelta(days=60), seat_limit=10)
    c2 = make_cohort(school, tree["C2"], name="赤岭路学习班", starts_on=year_start + timedelta(days=20), ends_on=today)
    make_cohort(school, tree["WY"], name="领头雁班", starts_on=today + timedelta(days=5))
    sessions = []
    for i, (cohort, venue, teacher) in enumerate([(c1, main, t1), (c1, small, t2), (c1, None, None), (c2, main, t2), (c2, small, None)]):
        start = _at(today - timedelta(days=3 + 7 * i), 19 - i)
        sessions.append(
            Session.objects.create(
                cohort=cohort,
                title=f"第{i + 1}课",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                venue=venue,
                teacher=teacher,
                hours=Decimal(1 + i),
            )
        )
    for i in (5, 6):
        start = _at(today - timedelta(days=40 + i), 18)
        sessions.append(Session.objects.create(cohort=c1, title=f"第{i + 1}课", starts_at=start, ends_at=start + timedelta(hours=2)))
    sessions[2].status = Session.Status.CANCELLED
    sessions[2].save(update_fields=["status"])
    for m in members["c1_1"] + members["c1_2"]:
        Enrollment.objects.create(cohort=c1, member=m)
    for m in members["c2_1"]:
        Enrollment.objects.create(cohort=c2, member=m)
    for n, m in enumerate(members["c1_1"] + members["c1_2"]):
        for s in sessions[: n % 3]:
            Attendance.objects.create(session=s, member=m, status=Attendance.Status.PRESENT)
    Attendance.objects.create(session=sessions[3], member=members["c2_1"][0], status=Attendance.Status.PRESENT)
    Member.objects.filter(pk=members["c1_2"][0].pk).update(industry="", birth_date=date(1950, 3, 1), position="secretary")
    Member.objects.filter(pk=members["n1"][0].pk).update(birth_date=None, gender="F", is_mobile=True)
    everyone = [m for group in members.values() for m in group]
    for n, m in enumerate(everyone[:-3]):  # the last three: nothing for six months
        StudyHourEntry.objects.create(
            member=m, date=today - timedelta(days=1), hours=Decimal(2 * n + 1), source="session", reference=f"t:{n}"
        )
    Member.objects.filter(pk__in=[m.pk for m in everyone]).update(created_at=timezone.now() - timedelta(days=400))
    Member.objects.filter(pk=members["c1_1"][0].pk).update(name="阿党员")
    cats = list(liaison["categories"].values())
    for n, (compound, cat) in enumerate([(liaison["a"], cats[0]), (liaison["a"], cats[1]), (liaison["b"], cats[0])]):
        matter = liaison_services.matter_report(
            compound,
            category=cat,
            description=f"=事项{n}",
            source="grid",
            recorded_by=liaison["users"]["principal"],
            now=timezone.now() - timedelta(days=10 - n),
        )
        if n == 1:
            liaison_services.matter_resolve(matter, liaison["users"]["principal"], households_benefited=7)
    return {**liaison, "school": school}


def page_rows(response, key: str, attr: str | None = None):
    rows = response.context[key]
    if attr:
        rows = getattr(rows, attr)
    return list(rows)


# (name, page, export, export params, table, rows in the page's context)
CASES = [
    ("roster", "people:member_list", "people:member_export", {}, ROSTER, lambda r: page_rows(r, "page")),
    ("cohorts", "teaching:cohort_list", "teaching:cohort_export", {}, COHORTS, lambda r: page_rows(r, "page")),
    ("sessions", "teaching:session_list", "teaching:session_export", {}, SESSIONS, lambda r: page_rows(r, "page")),
    ("compliance", "ledger_compliance", "ledger_compliance_export", {}, COMPLIANCE_ORGS, lambda r: page_rows(r, "rows")),
    ("at_risk", "ledger_compliance", "ledger_compliance_export", {"table": "members"}, AT_RISK, lambda r: page_rows(r, "page")),
    ("org_rates", "ledger_analysis", "ledger_analysis_export", {"table": "organizations"}, ORG_RATES, lambda r: page_rows(r, "org_rows")),
    (
        "cohort_rates",
        "ledger_analysis",
        "ledger_analysis_export",
        {"table": "cohorts"},
        COHORT_RATES,
        lambda r: page_rows(r, "cohort_rows"),
    ),
    ("warnings", "ledger_analysis", "ledger_analysis_export", {"table": "warnings"}, WARNINGS, lambda r: page_rows(r, "warnings")),
    ("inactive", "ledger_analysis", "ledger_analysis_export", {"table": "inactive"}, INACTIVE, lambda r: page_rows(r, "page")),
    ("teachers", "school:teacher_list", "school:teacher_export", {"status": "all"}, TEACHERS, lambda r: page_rows(r, "page")),
    ("partners", "school:partner_list", "school:partner_export", {}, PARTNERS, lambda r: page_rows(r, "page")),
    ("venues", "school:venue_list", "school:venue_export", {}, VENUES, lambda r: page_rows(r, "page")),
    ("matters", "liaison:matter_list", "liaison:matter_export", {"type": "all"}, MATTERS, lambda r: page_rows(r, "page")),
    (
        "figures",
        "liaison_figures:figures",
        "liaison_figures:figures_export",
        {},
        FIGURES_COMPOUNDS,
        lambda r: page_rows(r, "figures", "by_compound"),
    ),
    (
        "figure_categories",
        "liaison_figures:figures",
        "liaison_figures:figures_export",
        {"table": "categories"},
        FIGURES_CATEGORIES,
        lambda r: page_rows(r, "figures", "by_category"),
    ),
]
IDS = [c[0] for c in CASES]


class Desc:
    """A sort key compared the other way round ("-birth_date" orders age)."""

    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        return other.value < self.value

    def __eq__(self, other):
        return self.value == other.value


def _resolve(row, path: str):
    value = row
    for part in path.lstrip("-").split("__"):
        value = getattr(value, part, None) if value is not None else None
    return Desc(value) if path.startswith("-") and value is not None else value


def sort_key(table, column, row):
    """What the rows must be ordered by: the database fields of a queryset table, else the cell."""
    if hasattr(row, "_meta"):
        values = [_resolve(row, f) for f in column.order or (column.key,)]
        return values[0] if len(values) == 1 else (None if None in values else tuple(values))
    value = (column.sort_by or column.cell)(row)
    return None if value == "" else value


def assert_ordered(keys: list, descending: bool, *, strings_by_database: bool):
    present = [k for k in keys if k is not None]
    assert keys[: len(present)] == present, f"empty values must come last: {keys}"
    if strings_by_database and connection.vendor == "postgresql" and any(isinstance(k, str) for k in present):
        return  # PostgreSQL's collation orders Chinese its own way; the direction is checked below
    pairs = list(zip(present, present[1:]))
    if descending:
        assert all(not (a < b) for a, b in pairs), keys
    else:
        assert all(not (b < a) for a, b in pairs), keys


@pytest.mark.parametrize(("name", "page", "export", "params", "table", "rows"), CASES, ids=IDS)
def test_each_declared_column_sorts_the_table_both_ways(school, name, page, export, params, table, rows):
    client = login(school["users"]["principal"])
    url = reverse(page)
    for column in (c for c in table.columns if c.sortable):
        orders = {}
        for descending in (False, True):
            value = f"-{column.key}" if descending else column.key
            response = client.get(url, {**params, table.param: value})
            assert response.status_code == 200, (name, value)
            listed = rows(response)
            keys = [sort_key(table, column, r) for r in listed]
            assert_ordered(keys, descending, strings_by_database=hasattr(listed[0], "_meta") if listed else False)
            orders[descending] = [id(r) for r in listed], keys
            body = response.content.decode()
            th = f'data-table="{table.name}" data-sort="{column.key}"'
            if th in body:  # a header on the page: it says how the table is sorted
                assert f'aria-sort="{"descending" if descending else "ascending"}" {th}' in body, (name, value)
        distinct = {repr(k) for k in orders[False][1] if k is not None}
        if len(distinct) > 1:
            assert orders[False][1] != orders[True][1], f"{name}: sorting by {column.key} changes nothing"


def _sheet(response) -> list[list]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(response.content), read_only=True).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _norm(value):
    if value in ("", None):
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d 00:00")
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return round(float(value), 2)
    return str(value)


@pytest.mark.parametrize(("name", "page", "export", "params", "table", "rows"), CASES, ids=IDS)
def test_the_export_holds_the_rows_the_page_lists_in_its_order(school, name, page, export, params, table, rows):
    client = login(school["users"]["principal"])
    sortable = [c for c in table.columns if c.sortable]
    for column in (sortable[0], sortable[-1]):
        query = {**params, table.param: f"-{column.key}"}
        listed = rows(client.get(reverse(page), query))
        assert listed, f"{name}: the fixture lists nothing"
        sheet = _sheet(client.get(reverse(export), query))
        header, body = sheet[0], sheet[1:]
        if name == "figures":
            body = body[:-1]  # its total row
        if table is ROSTER:  # the roster's own export layout: compare by name
            assert [r[header.index("姓名")] for r in body] == [m.name for m in listed]
            continue
        if name != "figures":  # which keeps its own headers
            assert header == [str(c.label) for c in table.columns if c.export]
        width = len(header)
        expected = tables.export_values(table, listed, reveal=True)
        got = [[_norm(v) for v in r] + [None] * (width - len(r)) for r in body]
        assert got == [[_norm(v) for v in r] for r in expected], name


def test_export_cells_that_look_like_formulas_stay_text(school):
    client = login(school["users"]["principal"])
    sheet = _sheet(client.get(reverse("liaison:matter_export"), {"type": "all"}))
    assert "=事项0" in [r[3] for r in sheet[1:]]  # kept as text, never a formula
    ws = load_workbook(BytesIO(client.get(reverse("liaison:matter_export"), {"type": "all"}).content)).active
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "=事项0")
    assert cell.data_type == "s"


def test_exports_with_members_by_name_are_audited_and_plain_counts_are_not(school):
    client = login(school["users"]["principal"])
    before = AuditEvent.objects.count()
    client.get(reverse("teaching:cohort_export"))
    client.get(reverse("school:venue_export"))
    assert AuditEvent.objects.count() == before
    client.get(reverse("ledger_compliance_export"), {"table": "members"})
    client.get(reverse("ledger_analysis_export"), {"table": "warnings"})
    events = list(AuditEvent.objects.order_by("-pk")[:2])
    assert [e.action for e in events] == ["export", "export"]
    assert {e.object_type for e in events} == {"study_hours_at_risk", "absentee_warnings"}


def test_a_secretarys_exports_hold_their_subtree_only(school):
    """The C1-1 secretary's exports of every table carry nothing of C1-2, C2 or the other school's."""
    client = login(school["users"]["secretary"])
    outside = {m.name for key in ("c1_2", "c2_1", "n1") for m in school["members"][key]}
    for name, _page, export, params, _table, _rows in CASES:
        if name in ("teachers", "partners", "venues", "figures", "figure_categories"):
            continue  # the school's pool and network, or counts (the figures' own scope tests)
        response = client.get(reverse(export), params)
        if response.status_code == 404:
            continue
        cells = {str(v) for row in _sheet(response) for v in row if v is not None}
        assert not cells & outside, name
        assert "赤岭路学习班" not in cells and "赤岭小区" not in cells, name


def test_the_organisation_filter_narrows_the_page_and_the_export_alike(school):
    client = login(school["users"]["principal"])
    c2 = school["tree"]["C2"]
    for page, export in (("teaching:cohort_list", "teaching:cohort_export"), ("teaching:session_list", "teaching:session_export")):
        listed = list(client.get(reverse(page), {"org": c2.pk}).context["page"])
        assert listed and all(getattr(r, "cohort", r).organization.path.startswith(c2.path) for r in listed)
        assert len(_sheet(client.get(reverse(export), {"org": c2.pk}))) == len(listed) + 1


def test_the_date_range_narrows_sessions(school):
    client = login(school["users"]["principal"])
    today = timezone.localdate()
    response = client.get(reverse("teaching:session_list"), {"from": (today - timedelta(days=12)).isoformat(), "to": today.isoformat()})
    assert {s.title for s in response.context["page"]} == {"第1课", "第2课"}


def test_a_secretary_cannot_filter_by_an_organisation_outside_their_subtree(school):
    client = login(school["users"]["secretary"])
    for url in ("teaching:cohort_list", "teaching:session_export", "school:venue_list", "liaison:matter_export"):
        assert client.get(reverse(url), {"org": school["tree"]["C2"].pk}).status_code == 404, url


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "password"},
        {"sort": "-" * 500},
        {"sort": "organization__user__password"},
        {"msort": "__class__", "csort": "-", "wsort": "pk", "isort": "-last_attended"},
        {"from": "9999-99-99", "to": "1800-01-01"},
        {"from": "2026-12-31", "to": "2026-01-01"},
        {"page": "99999999999999999999999"},
        {"page": "-3", "wpage": "abc"},
        {"org": "99999999999999999999999"},
        {"org": "abc"},
        {"org": "a\x00b", "sort": "a\x00b", "from": "a\x00b"},
        {"sort": "x" * 3000, "to": "x" * 3000, "org": str(10**20)},
    ],
)
def test_hostile_parameters_are_ignored_or_refused_never_a_500(school, params):
    client = login(school["users"]["principal"])
    for _name, page, export, extra, _table, _rows in CASES:
        for url in (reverse(page), reverse(export)):
            response = client.get(url, {**extra, **params})
            assert response.status_code in (200, 400, 404), (url, params, response.status_code)


def test_an_unknown_sort_falls_back_to_the_default(school):
    client = login(school["users"]["principal"])
    plain = [c.pk for c in client.get(reverse("teaching:cohort_list")).context["page"]]
    odd = [c.pk for c in client.get(reverse("teaching:cohort_list"), {"sort": "secret"}).context["page"]]
    assert plain == odd


def test_an_export_above_the_row_limit_is_built_in_the_background_for_its_user_only(school, monkeypatch, settings, tmp_path):
    from dangxiao.core import exports
    from dangxiao.notify.models import Notification

    settings.VAR_DIR = tmp_path
    principal = school["users"]["principal"]
    client = login(principal)
    whole = _sheet(client.get(reverse("teaching:session_export"), {"sort": "-starts_at"}))
    monkeypatch.setattr(tables, "MAX_EXPORT_ROWS", 2)
    response = client.get(reverse("teaching:session_export"), {"sort": "-starts_at"})
    assert response.status_code == 202 and "已转入后台导出" in response.content.decode()
    [job] = exports.recent(principal.pk)  # huey runs at once in the tests: already built
    assert job.ready and job.rows == len(whole) - 1
    notice = Notification.objects.get(user=principal, kind="export_ready")
    assert notice.url == reverse("export_list") and "导出已完成" in notice.title
    listing = client.get(reverse("export_list")).content.decode()
    download = reverse("export_download", args=[job.token])
    assert download in listing
    fetched = client.get(download)
    rows = list(load_workbook(BytesIO(b"".join(fetched.streaming_content))).active.values)
    assert [list(r) for r in rows] == [list(r) for r in whole]  # the page's rows, filters and order, all of them
    assert login(school["users"]["secretary"]).get(download).status_code == 404  # nobody else's
    assert client.get(reverse("export_download", args=["0" * 32])).status_code == 404


def test_a_queued_export_is_built_in_its_users_scope_and_refused_once_out_of_it(school, monkeypatch, settings, tmp_path):
    from dangxiao.core import exports
    from dangxiao.people.models import Role

    settings.VAR_DIR = tmp_path
    secretary = school["users"]["secretary"]
    direct = _sheet(login(secretary).get(reverse("people:member_export")))
    monkeypatch.setattr(tables, "MAX_EXPORT_ROWS", 1)
    assert login(secretary).get(reverse("people:member_export")).status_code == 202
    [job] = exports.recent(secretary.pk)
    rows = [list(r) for r in load_workbook(job.file_path).active.values]
    assert rows == direct and len(rows) > 2  # the secretary's roster, as the page would have given it
    assert not {r[0] for r in rows} & {m.name for key in ("c1_2", "c2_1", "n1") for m in school["members"][key]}
    assert AuditEvent.objects.filter(action="export", object_type="roster", actor=secretary).count() == 2
    again, queued = exports.export_request(secretary.pk, job.path, job.title, job.rows)
    assert queued  # a finished export asked for again is built again
    Role.objects.filter(user=secretary).delete()
    failed = exports.export_build(again)
    assert failed.status == exports.FAILED and failed.error == "scope" and not failed.ready


def test_an_export_above_what_the_queue_takes_is_refused_with_the_reason(school, monkeypatch, settings, tmp_path):
    from dangxiao.core import exports

    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(tables, "MAX_EXPORT_ROWS", 1)
    monkeypatch.setattr(exports, "MAX_QUEUED_ROWS", 2)
    response = login(school["users"]["principal"]).get(reverse("teaching:session_export"))
    assert response.status_code == 422 and "超过单次导出上限" in response.content.decode()
    assert exports.recent(school["users"]["principal"].pk) == []


def test_queued_exports_are_removed_after_a_week(school, settings, tmp_path):
    from datetime import timedelta as td

    from dangxiao.core import exports

    settings.VAR_DIR = tmp_path
    principal = school["users"]["principal"]
    job, _queued = exports.export_request(principal.pk, reverse("teaching:session_export"), "课次", 3)
    exports.export_build(job)
    assert exports.purge_old_exports(timezone.now() + td(days=6)) == 0
    assert exports.purge_old_exports(timezone.now() + td(days=8)) == 1
    assert exports.recent(principal.pk) == [] and not job.file_path.exists()


def test_sort_links_keep_the_filters_and_drop_the_page(school):
    client = login(school["users"]["principal"])
    body = client.get(reverse("teaching:session_list"), {"org": school["tree"]["C1"].pk, "page": "1", "sort": "title"}).content.decode()
    assert f"?org={school['tree']['C1'].pk}&amp;sort=-title" in body
    assert 'aria-sort="ascending"' in body


def test_the_table_pages_keep_a_fixed_query_budget(school, django_assert_max_num_queries):
    client = login(school["users"]["principal"])
    client.get(reverse("teaching:session_list"))  # warm the scope and the session
    more = [make_member(school["tree"]["C1-1"]) for _ in range(20)]
    cohort = make_cohort(school["school"], school["tree"]["C1-1"], name="加班")
    for m in more:
        Enrollment.objects.create(cohort=cohort, member=m)
    budgets = {
        "teaching:session_list": 12,
        "teaching:cohort_list": 12,
        "people:member_list": 14,
        "school:venue_list": 12,
        "school:partner_list": 10,
        "school:teacher_list": 12,
    }
    for url, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            assert client.get(reverse(url), {"sort": "-name" if "session" not in url else "-title"}).status_code == 200


def test_one_user_cannot_fill_the_queue_with_exports(school, monkeypatch, settings, tmp_path):
    from dangxiao.core import exports

    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(tables, "MAX_EXPORT_ROWS", 1)
    monkeypatch.setattr(exports, "MAX_PENDING", 2)
    monkeypatch.setattr("dangxiao.core.tasks.build_export", lambda *a: None)  # the worker is busy: jobs stay queued
    client = login(school["users"]["principal"])
    url = reverse("teaching:session_export")
    assert client.get(url, {"x": 1}).status_code == 202 and client.get(url, {"x": 2}).status_code == 202
    assert client.get(url, {"x": 1}).status_code == 202  # the same export again: the job on its way
    busy = client.get(url, {"x": 3})
    assert busy.status_code == 429 and "请待其完成后再导出" in busy.content.decode()
    assert len(exports.recent(school["users"]["principal"].pk)) == 2
