"""Organisations managed in pages: add a child, edit, move a branch (its subtree and roles follow), dissolve."""

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.people import organizations
from dangxiao.people.models import Member, Organization, Role

from .conftest import login
from .factories import make_member

pytestmark = pytest.mark.django_db

CHILD = {
    "child-name": "青山祠社区第三党支部",
    "child-short_name": "三支部",
    "child-code": "C1-3",
    "child-kind": "branch",
    "child-unit_type": "community",
}


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def edit(o: Organization, **change) -> dict:
    data = {f"edit-{k}": getattr(o, k) for k in ("name", "short_name", "code", "kind", "unit_type")}
    return data | {f"edit-{k}": v for k, v in change.items()}


def test_the_organisation_page_offers_each_action_within_a_query_budget(people, django_assert_max_num_queries):
    client = login(people["users"]["principal"])
    with django_assert_max_num_queries(16):
        body = client.get(reverse("people:organization_detail", args=[people["tree"]["C1"].pk])).content.decode()
    for form in ("edit-form", "child-form", "move-form", "dissolve-form", "grant-form"):
        assert f'id="{form}"' in body
    assert "青山祠社区第一党支部" in body  # a child


def test_a_secretary_adds_a_group_under_their_branch_and_it_is_audited(people):
    client = login(people["users"]["committee"])
    response = client.post(reverse("people:organization_add_child", args=[people["tree"]["C1"].pk]), CHILD)
    new = org("C1-3")
    assert response.status_code == 302 and response.url == reverse("people:organization_detail", args=[new.pk])
    assert Organization.objects.get_parent(new) == people["tree"]["C1"] and new.short_name == "三支部"
    assert AuditEvent.objects.filter(action="org_create", organization_id=new.pk).exists()
    assert "青山祠社区第三党支部" in client.get(reverse("people:organization_list")).content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"child-code": "C2"}, "组织编码“C2”已被使用"),
        ({"child-code": "有 空格"}, "组织编码只能由"),
        ({"child-kind": "working_committee"}, "党委下不能设立党工委"),
        ({"child-name": ""}, "这个字段是必填项"),
    ],
)
def test_a_bad_new_organisation_is_refused_with_the_reason(people, change, message):
    response = login(people["users"]["principal"]).post(
        reverse("people:organization_add_child", args=[people["tree"]["C1"].pk]), {**CHILD, **change}
    )
    assert response.status_code == 422 and message in response.content.decode()
    assert not Organization.objects.filter(name="青山祠社区第三党支部").exists()


def test_no_organisation_under_a_party_group(people):
    group = Organization.objects.add_child(
        people["tree"]["C1-1"], instance=Organization(name="第一党小组", code="G1", kind="group", unit_type="community")
    )
    response = login(people["users"]["principal"]).post(
        reverse("people:organization_add_child", args=[group.pk]), {**CHILD, "child-kind": "group"}
    )
    assert response.status_code == 422 and "党小组下不能设立党小组" in response.content.decode()


def test_rename_and_recode_keep_members_and_roles(people):
    c1 = people["tree"]["C1"]
    response = login(people["users"]["principal"]).post(
        reverse("people:organization_edit", args=[c1.pk]), edit(c1, name="青山祠社区党委（新）", code="QSC")
    )
    assert response.status_code == 302
    c1.refresh_from_db()
    assert (c1.name, c1.code) == ("青山祠社区党委(新)", "QSC")  # folded as the roster import folds the names it looks up
    assert Role.objects.filter(organization=c1, kind="org_admin").exists()
    event = AuditEvent.objects.get(action="org_update")
    assert event.detail["before"] == {"name": "青山祠社区党委", "code": "C1"}


def test_a_root_stays_a_working_committee_and_a_committee_with_branches_stays_one_that_can_hold_them(people):
    client = login(people["users"]["principal"])
    wy, c1 = people["tree"]["WY"], people["tree"]["C1"]
    refused = client.post(reverse("people:organization_edit", args=[wy.pk]), edit(wy, kind="committee"))
    assert refused.status_code == 422 and "最上级组织只能是党工委" in refused.content.decode()
    refused = client.post(reverse("people:organization_edit", args=[c1.pk]), edit(c1, kind="branch"))
    assert refused.status_code == 422 and "下级组织中有党支部，不能改为党支部" in refused.content.decode()
    assert org("C1").kind == "committee"


