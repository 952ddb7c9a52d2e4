"""The API writes the school and its network: the school's record, the yearly plan, venues, partners and
agreements — scoped like the pages (404 out of scope), 422 with `{detail, errors}` on bad input."""

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from dangxiao.attendance.models import Attendance
from dangxiao.people.models import Organization
from dangxiao.school.models import Partner, PartnerAgreement, School, TrainingPlan, Venue
from dangxiao.teaching.models import Session

from .factories import make_cohort, make_school
from .test_api import api

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def school(people):
    school, main, small = make_school(people["tree"])
    return {"school": school, "main": main, "small": small, **people}


@pytest.fixture
def elsewhere(db):
    root = Organization.objects.add_root(instance=Organization(name="东塘街道党工委", code="DT", kind="working_committee"))
    other = School.objects.create(name="东塘街道党校", organization=root)
    venue = Venue.objects.create(school=other, name="东塘党校", tier="main", kind="party_school", organization=root)
    partner = Partner.objects.create(school=other, name="东塘大学", kind="university")
    agreement = PartnerAgreement.objects.create(
        partner=partner,
        title="东塘协议",
        shares_venues=True,
        signed_on=date(2025, 1, 1),
        starts_on=date(2025, 1, 1),
        ends_on=date(2027, 1, 1),
    )
    plan = TrainingPlan.objects.create(school=other, year=2026, title="东塘计划")
    return {"root": root, "school": other, "venue": venue, "partner": partner, "agreement": agreement, "plan": plan}


def send(client: Client, method: str, url: str, data: dict | None = None):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, json.dumps(data) if data is not None else None, content_type="application/json")


def venue_body(org, **over) -> dict:
    body = {
        "name": "湘林家园党群服务站",
        "tier": "site",
        "kind": "service_station",
        "organization_id": org.pk,
        "address": "湘林家园3栋",
        "latitude": 28.171,
        "longitude": 112.985,
        "capacity": 40,
        "facilities": "投影",
        "opening_hours": "周一至周五",
    }
    return {**body, **over}


# --- The school ----------------------------------------------------------------------------------


def test_the_board_reads_and_edits_the_school(school):
    board = api(school["users"]["principal"])
    got = board.get("/api/v1/school").json()
    assert got["name"] == "文源街道党校" and got["organization"]["name"] == "文源街道党工委"
    assert [seat["kind"] for seat in got["board"]] == ["principal"]
    changed = send(board, "patch", "/api/v1/school", {"address": "书院路1号"})
    assert changed.status_code == 200 and changed.json()["address"] == "书院路1号" and changed.json()["name"] == "文源街道党校"
    refused = send(board, "patch", "/api/v1/school", {"name": "  "})
    assert refused.status_code == 422 and refused.json()["errors"] == [{"field": "body.name", "message": "必填"}]
    assert send(api(school["users"]["secretary"]), "patch", "/api/v1/school", {"name": "改名"}).status_code == 404
    assert School.objects.get().name == "文源街道党校"


# --- Venues --------------------------------------------------------------------------------------


def test_venues_are_created_edited_and_retired(school):
    board = api(school["users"]["principal"])
    created = send(board, "post", "/api/v1/venues", venue_body(school["tree"]["C1"]))
    assert created.status_code == 201, created.content
    venue = created.json()
    assert (venue["tier"], venue["capacity"], venue["organization"]["id"], venue["retired_on"]) == (
        "site",
        40,
        school["tree"]["C1"].pk,
        None,
    )

    edited = send(board, "patch", f"/api/v1/venues/{venue['id']}", {"capacity": 60, "opening_hours": "每天"})
    assert edited.status_code == 200 and (edited.json()["capacity"], edited.json()["name"]) == (60, "湘林家园党群服务站")

    retired = send(board, "delete", f"/api/v1/venues/{venue['id']}")
    assert retired.status_code == 200 and retired.json()["is_active"] is False and retired.json()["retired_on"]
    assert Venue.objects.filter(pk=venue["id"]).exists()  # never deleted
    assert venue["id"] not in [v["id"] for v in board.get("/api/v1/venues").json()["items"]]
    assert venue["id"] in [v["id"] for v in board.get("/api/v1/venues", {"retired": "true"}).json()["items"]]
    again = send(board, "delete", f"/api/v1/venues/{venue['id']}")
    assert again.status_code == 422 and again.json()["detail"] == "该阵地已停用"
    assert send(board, "post", f"/api/v1/venues/{venue['id']}/reinstate").json()["is_active"] is True


