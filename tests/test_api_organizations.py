"""Writing organisations and roles over the API: scoped like the pages (404 outside), 422 with the reason."""

import json
from io import BytesIO

import pytest
from openpyxl import load_workbook

from dangxiao.api.main import api as ninja_api
from dangxiao.core.models import AuditEvent
from dangxiao.people.models import Organization, Role

from .factories import make_user
from .test_api import api
from .test_org_tree_import import NEW, xlsx

pytestmark = pytest.mark.django_db

BRANCH = {"name": "青山祠社区第三党支部", "code": "C1-3", "kind": "branch", "unit_type": "community"}


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


def test_create_rename_move_and_dissolve_an_organisation(people):
    client = api(people["users"]["principal"])
    created = post(client, "/api/v1/organizations", {"parent_id": people["tree"]["C1"].pk, **BRANCH})
    assert created.status_code == 201
    body = created.json()
    assert body["parent_id"] == people["tree"]["C1"].pk and body["kind_label"] == "党支部"
    org_id = body["id"]
    renamed = patch(client, f"/api/v1/organizations/{org_id}", {"name": "青山祠社区新党支部", "code": "C1-9"})
    assert renamed.status_code == 200 and (renamed.json()["name"], renamed.json()["code"]) == ("青山祠社区新党支部", "C1-9")
    moved = post(client, f"/api/v1/organizations/{org_id}/move", {"parent_id": people["tree"]["C2"].pk})
    assert moved.status_code == 200 and moved.json()["parent_id"] == people["tree"]["C2"].pk
    dissolved = post(client, f"/api/v1/organizations/{org_id}/dissolve", {"reason": "并入第一支部"})
    assert dissolved.status_code == 200 and dissolved.json()["dissolved_reason"] == "并入第一支部"
    assert Organization.objects.get(pk=org_id).dissolved_on is not None  # kept, for history
    assert {"org_create", "org_update", "org_move", "org_dissolve"} <= set(AuditEvent.objects.values_list("action", flat=True))
    assert org_id not in [o["id"] for o in client.get("/api/v1/organizations").json()[0]["children"]]


def test_refusals_are_422_with_the_field_and_the_reason(people):
    client = api(people["users"]["principal"])
    taken = post(client, "/api/v1/organizations", {"parent_id": people["tree"]["C1"].pk, **BRANCH, "code": "C2"})
    assert taken.status_code == 422
    assert taken.json() == {"detail": "组织编码“C2”已被使用", "errors": [{"field": "body.code", "message": "组织编码“C2”已被使用"}]}
    loop = post(client, f"/api/v1/organizations/{people['tree']['C1'].pk}/move", {"parent_id": people["tree"]["C1-1"].pk})
    assert loop.status_code == 422 and loop.json()["errors"][0]["field"] == "body.parent_id"
    busy = post(client, f"/api/v1/organizations/{people['tree']['C1-1'].pk}/dissolve", {"reason": "合并"})
    assert busy.status_code == 422 and "还有 3 名党员" in busy.json()["detail"]
    deleted = client.delete(f"/api/v1/organizations/{people['tree']['C1-1'].pk}?reason=合并")
    assert deleted.status_code == 422 and Organization.objects.get(code="C1-1").dissolved_on is None
    bad_kind = post(client, "/api/v1/organizations", {"parent_id": people["tree"]["C1"].pk, **BRANCH, "kind": "cell"})
    assert bad_kind.status_code == 422 and bad_kind.json()["errors"][0]["field"] == "body.kind"
    huge = post(client, "/api/v1/organizations", {"parent_id": 2**70, **BRANCH})
    assert huge.status_code == 422


def test_organisations_outside_the_subtree_are_404(people):
    client = api(people["users"]["secretary"])
    c2 = people["tree"]["C2"]
    assert post(client, "/api/v1/organizations", {"parent_id": c2.pk, **BRANCH}).status_code == 404
    assert patch(client, f"/api/v1/organizations/{c2.pk}", {"name": "改名"}).status_code == 404
    assert post(client, f"/api/v1/organizations/{people['tree']['C1-1'].pk}/move", {"parent_id": c2.pk}).status_code == 404
    assert post(client, f"/api/v1/organizations/{c2.pk}/dissolve", {"reason": "x"}).status_code == 404
    assert api(people["users"]["member"]).get("/api/v1/organization-tree/export").status_code == 404
    assert Organization.objects.get(pk=c2.pk).name == "赤岭路社区党委"