def test_moving_a_branch_takes_its_subtree_roles_and_members_along(people):
    """The secretary of the moved branch still sees it; the old parent's administrator no longer does."""
    branch, new_parent = people["tree"]["C1-1"], people["tree"]["C2"]
    group = Organization.objects.add_child(branch, instance=Organization(name="第一党小组", code="G1", kind="group", unit_type="community"))
    in_group = make_member(org("G1"))
    response = login(people["users"]["principal"]).post(reverse("people:organization_move", args=[branch.pk]), {"parent": new_parent.pk})
    assert response.status_code == 302
    branch = org("C1-1")
    assert (
        Organization.objects.get_parent(branch) == new_parent
        and Organization.objects.get_parent(org("G1")) == branch
        and group.pk == org("G1").pk
    )
    secretary, old_admin = login(people["users"]["secretary"]), login(people["users"]["committee"])
    assert secretary.get(reverse("people:organization_detail", args=[branch.pk])).status_code == 200
    assert secretary.get(reverse("people:member_detail", args=[in_group.pk])).status_code == 200
    assert old_admin.get(reverse("people:organization_detail", args=[branch.pk])).status_code == 404
    assert old_admin.get(reverse("people:member_detail", args=[people["members"]["c1_1"][1].pk])).status_code == 404
    assert "青山祠社区第一党支部" not in old_admin.get(reverse("people:organization_list")).content.decode()
    assert AuditEvent.objects.filter(action="org_move", organization_id=branch.pk).exists()


def test_a_branch_cannot_move_under_itself_or_its_descendants(people):
    c1 = people["tree"]["C1"]
    client = login(people["users"]["principal"])
    for target in (c1, people["tree"]["C1-1"]):
        response = client.post(reverse("people:organization_move", args=[c1.pk]), {"parent": target.pk})
        assert response.status_code == 422
    assert Organization.objects.get_parent(org("C1")) == people["tree"]["WY"]


def test_an_administrator_cannot_move_a_branch_out_of_their_subtree(people):
    client = login(people["users"]["committee"])
    response = client.post(reverse("people:organization_move", args=[people["tree"]["C1-1"].pk]), {"parent": people["tree"]["C2"].pk})
    assert response.status_code == 404  # C2 is not among the organisations they manage
    assert Organization.objects.get_parent(org("C1-1")) == people["tree"]["C1"]
    # Nor move something outside it at all.
    assert (
        client.post(reverse("people:organization_move", args=[people["tree"]["C2-1"].pk]), {"parent": people["tree"]["C1"].pk}).status_code
        == 404
    )


def test_dissolving_an_organisation_with_members_is_refused_with_the_reason(people):
    branch = people["tree"]["C1-2"]
    client = login(people["users"]["principal"])
    page = client.get(reverse("people:organization_detail", args=[branch.pk])).content.decode()
    assert "还有 2 名党员，请先转出" in page
    response = client.post(reverse("people:organization_dissolve", args=[branch.pk]), {"reason": "合并"})
    assert response.status_code == 422 and "不能撤销：还有 2 名党员，请先转出" in response.content.decode()
    assert org("C1-2").dissolved_on is None
    refused = client.post(reverse("people:organization_dissolve", args=[people["tree"]["C1"].pk]), {"reason": "合并"})
    assert "还有 2 个下级组织" in refused.content.decode()


def test_an_empty_organisation_is_dissolved_kept_for_history_and_out_of_the_tree_and_pickers(people):
    empty = Organization.objects.add_child(
        people["tree"]["C1"], instance=Organization(name="青山祠临时党支部", code="C1-9", kind="branch", unit_type="community")
    )
    Role.objects.create(user=people["users"]["teacher"], organization=empty, kind="teacher")
    client = login(people["users"]["principal"])
    response = client.post(reverse("people:organization_dissolve", args=[empty.pk]), {"reason": "任务完成"})
    assert response.status_code == 302
    empty.refresh_from_db()
    assert empty.dissolved_on is not None and empty.dissolved_reason == "任务完成"
    assert not Role.objects.filter(organization=empty).exists()
    tree_page = client.get(reverse("people:organization_list")).content.decode()
    assert 'data-org="C1-9"' not in tree_page and "任务完成" in tree_page  # listed apart, as dissolved
    picked = client.get(reverse("people:organization_parent_picker", args=[people["tree"]["C1-1"].pk]), {"q": "青山祠"})
    assert "青山祠社区党委" in picked.content.decode() and "青山祠临时党支部" not in picked.content.decode()
    again = client.post(reverse("people:organization_add_child", args=[empty.pk]), CHILD)
    assert again.status_code == 422 and "已撤销" in again.content.decode()
    assert AuditEvent.objects.get(action="org_dissolve").detail["roles_withdrawn"] == ["teacher:teacher"]


