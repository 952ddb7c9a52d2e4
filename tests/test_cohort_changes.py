"""Changing a cohort: edit its name, dates, seats, target rule and courses; close and reopen its
self-enrolment; archive it — in pages and the API, audited, scoped."""

import json
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.teaching import services
from dangxiao.teaching.models import Cohort, Course, Enrollment, Session

from .conftest import login
from .factories import make_cohort, make_member, make_school, make_user
from .test_api import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(people):
    tree = people["tree"]
    school, main, small = make_school(tree)
    course = Course.objects.create(school=school, title="党章学习", kind="theory")
    cohort = make_cohort(
        school,
        tree["C1-1"],
        name="第一支部冬训班",
        seat_limit=2,
        self_enrol_open=True,
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 12, 31),
    )
    a, b, w = people["members"]["c1_1"]
    for m in (a, b, w):
        services.cohort_enroll(cohort, m)
    return {"school": school, "cohort": cohort, "course": course, "waiting": w, "main": main, **people}


def form(**changes) -> dict:
    data = {"name": "第一支部冬训班", "starts_on": "2026-11-01", "ends_on": "2026-12-31", "seat_limit": "2"}
    data.update(changes)
    return data


def test_editing_a_cohort_changes_it_and_more_seats_take_the_waiting_list_in(c):
    cohort = c["cohort"]
    secretary = login(c["users"]["secretary"])
    assert secretary.get(reverse("teaching:cohort_edit", args=[cohort.pk])).status_code == 200
    response = secretary.post(
        reverse("teaching:cohort_edit", args=[cohort.pk]),
        form(name="冬训班（改）", seat_limit="3", flags=["is_mobile"], courses=[c["course"].pk]),
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.name == "冬训班（改）" and cohort.seat_limit == 3 and cohort.target_rule == {"flags": ["is_mobile"]}
    assert list(cohort.courses.all()) == [c["course"]] and "流动" in cohort.target_description
    assert Enrollment.objects.get(cohort=cohort, member=c["waiting"]).status == "enrolled"
    assert AuditEvent.objects.filter(action="cohort_update", object_id=str(cohort.pk)).exists()


def test_bad_edits_are_refused_with_a_message_and_change_nothing(c):
    cohort = c["cohort"]
    secretary = login(c["users"]["secretary"])
    for data, message in (
        (form(seat_limit="1"), "名额不能少于已报名的2人"),
        (form(ends_on="2026-10-01"), "结业日期不能早于开班日期"),
        (form(starts_on="1900-01-01"), ""),
        (form(name=""), ""),
        (form(seat_limit="99999999999999999999"), ""),
    ):
        response = secretary.post(reverse("teaching:cohort_edit", args=[cohort.pk]), data)
        assert response.status_code == 422 and message in response.content.decode()
    cohort.refresh_from_db()
    assert cohort.name == "第一支部冬训班" and cohort.seat_limit == 2 and cohort.ends_on == date(2026, 12, 31)


def test_closing_enrolment_stops_self_enrolment_and_reopening_allows_it(c):
    cohort = c["cohort"]
    newcomer = make_member(c["tree"]["C1-1"])
    secretary = login(c["users"]["secretary"])
    assert secretary.post(reverse("teaching:cohort_close_enrolment", args=[cohort.pk])).status_code == 302
    cohort.refresh_from_db()
    assert not cohort.self_enrol_open
    with pytest.raises(services.TeachingError, match="未开放自主报名"):
        services.cohort_enroll(cohort, newcomer, source="self")
    assert Enrollment.objects.filter(cohort=cohort).exclude(status="removed").count() == 3  # nobody was dropped
    secretary.post(reverse("teaching:cohort_reopen_enrolment", args=[cohort.pk]))
    cohort.refresh_from_db()
    assert cohort.self_enrol_open
    assert services.cohort_enroll(cohort, newcomer, source="self").status == "waitlisted"
    assert AuditEvent.objects.filter(action="enrol_close").exists()


def test_archiving_waits_for_the_last_session_then_files_the_cohort(c):
    cohort = c["cohort"]
    at = timezone.now() + timedelta(days=3)
    session = Session.objects.create(cohort=cohort, title="最后一课", starts_at=at, ends_at=at + timedelta(hours=2))
    secretary = login(c["users"]["secretary"])
    secretary.post(reverse("teaching:cohort_archive", args=[cohort.pk]))
    cohort.refresh_from_db()
    assert cohort.archived_at is None
    Session.objects.filter(pk=session.pk).update(status="cancelled")
    secretary.post(reverse("teaching:cohort_archive", args=[cohort.pk]))
    cohort.refresh_from_db()
    assert cohort.archived_at is not None and not cohort.self_enrol_open
    page = secretary.get(reverse("teaching:cohort_detail", args=[cohort.pk])).content.decode()
    assert 'id="archived"' in page
    with pytest.raises(services.TeachingError, match="已归档"):
        services.cohort_enroll(cohort, make_member(c["tree"]["C1-1"]))
    assert secretary.post(reverse("teaching:cohort_edit", args=[cohort.pk]), form(name="新名字")).status_code == 422
    later = timezone.now() + timedelta(days=9)
    with pytest.raises(services.TeachingError, match="已归档"):
        services.session_create(cohort, by=c["users"]["secretary"], title="补课", starts_at=later, ends_at=later + timedelta(hours=1))


def test_cohort_pages_are_404_out_of_scope(c):
    cohort = c["cohort"]
    other = login(make_user("c2admin", role="org_admin", org=c["tree"]["C2"]))
    member = login(c["users"]["member"])
    for client in (other, member):
        assert client.get(reverse("teaching:cohort_edit", args=[cohort.pk])).status_code == 404
        for name in ("cohort_edit", "cohort_close_enrolment", "cohort_reopen_enrolment", "cohort_archive"):
            assert client.post(reverse(f"teaching:{name}", args=[cohort.pk]), form(name="x")).status_code == 404
    cohort.refresh_from_db()
    assert cohort.name == "第一支部冬训班" and cohort.self_enrol_open and cohort.archived_at is None


def test_the_edit_page_holds_a_query_budget(c, django_assert_max_num_queries):
    client = login(c["users"]["secretary"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("teaching:cohort_edit", args=[c["cohort"].pk]))
    assert response.status_code == 200 and 'value="2026-11-01"' in response.content.decode()


# --- The API --------------------------------------------------------------------------------------


def api(user, method, url, body=None):
    return getattr(login(user), method)(url, json.dumps(body) if body is not None else None, content_type="application/json")


def test_api_patch_changes_only_what_is_sent(c):
    cohort = c["cohort"]
    secretary = c["users"]["secretary"]
    response = api(secretary, "patch", f"/api/v1/cohorts/{cohort.pk}", {"seat_limit": 5, "course_ids": [c["course"].pk]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["seat_limit"] == 5 and body["name"] == "第一支部冬训班" and body["courses"] == [{"id": c["course"].pk, "name": "党章学习"}]
    assert body["enrolled"] == 3 and body["waitlisted"] == 0
    response = api(secretary, "patch", f"/api/v1/cohorts/{cohort.pk}", {"target_rule": {"flags": ["is_mobile"]}})
    assert response.status_code == 200 and response.json()["target_rule"] == {"flags": ["is_mobile"]}


def test_api_patch_refuses_bad_input_with_422_and_errors(c):
    cohort = c["cohort"]
    secretary = c["users"]["secretary"]
    for body, field in (
        ({"seat_limit": 1}, None),
        ({"name": "  "}, "name"),
        ({"target_rule": {"flags": ["no_such_flag"]}}, "target_rule"),
        ({"course_ids": [999999]}, "course_ids"),
        ({"ends_on": "2026-10-01"}, None),
        ({"starts_on": "1800-01-01"}, "starts_on"),
        ({"seat_limit": 10**30}, "seat_limit"),
    ):
        response = api(secretary, "patch", f"/api/v1/cohorts/{cohort.pk}", body)
        assert response.status_code == 422, body
        named = response.json()["errors"][0]["field"]
        assert named == field or (field and named.endswith(f".{field}")), body
    cohort.refresh_from_db()
    assert cohort.seat_limit == 2 and cohort.target_rule == {}


def test_api_close_reopen_archive_and_scope(c):
    cohort = c["cohort"]
    secretary = c["users"]["secretary"]
    other = make_user("c2admin", role="org_admin", org=c["tree"]["C2"])
    for action in ("close-enrolment", "reopen-enrolment", "archive"):
        assert api(other, "post", f"/api/v1/cohorts/{cohort.pk}/{action}").status_code == 404
    assert api(other, "patch", f"/api/v1/cohorts/{cohort.pk}", {"name": "x"}).status_code == 404
    response = api(secretary, "post", f"/api/v1/cohorts/{cohort.pk}/close-enrolment")
    assert response.status_code == 200 and response.json()["self_enrol_open"] is False
    assert api(secretary, "post", f"/api/v1/cohorts/{cohort.pk}/close-enrolment").status_code == 422
    assert api(secretary, "post", f"/api/v1/cohorts/{cohort.pk}/reopen-enrolment").json()["self_enrol_open"] is True
    response = api(secretary, "post", f"/api/v1/cohorts/{cohort.pk}/archive")
    assert response.status_code == 200 and response.json()["archived"] is True
    assert api(secretary, "post", f"/api/v1/cohorts/{cohort.pk}/reopen-enrolment").status_code == 422


# --- Creating a cohort through the API ------------------------------------------------------------


def api_post(user, url: str, body: dict):
    client = Client(headers={"Authorization": f"Bearer {token_for(user)}"})
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_api_creates_a_cohort_as_the_page_does_enrolling_by_its_rule_and_audited(c):
    body = {
        "name": "第一支部党章学习班",
        "organization_id": c["tree"]["C1-1"].pk,
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
        "seat_limit": 30,
        "course_ids": [c["course"].pk],
        "auto_enrol": True,
    }
    response = api_post(c["users"]["secretary"], "/api/v1/cohorts", body)
    assert response.status_code == 201, response.content
    created = response.json()
    cohort = Cohort.objects.get(pk=created["cohort"]["id"])
    assert cohort.name == "第一支部党章学习班" and cohort.organization == c["tree"]["C1-1"]
    assert list(cohort.courses.all()) == [c["course"]]
    assert created["enrolled"] == Enrollment.objects.filter(cohort=cohort).count() == len(c["members"]["c1_1"])
    assert AuditEvent.objects.filter(object_type="cohort", object_id=str(cohort.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"organization_id": "C2-1"}, "organization_id"),  # not the secretary's
        ({"organization_id": 999999}, "organization_id"),
        ({"course_ids": [999999]}, "course_ids"),
        ({"name": " "}, None),
        ({"starts_on": "2026-12-31", "ends_on": "2026-12-01"}, None),
        ({"target_rule": {"flags": ["nonsense"]}}, "target_rule"),
    ],
)
def test_the_api_refuses_a_bad_cohort_with_422_and_writes_nothing(c, changes, field):
    body = {"name": "新班", "organization_id": c["tree"]["C1-1"].pk}
    body.update(changes)
    if body["organization_id"] == "C2-1":
        body["organization_id"] = c["tree"]["C2-1"].pk
    before = Cohort.objects.count()
    response = api_post(c["users"]["secretary"], "/api/v1/cohorts", body)
    assert response.status_code == 422, response.content
    if field:
        assert response.json()["errors"][0]["field"] == field
    assert Cohort.objects.count() == before


def test_a_member_cannot_create_a_cohort(c):
    response = api_post(c["users"]["member"], "/api/v1/cohorts", {"name": "新班", "organization_id": c["tree"]["C1-1"].pk})
    assert response.status_code in (403, 404) and not Cohort.objects.filter(name="新班").exists()
