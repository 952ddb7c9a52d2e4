"""The access matrix: each role against members and organisations inside and outside its subtree."""

import pytest
from django.urls import reverse

from dangxiao.core import access

from .conftest import login

pytestmark = pytest.mark.django_db


def visible_member_ids(user):
    return set(access.filter_members(user).values_list("id", flat=True))


def ids(members):
    return {m.id for m in members}


def test_principal_sees_the_whole_school(people):
    m = people["members"]
    everyone = ids(m["c1_1"] + m["c1_2"] + m["c2_1"] + m["n1"])
    assert visible_member_ids(people["users"]["principal"]) == everyone


def test_branch_secretary_sees_only_their_branch(people):
    assert visible_member_ids(people["users"]["secretary"]) == ids(people["members"]["c1_1"])


def test_committee_admin_sees_its_branches_but_not_the_neighbouring_committee(people):
    m = people["members"]
    assert visible_member_ids(people["users"]["committee"]) == ids(m["c1_1"] + m["c1_2"])


def test_plain_member_sees_only_themself(people):
    member = people["members"]["c1_1"][0]
    assert visible_member_ids(people["users"]["member"]) == {member.id}


def test_teacher_has_no_roster(people):
    assert visible_member_ids(people["users"]["teacher"]) == set()
    assert not access.scope_for(people["users"]["teacher"]).can_view_roster


def test_one_person_may_hold_several_roles(people):
    from dangxiao.people.models import Role

    secretary = people["users"]["secretary"]
    Role.objects.create(user=secretary, organization=people["tree"]["N1"], kind="org_admin")
    secretary = type(secretary).objects.get(pk=secretary.pk)  # scope is cached per user object
    assert visible_member_ids(secretary) == ids(people["members"]["c1_1"] + people["members"]["n1"])


@pytest.mark.parametrize(
    "role, group, status",
    [
        ("principal", "c2_1", 200),
        ("secretary", "c1_1", 200),
        ("secretary", "c1_2", 404),
        ("secretary", "c2_1", 404),
        ("secretary", "n1", 404),
        ("committee", "c1_2", 200),
        ("committee", "c2_1", 404),
        ("teacher", "c1_1", 404),
        ("member", "c1_2", 404),
        ("superuser", "n1", 200),
    ],
)
def test_member_page_answers_404_outside_scope(people, role, group, status):
    member = people["members"][group][1]
    response = login(people["users"][role]).get(reverse("people:member_detail", args=[member.pk]))
    assert response.status_code == status


def test_member_sees_own_page(people):
    member = people["members"]["c1_1"][0]
    response = login(people["users"]["member"]).get(reverse("people:member_detail", args=[member.pk]))
    assert response.status_code == 200
    assert member.name in response.content.decode()


@pytest.mark.parametrize("role, status", [("principal", 200), ("secretary", 200), ("teacher", 404), ("member", 404)])
def test_roster_pages_only_for_staff(people, role, status):
    client = login(people["users"][role])
    for name in (
        "people:member_list",
        "people:organization_list",
        "people:member_export",
        "people:member_import",
        "people:import_template",
    ):
        assert client.get(reverse(name)).status_code == status, name


def test_roster_lists_only_the_subtree(people):
    body = login(people["users"]["secretary"]).get(reverse("people:member_list")).content.decode()
    for m in people["members"]["c1_1"]:
        assert m.name in body
    for m in people["members"]["c1_2"] + people["members"]["c2_1"] + people["members"]["n1"]:
        assert m.name not in body


def test_filtering_by_an_organisation_outside_scope_is_404(people):
    client = login(people["users"]["secretary"])
    other = people["tree"]["C2"]
    assert client.get(reverse("people:member_list"), {"organization": other.pk}).status_code == 404
    assert client.get(reverse("people:member_export"), {"organization": other.pk}).status_code == 404


def test_export_contains_only_the_subtree(people):
    from io import BytesIO

    from openpyxl import load_workbook

    response = login(people["users"]["committee"]).get(reverse("people:member_export"))
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))[1:]
    assert {r[0] for r in rows} == {m.name for m in people["members"]["c1_1"] + people["members"]["c1_2"]}


def test_organisation_tree_page_shows_only_the_subtree(people):
    body = login(people["users"]["committee"]).get(reverse("people:organization_list")).content.decode()
    assert "青山祠社区第二党支部" in body
    assert "赤岭路社区" not in body
    assert "美团党支部" not in body


def test_anonymous_users_are_sent_to_sign_in(people):
    from django.test import Client

    response = Client().get(reverse("people:member_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_navigation_shows_only_what_the_role_may_use(people):
    member_body = login(people["users"]["member"]).get(reverse("home")).content.decode()
    assert "我的档案" in member_body
    assert 'data-nav="members"' not in member_body
    assert 'data-nav="audit"' not in member_body
    secretary_body = login(people["users"]["secretary"]).get(reverse("home")).content.decode()
    assert 'data-nav="members"' in secretary_body
    assert 'data-nav="audit"' not in secretary_body
    principal_body = login(people["users"]["principal"]).get(reverse("home")).content.decode()
    assert 'data-nav="audit"' in principal_body
