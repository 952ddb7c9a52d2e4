"""Bad bodies are a 4xx with a clear Chinese message, never a 500, and write nothing: JSON nested
thousands of levels deep to every JSON endpoint of the API and to Open311, NUL characters in the text
of forms, API bodies and Open311 (PostgreSQL cannot store them: a DataError, a 500, before), and
sessions, leave and plans outside the years 2000–2100."""

import json
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangxiao.api.main import api as ninja_api
from dangxiao.attendance.models import LeaveRequest
from dangxiao.liaison import open311
from dangxiao.liaison.models import Matter, MatterUpdate
from dangxiao.school import services as school_services
from dangxiao.school.models import TrainingPlan
from dangxiao.teaching import services as teaching_services
from dangxiao.teaching.models import Enrollment, ScheduleRule, Session

from .factories import make_cohort, make_school
from .test_api import token_for
from .test_api_liaison import report

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NUL_REFUSED = "内容中含有不允许的空字符（NUL），请删除后重新提交"
OUT_OF_RANGE = "日期须在2000年至2100年之间"


@pytest.fixture
def place(liaison):
    school, main, _small = make_school(liaison["tree"])
    cohort = make_cohort(school, liaison["tree"]["C1-1"])
    start = timezone.now() + timedelta(days=2)
    session = Session.objects.create(cohort=cohort, title="党课", starts_at=start, ends_at=start + timedelta(hours=2), venue=main)
    member = liaison["members"]["c1_1"][0]
    Enrollment.objects.create(cohort=cohort, member=member)
    return {**liaison, "school": school, "main": main, "cohort": cohort, "session": session, "member": member}


def bearer(user) -> Client:
    return Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token_for(user)}"})


def browser(user) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


def written() -> tuple:
    return (Matter.objects.count(), MatterUpdate.objects.count(), LeaveRequest.objects.count(), Session.objects.count())


# --- JSON nested too deep ---------------------------------------------------------------------------------


def json_operations() -> list[tuple[str, str]]:
    schema = ninja_api.get_openapi_schema()
    return [
        (method, path)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if "application/json" in op.get("requestBody", {}).get("content", {})
    ]


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000], ids=["arrays", "objects"])
def test_json_nested_thousands_deep_is_a_400_on_every_json_endpoint(place, body):
    operations = json_operations()
    assert len(operations) >= 15 and ("post", "/api/v1/checkin") in operations
    api, ids = bearer(place["users"]["principal"]), {"session_id": place["session"].pk, "cohort_id": place["cohort"].pk}
    before = written()
    for method, path in operations:
        url = re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)  # any other id: 1
        response = api.generic(method.upper(), url, body, content_type="application/json")
        assert response.status_code == 400, (method, path, response.status_code)
        assert response.json() == {"detail": "请求体不是有效的 JSON，或嵌套层次过深"}
    response = Client(raise_request_exception=False).post("/open311/v2/requests.json", body, content_type="application/json")
    assert response.status_code == 400 and response.json() == [{"code": 400, "description": "请求体不是有效的 JSON"}]
    assert written() == before


# --- NUL in text ----------------------------------------------------------------------------------------------


def test_nul_in_api_json_text_is_refused_and_nothing_is_written(place):
    staff, member = bearer(place["users"]["principal"]), bearer(place["users"]["member"])
    matter = report(place)
    before = written()
    household = place["households"]["1栋"][1]
    for api, url, body in (
        (
            staff,
            "/api/v1/liaison/matters",
            {"compound_id": place["a"].pk, "category": "e_bike_charging", "description": "楼道\u0000充电", "household_id": household.pk},
        ),
        (staff, f"/api/v1/liaison/matters/{matter.pk}/notes", {"note": "已联系\u0000物业"}),
        (member, f"/api/v1/sessions/{place['session'].pk}/leave-requests", {"reason": "出差\u0000"}),
        (staff, "/api/v1/auth/token", {"username": "principal\u0000", "password": "x"}),
    ):
        response = api.post(url, json.dumps(body), content_type="application/json")
        assert response.status_code == 400 and response.json() == {"detail": NUL_REFUSED}, (url, response.content)
    # An escaped backslash before u0000 is text, not NUL: that note is kept as written.
    kept = staff.post(f"/api/v1/liaison/matters/{matter.pk}/notes", json.dumps({"note": "路径 C:\\u0000"}), content_type="application/json")
    assert kept.status_code == 200, kept.content
    assert written()[:1] == before[:1] and MatterUpdate.objects.filter(note="路径 C:\\u0000").exists()


def test_nul_in_page_forms_and_query_strings_is_refused_and_nothing_is_written(place):
    matter = report(place)
    before = written()
    member, staff = browser(place["users"]["member"]), browser(place["users"]["principal"])
    for client, url, data in (
        (member, reverse("attendance:leave_ask", args=[place["session"].pk]), {"reason": "出差\x00"}),
        (staff, reverse("liaison:matter_note", args=[matter.pk]), {"note": "已联系\x00物业", "public": "on"}),
        (Client(raise_request_exception=False), reverse("residents:report", args=[place["a"].public_token]), {"description": "漏\x00水"}),
    ):
        response = client.post(url, data)
        assert response.status_code == 400 and NUL_REFUSED in response.content.decode(), (url, response.status_code)
    listing = staff.get(reverse("people:member_list"), {"q": "张\x00"})
    assert listing.status_code == 400 and NUL_REFUSED in listing.content.decode()
    assert written() == before