def test_nobody_dissolves_the_organisation_their_own_role_sits_on(people):
    empty = Organization.objects.add_child(
        people["tree"]["C1"], instance=Organization(name="青山祠临时党支部", code="C1-9", kind="branch", unit_type="community")
    )
    from .factories import make_user

    admin = make_user("tmpadmin", role="org_admin", org=empty)
    response = login(admin).post(reverse("people:organization_dissolve", args=[empty.pk]), {"reason": "任务完成"})
    assert response.status_code == 422 and "您的角色在该组织上" in response.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "organization_detail",
        "organization_edit",
        "organization_add_child",
        "organization_move",
        "organization_dissolve",
        "organization_member_picker",
        "organization_parent_picker",
        "role_grant",
    ],
)
def test_organisation_pages_are_404_outside_the_subtree(people, name):
    client = login(people["users"]["secretary"])
    other = people["tree"]["C2"]
    method = client.get if name in ("organization_detail", "organization_member_picker", "organization_parent_picker") else client.post
    assert method(reverse(f"people:{name}", args=[other.pk])).status_code == 404
    assert login(people["users"]["teacher"]).get(reverse("people:organization_detail", args=[people["tree"]["C1"].pk])).status_code == 404


def test_the_roster_import_puts_nobody_into_a_dissolved_organisation(people):
    from dangxiao.people.services import roster_import

    from .test_roster_import import row, xlsx

    empty = Organization.objects.add_child(
        people["tree"]["C1"], instance=Organization(name="青山祠临时党支部", code="C1-9", kind="branch", unit_type="community")
    )
    organizations.organization_dissolve(people["users"]["principal"], empty, reason="任务完成")
    result = roster_import(people["users"]["principal"], xlsx([row(1, 组织编码="C1-9")]))
    assert [e.message for e in result.errors] == ["组织编码“C1-9”不存在或不在您的管理范围内"] and not empty.members.exists()


def test_a_code_taken_between_the_check_and_the_write_is_refused_not_a_server_error(people, monkeypatch):
    monkeypatch.setattr(
        organizations, "clean_fields", lambda **f: organizations.OrganizationFields("某支部", "", "C2", "branch", "community")
    )
    with pytest.raises(organizations.OrganizationError, match="已被使用"):
        organizations.organization_add(
            people["users"]["principal"], people["tree"]["C1"], name="x", short_name="", code="C2", kind="branch", unit_type="community"
        )


def test_the_organisation_page_costs_the_same_queries_with_more_children_roles_and_members(people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .factories import make_user

    client = login(people["users"]["principal"])
    c1 = people["tree"]["C1"]
    url = reverse("people:organization_detail", args=[c1.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    for i in range(15):
        child = Organization.objects.add_child(
            Organization.objects.get(pk=c1.pk),
            instance=Organization(name=f"新支部{i}", code=f"C1-N{i}", kind="branch", unit_type="community"),
        )
        make_user(f"admin{i}", role="org_admin", org=c1)
        make_member(c1)
        make_member(child)
    assert queries() == before


def test_the_move_picker_finds_managed_organisations_by_name_or_code_but_not_the_branch_itself(people, django_assert_max_num_queries):
    client = login(people["users"]["principal"])
    url = reverse("people:organization_parent_picker", args=[people["tree"]["C1"].pk])
    with django_assert_max_num_queries(8):
        by_name = client.get(url, {"q": "社区"}).content.decode()
    assert "赤岭路社区党委" in by_name and "青山祠社区第一党支部" not in by_name and f'value="{people["tree"]["C1"].pk}"' not in by_name
    assert "美团党支部" in client.get(url, {"q": "n1"}).content.decode()
    secretary = login(people["users"]["committee"])
    assert (
        "赤岭路"
        not in secretary.get(reverse("people:organization_parent_picker", args=[people["tree"]["C1-1"].pk]), {"q": "社区"}).content.decode()
    )


def test_an_organisation_whose_members_all_left_can_be_dissolved_and_keeps_them_as_history(people):
    from dangxiao.people import member_services

    branch = people["tree"]["C1-2"]
    principal = people["users"]["principal"]
    for member in people["members"]["c1_2"]:
        member_services.member_leave(principal, member, on=timezone.localdate(), reason="transferred_out")
    client = login(principal)
    assert client.post(reverse("people:organization_dissolve", args=[branch.pk]), {"reason": "合并"}).status_code == 302
    assert org("C1-2").dissolved_on is not None
    assert Member.objects.filter(organization=branch).count() == 2


def test_a_branch_is_not_moved_under_another_working_committee(people):
    from .factories import make_user

    other = Organization.add_root(name="另一街道党工委", code="ZZ", kind="working_committee", unit_type="sub_district")
    branch = people["tree"]["C1-2"]
    user = make_user("twohats", role="org_admin", org=people["tree"]["WY"])
    Role.objects.create(user=user, organization=other, kind="org_admin")
    with pytest.raises(organizations.OrganizationError):
        organizations.organization_move(user, branch, other)
    branch.refresh_from_db()
    assert branch.path.startswith(people["tree"]["WY"].path)