@pytest.mark.parametrize(
    "over, field",
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": 10**30}, "capacity"),
        ({"latitude": 91}, "latitude"),
        ({"tier": "castle"}, "tier"),
        ({"name": ""}, "name"),
        ({"organization_id": 10**30}, "organization_id"),
    ],
)
def test_a_bad_venue_is_422_naming_the_field(school, over, field):
    response = send(api(school["users"]["principal"]), "post", "/api/v1/venues", venue_body(school["tree"]["C1"], **over))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [f"body.{field}"]
    assert not Venue.objects.filter(address="湘林家园3栋").exists()


def test_another_schools_ids_are_refused(school, elsewhere):
    board = api(school["users"]["principal"])
    foreign_org = send(board, "post", "/api/v1/venues", venue_body(elsewhere["root"]))
    assert foreign_org.status_code == 422 and foreign_org.json()["errors"][0]["field"] == "body.organization_id"
    foreign_partner = send(board, "post", "/api/v1/venues", venue_body(school["tree"]["C1"], partner_id=elsewhere["partner"].pk))
    assert foreign_partner.status_code == 422 and foreign_partner.json()["errors"][0]["field"] == "body.partner_id"
    for method, url in [
        ("patch", f"/api/v1/venues/{elsewhere['venue'].pk}"),
        ("delete", f"/api/v1/venues/{elsewhere['venue'].pk}"),
        ("patch", f"/api/v1/partners/{elsewhere['partner'].pk}"),
        ("delete", f"/api/v1/partners/{elsewhere['partner'].pk}"),
        ("get", f"/api/v1/agreements/{elsewhere['agreement'].pk}"),
        ("post", f"/api/v1/agreements/{elsewhere['agreement'].pk}/end"),
        ("post", f"/api/v1/agreements/{elsewhere['agreement'].pk}/renew"),
        ("get", f"/api/v1/plans/{elsewhere['plan'].pk}"),
        ("patch", f"/api/v1/plans/{elsewhere['plan'].pk}"),
        ("post", f"/api/v1/plans/{elsewhere['plan'].pk}/approve"),
    ]:
        assert send(board, method, url, {"reason": "x", "title": "改"}).status_code == 404, url
    elsewhere["venue"].refresh_from_db()
    elsewhere["agreement"].refresh_from_db()
    elsewhere["plan"].refresh_from_db()
    assert elsewhere["venue"].is_active and not elsewhere["agreement"].terminated and elsewhere["plan"].status == "draft"


def test_a_secretary_changes_only_the_venues_their_subtree_runs(school):
    committee = api(school["users"]["committee"])  # org admin on C1
    assert send(committee, "post", "/api/v1/venues", venue_body(school["tree"]["C2"])).status_code == 422
    assert send(committee, "post", "/api/v1/venues", venue_body(school["tree"]["C1-1"])).status_code == 201
    assert send(committee, "patch", f"/api/v1/venues/{school['small'].pk}", {"capacity": 8}).status_code == 200
    assert send(committee, "patch", f"/api/v1/venues/{school['main'].pk}", {"capacity": 8}).status_code == 404
    assert send(committee, "delete", f"/api/v1/venues/{school['main'].pk}").status_code == 404
    assert send(committee, "post", "/api/v1/partners", {"name": "单位", "kind": "enterprise"}).status_code == 404
    assert send(api(school["users"]["member"]), "post", "/api/v1/venues", venue_body(school["tree"]["C1"])).status_code == 404


# --- Partners and agreements ---------------------------------------------------------------------


