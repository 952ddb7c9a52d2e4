"""The liaison API (/api/v1/liaison/…): compounds, categories and matters in the caller's scope, the
lifecycle through the API, the reporter's phone masked unless revealed (audited)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.liaison import services
from dangxiao.liaison.models import Matter

from .test_api import api

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


def post(client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json")


def report(liaison, compound="a", **kw) -> Matter:
    household = liaison["households"]["1栋"][0] if compound == "a" else liaison["b_households"][0]
    return services.matter_report(
        liaison[compound],
        category=liaison["categories"][kw.pop("category", "e_bike_charging")],
        description=kw.pop("description", "楼道里有人拉线给电动车充电"),
        household=household,
        reporter_name="陈阿姨",
        reporter_phone=PHONE,
        source=Matter.Source.GRID,
        **kw,
    )


def test_compounds_and_categories(liaison):
    report(liaison)
    body = api(liaison["users"]["neighbour"]).get("/api/v1/liaison/compounds").json()
    assert body["count"] == 1 and body["items"][0]["name"] == "青山苑" and body["items"][0]["open_matters"] == 1
    assert body["items"][0]["community"]["name"] == "青山祠社区党委"
    principal = api(liaison["users"]["principal"]).get("/api/v1/liaison/compounds").json()
    assert {c["name"] for c in principal["items"]} == {"青山苑", "赤岭小区"}
    assert api(liaison["users"]["secretary"]).get("/api/v1/liaison/compounds").json()["count"] == 0
    categories = api(liaison["users"]["neighbour"]).get("/api/v1/liaison/categories").json()
    assert categories[0]["code"] == "e_bike_charging" and categories[0]["respond_hours"] == 12


def test_matters_are_listed_in_scope_and_filter(liaison):
    mine = report(liaison)
    lighting = report(liaison, category="lighting")
    theirs = report(liaison, "b")
    services.matter_accept(lighting, liaison["users"]["neighbour"])
    neighbour = api(liaison["users"]["neighbour"])
    body = neighbour.get("/api/v1/liaison/matters").json()
    assert body["count"] == 2 and {m["id"] for m in body["items"]} == {mine.pk, lighting.pk}
    item = next(m for m in body["items"] if m["id"] == mine.pk)
    assert item["state"] == "reported" and item["state_label"] == "待受理" and item["state_type"] == "open"
    assert item["assigned_to"] == "邻长 李邻长" and item["category"] == {"code": "e_bike_charging", "name": "电动车充电"}
    assert "reporter_phone" not in item and PHONE not in str(body)

    def ids(**params):
        return [m["id"] for m in neighbour.get("/api/v1/liaison/matters", params).json()["items"]]

    assert ids(state="accepted") == [lighting.pk]
    assert ids(category="e_bike_charging") == [mine.pk]
    assert ids(state_type="fixed") == []
    assert ids(compound=liaison["b"].pk) == []
    assert ids(page_size=1, page=2) == [mine.pk]
    principal = api(liaison["users"]["principal"])
    assert theirs.pk in [m["id"] for m in principal.get("/api/v1/liaison/matters").json()["items"]]


def test_overdue_filter(liaison):
    late = report(liaison, now=timezone.now() - timedelta(days=2))
    fresh = report(liaison, category="lighting")
    client = api(liaison["users"]["chief"])
    overdue = client.get("/api/v1/liaison/matters", {"overdue": "true"}).json()["items"]
    assert [m["id"] for m in overdue] == [late.pk] and overdue[0]["overdue"] is True
    assert [m["id"] for m in client.get("/api/v1/liaison/matters", {"overdue": "false"}).json()["items"]] == [fresh.pk]


def test_detail_masks_the_phone_and_a_reveal_is_audited(liaison):
    matter = report(liaison)
    client = api(liaison["users"]["neighbour"])
    body = client.get(f"/api/v1/liaison/matters/{matter.pk}").json()
    assert body["reporter_name"] == "陈阿姨" and body["reporter_phone"] == "138****5678" and body["phone_revealed"] is False
    assert body["household"]["name"] == "1单元101" and [u["kind"] for u in body["updates"]] == ["reported"]
    assert not AuditEvent.objects.exists()
    revealed = client.get(f"/api/v1/liaison/matters/{matter.pk}", {"reveal": "1"}).json()
    assert revealed["reporter_phone"] == PHONE and revealed["phone_revealed"] is True
    event = AuditEvent.objects.get()
    assert event.action == "reveal" and event.object_type == "matter" and event.object_id == str(matter.pk)
    assert event.actor == liaison["users"]["neighbour"]


@pytest.mark.parametrize("who", ["b_chief", "secretary", "member", "teacher"])
def test_a_matter_of_another_compound_is_not_found(liaison, who):
    matter = report(liaison)
    client = api(liaison["users"][who])
    assert client.get(f"/api/v1/liaison/matters/{matter.pk}").status_code == 404
    assert client.get(f"/api/v1/liaison/matters/{matter.pk}", {"reveal": "1"}).status_code == 404
    for action, data in [
        ("accept", {}),
        ("assign", {"role_id": liaison["roles"]["n2"].pk}),
        ("state", {"state": "in_progress"}),
        ("resolve", {"households_benefited": 3}),
        ("notes", {"note": "x"}),
    ]:
        assert post(client, f"/api/v1/liaison/matters/{matter.pk}/{action}", data).status_code == 404, action
    matter.refresh_from_db()
    assert matter.state == "reported" and matter.updates.count() == 1 and not AuditEvent.objects.exists()
    assert client.get("/api/v1/liaison/matters").json()["count"] == 0


def test_recording_on_a_residents_behalf(liaison):
    client = api(liaison["users"]["neighbour"])
    data = {
        "compound_id": liaison["a"].pk,
        "category": "roads_ramps",
        "description": "单元门口台阶太高，老人推车不便",
        "household_id": liaison["households"]["1栋"][2].pk,
        "reporter_name": "刘大爷",
        "reporter_phone": "13700001234",
    }
    response = post(client, "/api/v1/liaison/matters", data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "accepted" and body["source"] == "api" and body["reporter_phone"] == "137****1234"
    matter = Matter.objects.get(pk=body["id"])
    assert matter.recorded_by == liaison["users"]["neighbour"] and matter.building == liaison["households"]["1栋"][2].building
    # Another compound, another compound's household, an unknown category: not found.
    assert post(client, "/api/v1/liaison/matters", {**data, "compound_id": liaison["b"].pk}).status_code == 404
    assert post(client, "/api/v1/liaison/matters", {**data, "household_id": liaison["b_households"][0].pk}).status_code == 404
    assert post(client, "/api/v1/liaison/matters", {**data, "category": "nope"}).status_code == 404
    refused = post(client, "/api/v1/liaison/matters", {**data, "reporter_phone": "12345"})
    assert refused.status_code == 400 and "手机号码" in refused.json()["detail"]
    assert post(client, "/api/v1/liaison/matters", {"compound_id": liaison["a"].pk}).status_code == 422
    assert Matter.objects.count() == 1


def test_the_lifecycle_through_the_api(liaison):
    matter = report(liaison)
    neighbour, group = api(liaison["users"]["neighbour"]), api(liaison["users"]["group"])
    base = f"/api/v1/liaison/matters/{matter.pk}"
    accepted = post(neighbour, f"{base}/accept", {"note": "收到"})
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    again = post(neighbour, f"{base}/accept")
    assert again.status_code == 400 and again.json() == {"detail": "事项已受理过了"}
    assigned = post(neighbour, f"{base}/assign", {"role_id": liaison["roles"]["group"].pk, "note": "请组长协调物业"})
    assert assigned.json()["state"] == "assigned" and assigned.json()["assigned_role_id"] == liaison["roles"]["group"].pk
    to_party = post(group, f"{base}/assign", {"party_id": liaison["parties"]["property"].pk})
    assert to_party.json()["assigned_to"] == "物业 青山苑物业服务中心"
    to_member = post(group, f"{base}/assign", {"member_id": liaison["members"]["c1_2"][0].pk})
    assert to_member.status_code == 200 and to_member.json()["assigned_member_id"] == liaison["members"]["c1_2"][0].pk
    assert post(group, f"{base}/assign", {"member_id": liaison["members"]["c2_1"][0].pk}).status_code == 404
    assert post(group, f"{base}/assign", {"party_id": 999999}).status_code == 404
    assert post(group, f"{base}/assign", {}).status_code == 400
    progress = post(group, f"{base}/state", {"state": "in_progress", "note": "已联系物业"})
    assert progress.json()["state"] == "in_progress"
    assert post(group, f"{base}/state", {"state": "resolved"}).status_code == 400
    note = post(group, f"{base}/notes", {"note": "物业答应周五装充电桩"})
    assert note.status_code == 200 and note.json()["updates"][-1]["public"] is False
    assert post(group, f"{base}/resolve", {"households_benefited": 0}).status_code == 400
    resolved = post(group, f"{base}/resolve", {"households_benefited": 6, "note": "已安装充电桩"})
    body = resolved.json()
    assert body["state"] == "resolved" and body["state_type"] == "fixed" and body["households_benefited"] == 6
    assert post(group, f"{base}/notes", {"note": "回访"}).status_code == 200
    assert post(group, f"{base}/state", {"state": "in_progress"}).status_code == 400


def test_closing_needs_a_reason_and_merging_joins_a_duplicate(liaison):
    first, second = report(liaison), report(liaison)
    client = api(liaison["users"]["chief"])
    refused = post(client, f"/api/v1/liaison/matters/{first.pk}/state", {"state": "withdrawn"})
    assert refused.status_code == 400 and "原因" in refused.json()["detail"]
    merged = post(client, f"/api/v1/liaison/matters/{second.pk}/merge", {"into_id": first.pk})
    assert merged.status_code == 200 and merged.json()["state"] == "duplicate" and merged.json()["duplicate_of_id"] == first.pk
    assert post(client, f"/api/v1/liaison/matters/{first.pk}/merge", {"into_id": first.pk}).status_code == 400
    other = report(liaison, "b")
    assert post(client, f"/api/v1/liaison/matters/{first.pk}/merge", {"into_id": other.pk}).status_code == 404


def test_list_endpoints_keep_to_a_query_budget(liaison, django_assert_max_num_queries):
    for i in range(8):
        matter = report(liaison, category="lighting" if i % 2 else "e_bike_charging")
        services.matter_assign(
            matter, None, party=liaison["parties"]["owners"] if i % 2 else None, role=None if i % 2 else liaison["roles"]["n2"]
        )
    client = api(liaison["users"]["committee"])
    client.get("/api/v1/me")
    for url in ("/api/v1/liaison/matters", "/api/v1/liaison/compounds", "/api/v1/liaison/categories"):
        with django_assert_max_num_queries(10):
            assert client.get(url).status_code == 200, url
    matter = Matter.objects.first()
    with django_assert_max_num_queries(12):
        assert len(client.get(f"/api/v1/liaison/matters/{matter.pk}").json()["updates"]) == 2


def test_openapi_lists_the_liaison_paths(liaison):
    paths = api(liaison["users"]["principal"]).get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/liaison/matters", "/api/v1/liaison/matters/{matter_id}/resolve", "/api/v1/liaison/compounds"):
        assert path in paths
