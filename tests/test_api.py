"""The JSON API: tokens, scoping identical to the pages, masking, import, OpenAPI."""

from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from dangxiao.core.models import AuditEvent
from dangxiao.people.models import ApiToken, Member

from .factories import PASSWORD
from .test_roster_import import HEADERS, row, xlsx

pytestmark = pytest.mark.django_db


def token_for(user) -> str:
    response = Client().post("/api/v1/auth/token", {"username": user.username, "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def api(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_for(user)}"})


def test_token_sign_in_and_revoke(people):
    token = token_for(people["users"]["secretary"])
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/me").json()["roles"] == ["org_admin"]
    assert client.delete("/api/v1/auth/token").status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_wrong_password_gets_no_token(people):
    response = Client().post("/api/v1/auth/token", {"username": "secretary", "password": "nope"}, content_type="application/json")
    assert response.status_code == 401 and "token" not in response.json()


def test_no_token_or_a_forged_one_is_401(people):
    assert Client().get("/api/v1/members").status_code == 401
    assert Client(headers={"Authorization": "Bearer forged"}).get("/api/v1/members").status_code == 401


def test_members_are_paginated_filtered_masked_and_scoped(people):
    client = api(people["users"]["committee"])
    body = client.get("/api/v1/members", {"page_size": 2}).json()
    assert body["count"] == 5 and len(body["items"]) == 2
    item = body["items"][0]
    assert "****" in item["phone"] and len(item["phone"]) == 11
    names = {m["name"] for m in client.get("/api/v1/members", {"page_size": 50}).json()["items"]}
    assert names == {m.name for m in people["members"]["c1_1"] + people["members"]["c1_2"]}
    only_c1_2 = client.get("/api/v1/members", {"organization": people["tree"]["C1-2"].pk}).json()
    assert only_c1_2["count"] == 2
    flagged = api(people["users"]["principal"]).get("/api/v1/members", {"is_new_employment": "true"}).json()
    assert {m["name"] for m in flagged["items"]} == {m.name for m in people["members"]["n1"]}


@pytest.mark.parametrize(
    "role, group, status",
    [("secretary", "c1_1", 200), ("secretary", "c2_1", 404), ("committee", "n1", 404), ("principal", "n1", 200), ("member", "c1_2", 404)],
)
def test_member_detail_scoping(people, role, group, status):
    member = people["members"][group][1]
    assert api(people["users"][role]).get(f"/api/v1/members/{member.pk}").status_code == status


def test_member_list_for_an_out_of_scope_organisation_is_404(people):
    assert api(people["users"]["secretary"]).get("/api/v1/members", {"organization": people["tree"]["N1"].pk}).status_code == 404


def test_member_and_teacher_get_no_roster(people):
    assert api(people["users"]["member"]).get("/api/v1/members").status_code == 404
    assert api(people["users"]["teacher"]).get("/api/v1/members").status_code == 404


def test_member_reads_own_record(people):
    own = people["members"]["c1_1"][0]
    assert api(people["users"]["member"]).get(f"/api/v1/members/{own.pk}").json()["name"] == own.name


def test_organisation_tree_has_kinds_and_is_scoped(people):
    tree = api(people["users"]["principal"]).get("/api/v1/organizations").json()
    assert [n["kind"] for n in tree] == ["working_committee"]
    assert {c["code"] for c in tree[0]["children"]} == {"C1", "C2", "N1"}
    committee = api(people["users"]["committee"]).get("/api/v1/organizations").json()
    assert [n["code"] for n in committee] == ["C1"] and {c["code"] for c in committee[0]["children"]} == {"C1-1", "C1-2"}
    assert api(people["users"]["committee"]).get(f"/api/v1/organizations/{people['tree']['C2'].pk}").status_code == 404
    detail = api(people["users"]["committee"]).get(f"/api/v1/organizations/{people['tree']['C1-2'].pk}").json()
    assert detail["kind"] == "branch" and detail["member_count"] == 2


def test_reveal_through_the_api_is_audited(people):
    member = people["members"]["c1_1"][1]
    response = api(people["users"]["secretary"]).post(f"/api/v1/members/{member.pk}/reveal")
    assert response.json()["phone"] == member.phone
    assert AuditEvent.objects.filter(action="reveal", object_id=str(member.pk)).count() == 1


def test_import_template_is_an_xlsx_with_chinese_headers(people):
    response = api(people["users"]["secretary"]).get("/api/v1/members/import-template")
    assert response.status_code == 200
    assert [c.value for c in load_workbook(BytesIO(response.content)).active[1]] == HEADERS


def upload(client, data: bytes, **extra):
    f = BytesIO(data)
    f.name = "roster.xlsx"
    return client.post("/api/v1/members/import", {"file": f, **extra})


def test_import_with_an_error_is_422_and_writes_nothing(people):
    client = api(people["users"]["secretary"])
    response = upload(client, xlsx([row(1), row(2, **{"手机号码": "12"})]))
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == [{"row": 3, "column": "手机号码", "message": body["errors"][0]["message"]}]
    assert "手机号" in body["errors"][0]["message"]
    assert not Member.objects.filter(phone="15900000001").exists()


def test_import_dry_run_then_commit_then_repeat(people):
    client = api(people["users"]["secretary"])
    data = xlsx([row(1), row(2)])
    dry = upload(client, data, dry_run="true").json()
    assert (dry["created"], dry["committed"]) == (2, False) and not Member.objects.filter(phone="15900000001").exists()
    done = upload(client, data).json()
    assert (done["created"], done["updated"], done["committed"]) == (2, 0, True)
    again = upload(client, data).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


def test_import_of_a_broken_file_is_422(people):
    response = upload(api(people["users"]["secretary"]), b"garbage")
    assert response.status_code == 422 and response.json()["errors"][0]["row"] == 0


def test_openapi_document_lists_the_endpoints(db):
    doc = Client().get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/auth/token",
        "/api/v1/members",
        "/api/v1/members/{member_id}",
        "/api/v1/organizations",
        "/api/v1/members/import",
        "/api/v1/members/import-template",
    ):
        assert path in doc["paths"], path
    assert any("Bearer" in str(s) or s.get("scheme") == "bearer" for s in doc["components"]["securitySchemes"].values())


def test_session_auth_needs_csrf_for_writes(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["users"]["secretary"])
    assert client.get("/api/v1/members").status_code == 200
    member = people["members"]["c1_1"][1]
    assert client.post(f"/api/v1/members/{member.pk}/reveal").status_code in (401, 403)