def test_the_tree_imports_and_exports_over_the_api(people):
    client = api(people["users"]["principal"])
    preview = client.post("/api/v1/organization-tree/import", {"file": BytesIO(xlsx(NEW)), "dry_run": "true"})
    assert preview.status_code == 200 and preview.json()["created"] == 4 and not preview.json()["committed"]
    done = client.post("/api/v1/organization-tree/import", {"file": BytesIO(xlsx(NEW))})
    assert done.json()["committed"] and Organization.objects.filter(code="C3-1-1").exists()
    again = client.post("/api/v1/organization-tree/import", {"file": BytesIO(xlsx(NEW))})
    assert again.json()["unchanged"] == 4
    exported = client.get("/api/v1/organization-tree/export")
    codes = [r[0] for r in load_workbook(BytesIO(exported.content)).active.iter_rows(min_row=2, values_only=True)]
    assert "C3-1-1" in codes and codes[0] == "WY"


def test_roles_are_granted_listed_and_withdrawn_within_rank_and_scope(people):
    client = api(people["users"]["committee"])
    member = people["members"]["c1_2"][0]
    granted = post(client, "/api/v1/roles", {"organization_id": people["tree"]["C1-2"].pk, "kind": "org_admin", "member_id": member.pk})
    assert granted.status_code == 201 and granted.json()["temporary_password"]
    listed = client.get("/api/v1/roles", {"organization_id": people["tree"]["C1-2"].pk}).json()
    assert [r["username"] for r in listed["items"]] == [member.phone]
    above = post(client, "/api/v1/roles", {"organization_id": people["tree"]["WY"].pk, "kind": "dean", "member_id": member.pk})
    assert above.status_code == 404  # WY is above the committee's subtree
    board = post(client, "/api/v1/roles", {"organization_id": people["tree"]["C1"].pk, "kind": "dean", "member_id": member.pk})
    assert board.status_code == 422 and board.json()["errors"][0]["field"] == "body.kind"
    outsider = people["members"]["c2_1"][0]
    assert (
        post(client, "/api/v1/roles", {"organization_id": people["tree"]["C1"].pk, "kind": "teacher", "member_id": outsider.pk}).status_code
        == 404
    )
    role_id = granted.json()["id"]
    assert client.delete(f"/api/v1/roles/{role_id}").status_code == 204 and not Role.objects.filter(pk=role_id).exists()
    own = Role.objects.get(user=people["users"]["committee"])
    refused = client.delete(f"/api/v1/roles/{own.pk}")
    assert refused.status_code == 422 and refused.json()["detail"] == "不能撤销自己唯一的管理角色"
    principal_role = Role.objects.get(user=people["users"]["principal"])
    assert client.delete(f"/api/v1/roles/{principal_role.pk}").status_code == 404
    assert client.get("/api/v1/roles", {"organization_id": people["tree"]["WY"].pk}).status_code == 404
    assert "文源街道党工委" not in client.get("/api/v1/roles").content.decode()


def test_a_vice_principal_cannot_appoint_a_vice_principal(people):
    vice = make_user("vice", role="vice_principal", org=people["tree"]["WY"])
    body = {"organization_id": people["tree"]["WY"].pk, "kind": "vice_principal", "member_id": people["members"]["c1_1"][1].pk}
    response = post(api(vice), "/api/v1/roles", body)
    assert response.status_code == 422 and "副校长" in response.json()["detail"]


def test_each_write_declares_its_error_responses():
    paths = ninja_api.get_openapi_schema()["paths"]
    for path, method in [
        ("/api/v1/organizations", "post"),
        ("/api/v1/organizations/{org_id}", "patch"),
        ("/api/v1/organizations/{org_id}", "delete"),
        ("/api/v1/organizations/{org_id}/move", "post"),
        ("/api/v1/organizations/{org_id}/dissolve", "post"),
        ("/api/v1/roles", "post"),
        ("/api/v1/working-committees", "post"),
        ("/api/v1/roles/{role_id}", "delete"),
    ]:
        assert {"404", "422"} <= {str(code) for code in paths[path][method]["responses"]}, (path, method)


def test_a_superuser_creates_a_working_committee_with_its_school_and_principal(people):
    body = {
        "name": "湘江街道党工委",
        "code": "XJ",
        "school_name": "湘江党校",
        "principal_username": "13900000077",
        "principal_name": "周校长",
    }
    created = post(api(people["users"]["superuser"]), "/api/v1/working-committees", body)
    assert created.status_code == 201 and created.json()["temporary_password"]
    committee = Organization.objects.get(code="XJ")
    assert committee.is_root() and committee.school.pk == created.json()["school_id"]
    assert Role.objects.get(organization=committee).user.username == "13900000077"
    again = post(api(people["users"]["superuser"]), "/api/v1/working-committees", body)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "body.code"
    assert post(api(people["users"]["principal"]), "/api/v1/working-committees", {**body, "code": "XJ2"}).status_code == 404
