"""The dashboards' figures as JSON (the same selector as the home page) and the kiosk accounts' API."""

import pytest
from django.urls import reverse

from dangxiao.reports import aggregates
from dangxiao.reports.models import KioskAccount

from .conftest import login
from .factories import make_school

pytestmark = pytest.mark.django_db


def test_board_and_secretary_figures_as_json_follow_their_scope(people, django_assert_max_num_queries):
    make_school(people["tree"])
    aggregates.aggregates_refresh(2026)
    principal = login(people["users"]["principal"])
    with django_assert_max_num_queries(40):
        body = principal.get("/api/v1/dashboards/home").json()
    assert body["organization_id"] == people["tree"]["WY"].pk
    keys = {f["key"] for f in body["figures"]}
    assert {"person_times", "sessions_held", "at_risk", "leave_pending", "matters_overdue", "venues_active"} <= keys
    members = next(f for f in body["figures"] if f["key"] == "members")
    assert members["value"] == sum(r["members"] for r in body["compliance"])
    secretary = login(people["users"]["secretary"])
    mine = secretary.get("/api/v1/dashboards/home").json()
    assert mine["organization_id"] == people["tree"]["C1-1"].pk
    assert secretary.get("/api/v1/dashboards/home", {"org": people["tree"]["C2"].pk}).status_code == 404
    assert login(people["users"]["member"]).get("/api/v1/dashboards/home").status_code == 404


def test_kiosks_are_created_listed_and_retired_by_the_board_only(people):
    make_school(people["tree"])
    principal = login(people["users"]["principal"])
    created = principal.post("/api/v1/kiosks", {"name": "源课堂大屏"}, content_type="application/json")
    assert created.status_code == 201 and "/lobby/enter/" in created.json()["link"]
    kiosk_id = created.json()["id"]
    assert [k["id"] for k in principal.get("/api/v1/kiosks").json()] == [kiosk_id]
    secretary = login(people["users"]["secretary"])
    assert secretary.get("/api/v1/kiosks").status_code == 404
    assert secretary.post(f"/api/v1/kiosks/{kiosk_id}/retire").status_code == 404
    assert principal.post(f"/api/v1/kiosks/{kiosk_id}/retire").status_code == 200
    assert principal.post(f"/api/v1/kiosks/{kiosk_id}/retire").status_code == 422
    assert KioskAccount.objects.get(pk=kiosk_id).user.is_active is False
    assert principal.post("/api/v1/kiosks", {"name": ""}, content_type="application/json").status_code in (400, 422)
    assert reverse("kiosk_list")