def test_partners_and_agreements_are_created_renewed_ended_and_retired(school):
    board = api(school["users"]["principal"])
    partner = send(board, "post", "/api/v1/partners", {"name": "中南林业科技大学", "kind": "university"}).json()
    twice = send(board, "post", "/api/v1/partners", {"name": "中南林业科技大学", "kind": "university"})
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "body.name"
    assert send(board, "patch", f"/api/v1/partners/{partner['id']}", {"contact_name": "林老师"}).json()["contact_name"] == "林老师"

    body = {"title": "校地共建协议", "shares_talent": True, "signed_on": "2024-01-01", "starts_on": "2024-01-01", "ends_on": "2025-12-31"}
    backwards = send(board, "post", f"/api/v1/partners/{partner['id']}/agreements", {**body, "ends_on": "2023-01-01"})
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "body.ends_on"
    absurd = send(board, "post", f"/api/v1/partners/{partner['id']}/agreements", {**body, "ends_on": "9999-01-01"})
    assert absurd.status_code == 422
    old = send(board, "post", f"/api/v1/partners/{partner['id']}/agreements", body)
    assert old.status_code == 201 and old.json()["scopes"] == ["人才共育"]
    old = old.json()

    renewed = send(board, "post", f"/api/v1/agreements/{old['id']}/renew", {})
    assert renewed.status_code == 201, renewed.content
    new = renewed.json()
    assert new["renews_id"] == old["id"] and new["starts_on"] == "2026-01-01" and new["title"] == "校地共建协议"
    assert send(board, "post", f"/api/v1/agreements/{old['id']}/renew", {}).status_code == 422
    assert board.get(f"/api/v1/agreements/{old['id']}").json()["ended_on"] is None  # the old one keeps its history

    no_reason = send(board, "post", f"/api/v1/agreements/{new['id']}/end", {"reason": " "})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "body.reason"
    ended = send(board, "post", f"/api/v1/agreements/{new['id']}/end", {"reason": "机构调整", "on": str(timezone.localdate())})
    assert ended.status_code == 200 and ended.json()["status"] == "terminated" and ended.json()["ended_on"] == str(timezone.localdate())

    retired = send(board, "delete", f"/api/v1/partners/{partner['id']}")
    assert retired.status_code == 200 and retired.json()["retired_on"] == timezone.localdate().isoformat()
    assert [p["id"] for p in board.get("/api/v1/partners").json()["items"]] == []
    assert [p["id"] for p in board.get("/api/v1/partners", {"retired": "true"}).json()["items"]] == [partner["id"]]
    late = send(board, "post", f"/api/v1/partners/{partner['id']}/agreements", body)
    assert late.status_code == 422


# --- The plan ------------------------------------------------------------------------------------


def test_the_plan_is_written_submitted_returned_approved_and_read_against_the_records(school):
    board = api(school["users"]["principal"])
    year = timezone.localdate().year - 1
    body = {"year": year, "title": "年度计划", "goals": "培训", "target_person_times": 4, "target_study_hours": 32}
    created = send(board, "post", "/api/v1/plans", body)
    assert created.status_code == 201 and created.json()["status"] == "draft"
    plan_id = created.json()["id"]
    assert send(board, "post", "/api/v1/plans", body).status_code == 422  # one a year
    assert send(board, "post", "/api/v1/plans", {**body, "year": 1900}).status_code == 422
    assert send(board, "patch", f"/api/v1/plans/{plan_id}", {"target_person_times": 5}).json()["target_person_times"] == 5
    assert send(board, "post", f"/api/v1/plans/{plan_id}/submit").json()["status"] == "submitted"
    assert send(board, "patch", f"/api/v1/plans/{plan_id}", {"title": "改"}).status_code == 422
    returned = send(board, "post", f"/api/v1/plans/{plan_id}/return", {"note": "补充目标"})
    assert returned.json()["status"] == "returned" and returned.json()["review_note"] == "补充目标"
    send(board, "post", f"/api/v1/plans/{plan_id}/submit")
    approved = send(board, "post", f"/api/v1/plans/{plan_id}/approve")
    assert approved.json()["status"] == "approved" and approved.json()["approved_by"]
    assert send(board, "post", f"/api/v1/plans/{plan_id}/approve").status_code == 422

    cohort = make_cohort(school["school"], school["tree"]["WY"], plan_id=plan_id)
    start = datetime(year, 5, 1, 9, tzinfo=SHANGHAI)
    session = Session.objects.create(cohort=cohort, title="课", starts_at=start, ends_at=start + timedelta(hours=2))
    for member in school["members"]["c1_1"]:
        Attendance.objects.create(session=session, member=member, status="present")
    actual = board.get(f"/api/v1/plans/{plan_id}").json()["actual"]
    assert actual["person_times"] == 3 and actual["planned_cohorts"] == 1 and actual["planned_cohorts_run"] == 1
    assert Decimal(str(actual["study_hours"])) == 0
    assert [p["id"] for p in board.get("/api/v1/plans").json()["items"]] == [plan_id]
    # Staff read the plan; only the board changes it.
    secretary = api(school["users"]["secretary"])
    assert secretary.get(f"/api/v1/plans/{plan_id}").status_code == 200
    assert send(secretary, "post", "/api/v1/plans", {**body, "year": year + 1}).status_code == 404
    assert api(school["users"]["member"]).get(f"/api/v1/plans/{plan_id}").status_code == 404
