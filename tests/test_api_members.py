"""The API writes members as the pages do: add and edit with the import's checks, 转正, transfers (direct,
requested, accepted, refused), leaving; 404 out of scope, 422 with field errors, declared in OpenAPI."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from dangxiao.api.main import api as ninja_api
from dangxiao.people.models import Member, MemberTransfer

from .factories import make_member, make_user
from .test_api import api

pytestmark = pytest.mark.django_db
BASE = "/api/v1"


def post(client, url, body):
    return client.post(BASE + url, json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(BASE + url, json.dumps(body), content_type="application/json")


def test_a_member_is_added_and_edited_through_the_api(people):
    client = api(people["users"]["secretary"])
    created = post(
        client, "/members", {"organization_id": people["tree"]["C1-1"].pk, "name": "接口党员", "phone": "13912340000", "gender": "女"}
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["phone"] == "139****0000"  # masked as everywhere in the API
    edited = patch(client, f"/members/{pk}", {"occupation": "教师", "birth_date": "1990.05"})
    assert edited.status_code == 200 and edited.json()["occupation"] == "教师" and edited.json()["birth_date"] == "1990-05-01"
    assert Member.objects.get(pk=pk).name == "接口党员"  # untouched fields stay


def test_bad_values_are_a_422_naming_the_field_and_nothing_is_saved(people):
    client = api(people["users"]["secretary"])
    response = post(
        client,
        "/members",
        {"organization_id": people["tree"]["C1-1"].pk, "name": "坏数据", "phone": "1234", "id_number": "430103198503011234"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] and {e["field"] for e in body["errors"]} >= {"phone", "id_number"}
    assert any("不是有效的11位大陆手机号" in e["message"] for e in body["errors"])
    assert not Member.objects.filter(name="坏数据").exists()
    member = people["members"]["c1_1"][1]
    huge = patch(client, f"/members/{member.pk}", {"phone": 10**30})
    assert huge.status_code == 422


def test_out_of_scope_members_and_organisations_are_404(people):
    client = api(people["users"]["secretary"])
    other = people["members"]["c2_1"][0]
    assert patch(client, f"/members/{other.pk}", {"name": "x"}).status_code == 404
    assert post(client, "/members", {"organization_id": people["tree"]["C2-1"].pk, "name": "x", "phone": "13912340001"}).status_code == 404
    assert post(client, f"/members/{other.pk}/leave", {"left_on": "2026-01-01", "reason": "deceased"}).status_code == 404
    assert post(client, f"/members/{other.pk}/transfer", {"to_organization_id": people["tree"]["C1-1"].pk}).status_code == 404
    assert patch(client, f"/members/{2**70}", {"name": "x"}).status_code == 422
    assert api(people["users"]["member"]).post(BASE + "/members", "{}", content_type="application/json").status_code in (404, 422)


def test_confirmation_and_leaving_through_the_api(people):
    client = api(people["users"]["secretary"])
    member = make_member(people["tree"]["C1-1"], status="probationary", joined_party_on=date(2025, 3, 1))
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    confirmed = post(client, f"/members/{member.pk}/confirm", {"confirmed_on": day})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "full" and confirmed.json()["confirmed_on"] == day
    unknown = post(client, f"/members/{member.pk}/leave", {"left_on": day, "reason": "bored"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "reason"
    left = post(client, f"/members/{member.pk}/leave", {"left_on": day, "reason": "transferred_out", "note": "转往外省"})
    assert left.status_code == 200 and left.json()["left_on"] == day
    listed = client.get(BASE + "/members?page_size=500").json()
    assert member.pk not in {m["id"] for m in listed["items"]}


def test_an_administrator_cannot_record_their_own_leaving_and_lock_themselves_out(people):
    own = make_member(people["tree"]["C1-1"], phone="13900000077")
    client = api(make_user(role="org_admin", org=people["tree"]["C1"], member=own))
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    refused = post(client, f"/members/{own.pk}/leave", {"left_on": day, "reason": "transferred_out"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["message"] == "不能为自己登记离开，请由其他管理员办理"
    own.refresh_from_db()
    assert own.left_on is None and own.user.is_active and client.get(BASE + "/me").status_code == 200


@pytest.mark.parametrize("value", [False, 0, "5", "123456"])
def test_a_number_that_is_no_date_is_refused_with_a_message_not_a_server_error(people, value):
    member = make_member(people["tree"]["C1-1"])
    client = api(people["users"]["secretary"])
    response = client.patch(f"{BASE}/members/{member.pk}", json.dumps({"confirmed_on": value}), content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "confirmed_on"


def test_transfers_through_the_api_direct_requested_accepted_refused(people):
    tree = people["tree"]
    receiver = make_user("c2admin", role="org_admin", org=tree["C2"])
    committee = api(people["users"]["committee"])
    a, b, c = people["members"]["c1_1"][1], people["members"]["c1_1"][2], people["members"]["c1_2"][0]
    direct = post(committee, f"/members/{a.pk}/transfer", {"to_organization_id": tree["C1-2"].pk})
    assert direct.status_code == 201 and direct.json()["status"] == "accepted"
    requested = post(committee, f"/members/{b.pk}/transfer", {"to_organization_id": tree["C2-1"].pk, "note": "搬家"})
    assert requested.status_code == 201 and requested.json()["status"] == "pending"
    again = post(committee, f"/members/{b.pk}/transfer", {"to_organization_id": tree["N1"].pk})
    assert again.status_code == 422
    refused_request = post(committee, f"/members/{c.pk}/transfer", {"to_organization_id": tree["C2-1"].pk}).json()
    inbox = api(receiver).get(BASE + "/member-transfers").json()
    assert {t["member"]["id"] for t in inbox["incoming"]} == {b.pk, c.pk}
    assert post(committee, f"/member-transfers/{requested.json()['id']}/accept", {}).status_code == 404  # not the receiver
    accepted = post(api(receiver), f"/member-transfers/{requested.json()['id']}/accept", {})
    assert accepted.status_code == 200 and Member.objects.get(pk=b.pk).organization == tree["C2-1"]
    no_reason = post(api(receiver), f"/member-transfers/{refused_request['id']}/refuse", {"reason": " "})
    assert no_reason.status_code == 422
    refused = post(api(receiver), f"/member-transfers/{refused_request['id']}/refuse", {"reason": "不在本社区居住"})
    assert refused.status_code == 200 and Member.objects.get(pk=c.pk).organization == tree["C1-2"]
    assert MemberTransfer.objects.get(pk=refused_request["id"]).status == "refused"
    withdrawn_request = post(committee, f"/members/{c.pk}/transfer", {"to_organization_id": tree["C2-1"].pk}).json()
    assert (
        post(api(receiver), f"/member-transfers/{withdrawn_request['id']}/withdraw", {}).status_code == 404
    )  # the receiver refuses instead
    withdrawn = post(committee, f"/member-transfers/{withdrawn_request['id']}/withdraw", {})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


def test_the_member_writes_declare_their_errors_in_openapi():
    paths = ninja_api.get_openapi_schema()["paths"]
    for path, method in [
        ("/api/v1/members", "post"),
        ("/api/v1/members/{member_id}", "patch"),
        ("/api/v1/members/{member_id}/transfer", "post"),
        ("/api/v1/members/{member_id}/leave", "post"),
        ("/api/v1/members/{member_id}/confirm", "post"),
        ("/api/v1/member-transfers/{transfer_id}/accept", "post"),
        ("/api/v1/member-transfers/{transfer_id}/refuse", "post"),
        ("/api/v1/member-transfers/{transfer_id}/withdraw", "post"),
    ]:
        assert {404, 422} <= {int(code) for code in paths[path][method]["responses"]}, (path, method)


def test_the_api_export_can_write_the_national_layout(people):
    from io import BytesIO

    from openpyxl import load_workbook

    response = api(people["users"]["principal"]).get(BASE + "/members/export?layout=national")
    assert response.status_code == 200
    assert load_workbook(BytesIO(response.content)).active["C1"].value == "公民身份号码"
    assert api(people["users"]["principal"]).get(BASE + "/members/export?layout=bogus").status_code == 422


def test_the_api_refuses_a_roster_export_above_the_bound_with_the_reason(people, monkeypatch):
    from dangxiao.api import people as api_people

    monkeypatch.setattr(api_people, "MAX_EXPORT_ROWS", 2)
    response = api(people["users"]["principal"]).get(BASE + "/members/export")
    assert response.status_code == 422 and "超过接口单次导出上限 2 人" in response.json()["detail"]


def test_the_api_lists_members_who_left_only_when_asked(people):
    member = people["members"]["c1_1"][1]
    from dangxiao.people import member_services as ms

    ms.member_leave(people["users"]["secretary"], member, on=timezone.localdate(), reason="deceased")
    client = api(people["users"]["secretary"])
    assert member.pk not in {m["id"] for m in client.get(BASE + "/members").json()["items"]}
    assert [m["id"] for m in client.get(BASE + "/members?left=true").json()["items"]] == [member.pk]