def test_nul_in_an_open311_report_is_refused_in_the_spec_format(place):
    _client, key = open311.client_issue(name="12345热线", working_committee=place["tree"]["WY"], issued_by=place["users"]["principal"])
    form = {"api_key": key, "service_code": "e_bike_charging", "attribute[compound_id]": str(place["a"].pk), "description": "漏\x00水"}
    anyone = Client(raise_request_exception=False)
    before = written()
    for response in (
        anyone.post("/open311/v2/requests.json", form),
        anyone.post("/open311/v2/requests.json", json.dumps(form), content_type="application/json"),
    ):
        assert response.status_code == 400 and response.json() == [{"code": 400, "description": NUL_REFUSED}]
    assert written() == before


# --- Sessions, leave and plans between 2000 and 2100 ----------------------------------------------------------

YEARS = [1900, 2200]


@pytest.mark.parametrize("year", YEARS)
def test_a_session_outside_2000_2100_is_refused_in_the_api_and_the_page(place, year):
    api = bearer(place["users"]["principal"])
    before = written()
    body = {
        "cohort_id": place["cohort"].pk,
        "title": "党课",
        "starts_at": f"{year}-03-01T19:00:00+08:00",
        "ends_at": f"{year}-03-01T21:00:00+08:00",
    }
    response = api.post("/api/v1/sessions", json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and OUT_OF_RANGE in {e["message"] for e in response.json()["errors"]}
    rule = {
        "weekdays": [1],
        "start_time": "19:00",
        "end_time": "21:00",
        "starts_on": f"{year}-03-01",
        "ends_on": f"{year}-04-01",
        "hours": 2,
    }
    response = api.post(f"/api/v1/cohorts/{place['cohort'].pk}/schedule-rules", json.dumps(rule), content_type="application/json")
    assert response.status_code == 422 and OUT_OF_RANGE in {e["message"] for e in response.json()["errors"]}
    page = browser(place["users"]["principal"]).post(
        reverse("teaching:cohort_session_create", args=[place["cohort"].pk]),
        {"title": "党课", "date": f"{year}-03-01", "start_time": "19:00", "end_time": "21:00", "hours": "2"},
    )
    assert page.status_code == 422 and OUT_OF_RANGE in page.content.decode()
    assert written() == before and not ScheduleRule.objects.exists()


@pytest.mark.parametrize("year", YEARS)
def test_the_services_refuse_sessions_and_rules_outside_2000_2100(place, year):
    day = date(year, 3, 1)
    with pytest.raises(teaching_services.TeachingError, match=OUT_OF_RANGE):
        teaching_services.session_create(
            place["cohort"],
            by=place["users"]["principal"],
            title="党课",
            starts_at=datetime(year, 3, 1, 19, tzinfo=SHANGHAI),
            ends_at=datetime(year, 3, 1, 21, tzinfo=SHANGHAI),
        )
    with pytest.raises(teaching_services.TeachingError, match=OUT_OF_RANGE):
        teaching_services.schedule_rule_create(
            place["cohort"],
            by=place["users"]["principal"],
            weekdays=[day.weekday()],
            starts_on=date(2026, 3, 1),
            ends_on=day,
            start_time=datetime(2026, 1, 1, 19).time(),
            end_time=datetime(2026, 1, 1, 21).time(),
        )
    assert not Session.objects.filter(starts_at__year=year).exists()


@pytest.mark.parametrize("year", YEARS)
def test_leave_for_a_session_outside_2000_2100_is_refused(place, year):
    start = datetime(year, 3, 1, 19, tzinfo=SHANGHAI)  # stored before the dates were checked
    session = Session.objects.create(cohort=place["cohort"], title="党课", starts_at=start, ends_at=start + timedelta(hours=2))
    response = bearer(place["users"]["member"]).post(
        f"/api/v1/sessions/{session.pk}/leave-requests", json.dumps({"reason": "出差"}), content_type="application/json"
    )
    assert response.status_code == 422 and response.json() == {"detail": OUT_OF_RANGE}
    page = browser(place["users"]["member"]).post(reverse("attendance:leave_ask", args=[session.pk]), {"reason": "出差"})
    assert page.status_code == 422 and OUT_OF_RANGE in page.content.decode()
    assert not LeaveRequest.objects.exists()


@pytest.mark.parametrize("year", YEARS)
def test_a_plan_outside_2000_2100_is_refused(place, year):
    plan = TrainingPlan(school=place["school"], year=year, title=f"{year}年度培训计划")
    with pytest.raises(ValidationError) as refused:
        plan.full_clean()
    assert refused.value.message_dict == {"year": ["年度须在2000年至2100年之间"]}
    plan.save()  # one stored before the rule
    with pytest.raises(school_services.SchoolError, match="年度须在2000年至2100年之间"):
        school_services.plan_approve(plan, place["users"]["principal"])
    plan.refresh_from_db()
    assert plan.status == TrainingPlan.Status.DRAFT


def test_a_large_body_is_checked_too_except_by_the_page_that_limits_its_own(place, settings):
    """The residents' page refuses a large body before reading it; the NUL check leaves such a body to
    it, and its form refuses the NUL. Anywhere else a large body is checked like a small one."""
    big = "x" * (settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1)
    before = written()
    anyone = Client(raise_request_exception=False)
    url = reverse("residents:report", args=[place["a"].public_token])
    response = anyone.post(url, {"description": "漏\x00水", "padding": big})
    assert 400 <= response.status_code < 500 and NUL_REFUSED not in response.content.decode()
    api = bearer(place["users"]["principal"])
    body = {"compound_id": place["a"].pk, "category": "e_bike_charging", "description": "漏\u0000水", "padding": big}
    response = api.post("/api/v1/liaison/matters", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and response.json() == {"detail": NUL_REFUSED}
    assert written() == before
