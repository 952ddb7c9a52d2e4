"""Granting and withdrawing roles in pages: within one's subtree, never above one's own rank, audited."""

import pytest
from django.urls import reverse

from dangxiao.core.models import AuditEvent
from dangxiao.people.models import Role, User

from .conftest import login
from .factories import make_user

pytestmark = pytest.mark.django_db


def grant(client, org, kind, member):
    return client.post(reverse("people:role_grant", args=[org.pk]), {"kind": kind, "member": member.pk})


def test_the_principal_appoints_a_secretary_who_then_manages_the_branch(people):
    member = people["members"]["c1_2"][0]
    response = grant(login(people["users"]["principal"]), people["tree"]["C1-2"], "org_admin", member)
    body = response.content.decode()
    # The member had no account: one is made, with a temporary password shown once.
    assert response.status_code == 200 and 'id="temporary-password"' in body
    member.refresh_from_db()
    user = member.user
    assert user.username == member.phone and user.must_change_password
    assert user.check_password(body.split("<code>")[1].split("</code>")[0])
    assert Role.objects.filter(user=user, organization=people["tree"]["C1-2"], kind="org_admin").exists()
    event = AuditEvent.objects.get(action="role_grant")
    assert event.organization_id == people["tree"]["C1-2"].pk and "组织管理员" in event.summary
    url = reverse("people:organization_detail", args=[people["tree"]["C1-2"].pk])
    assert login(user).get(url).url == reverse("password_change")  # the temporary password is changed first
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    assert login(user).get(url).status_code == 200


def test_granting_to_a_member_with_an_account_shows_no_password_and_twice_changes_nothing(people):
    member = people["members"]["c1_1"][0]  # people["users"]["member"]'s record
    client = login(people["users"]["committee"])
    first = grant(client, people["tree"]["C1-1"], "teacher", member)
    assert first.status_code == 302
    assert grant(client, people["tree"]["C1-1"], "teacher", member).status_code == 302
    assert Role.objects.filter(user=people["users"]["member"], kind="teacher").count() == 1
    assert AuditEvent.objects.filter(action="role_grant").count() == 1


@pytest.mark.parametrize(
    ("granter", "org", "kind", "message"),
    [
        ("committee", "C1-1", "dean", "校长、副校长和教学副校长只能设在党工委"),
        ("committee", "C1", "principal", "校长、副校长和教学副校长只能设在党工委"),
        ("vice", "WY", "vice_principal", "您不能授予或撤销高于（或等于）自己级别的角色：副校长"),
        ("vice", "WY", "principal", "您不能授予或撤销高于（或等于）自己级别的角色：校长"),
        ("dean", "WY", "dean", "您不能授予或撤销高于（或等于）自己级别的角色：教学副校长"),
    ],
)
def test_nobody_grants_a_role_above_their_own(people, granter, org, kind, message):
    users = people["users"] | {
        "vice": make_user("vice", role="vice_principal", org=people["tree"]["WY"]),
        "dean": make_user("dean", role="dean", org=people["tree"]["WY"]),
    }
    member = people["members"]["c1_1"][1]
    response = grant(login(users[granter]), people["tree"][org], kind, member)
    assert response.status_code == 422 and message in response.content.decode()
    assert not Role.objects.filter(kind=kind, user__member=member).exists()
    assert not User.objects.filter(username=member.phone).exists()


def test_the_grant_form_offers_only_the_roles_one_may_grant(people):
    page = login(people["users"]["committee"]).get(reverse("people:organization_detail", args=[people["tree"]["C1-1"].pk])).content.decode()
    form = page.split('id="grant-form"')[1].split("</select>")[0]
    assert 'value="org_admin"' in form and 'value="teacher"' in form and 'value="principal"' not in form and 'value="dean"' not in form


def test_grants_outside_ones_subtree_are_404(people):
    client = login(people["users"]["secretary"])
    assert grant(client, people["tree"]["C2-1"], "teacher", people["members"]["c1_1"][1]).status_code == 404
    # Nor can a member from outside be picked, even for one's own branch.
    assert grant(client, people["tree"]["C1-1"], "teacher", people["members"]["c2_1"][0]).status_code == 404
    assert not Role.objects.filter(kind="teacher").exclude(user=people["users"]["teacher"]).exists()


def test_the_picker_finds_members_of_the_subtree_by_name_or_phone_masked(people, django_assert_max_num_queries):
    client = login(people["users"]["secretary"])
    mine, other = people["members"]["c1_1"][1], people["members"]["c2_1"][0]
    url = reverse("people:organization_member_picker", args=[people["tree"]["C1-1"].pk])
    with django_assert_max_num_queries(8):
        body = client.get(url, {"q": mine.name}).content.decode()
    assert mine.name in body and mine.phone not in body and mine.phone[-4:] in body
    assert other.name not in client.get(url, {"q": other.name}).content.decode()
    assert mine.name in client.get(url, {"q": mine.phone[-6:]}).content.decode()


def test_withdrawing_a_role_is_audited_and_ends_the_access(people):
    role = Role.objects.get(user=people["users"]["secretary"])
    response = login(people["users"]["committee"]).post(reverse("people:role_withdraw", args=[role.pk]))
    assert response.status_code == 302 and not Role.objects.filter(pk=role.pk).exists()
    assert AuditEvent.objects.filter(action="role_withdraw", organization_id=people["tree"]["C1-1"].pk).exists()
    assert login(people["users"]["secretary"]).get(reverse("people:member_list")).status_code == 404


def test_one_cannot_withdraw_a_role_above_ones_own_or_out_of_scope(people):
    principal_role = Role.objects.get(user=people["users"]["principal"])
    dean = make_user("dean", role="dean", org=people["tree"]["WY"])
    response = login(dean).post(reverse("people:role_withdraw", args=[principal_role.pk]), follow=True)
    assert "您不能授予或撤销高于（或等于）自己级别的角色：校长" in response.content.decode()
    committee_role = Role.objects.get(user=people["users"]["committee"])
    assert login(people["users"]["secretary"]).post(reverse("people:role_withdraw", args=[committee_role.pk])).status_code == 404
    assert Role.objects.filter(pk__in=[principal_role.pk, committee_role.pk]).count() == 2


def test_withdrawing_ones_own_last_board_role_is_refused(people):
    role = Role.objects.get(user=people["users"]["principal"])
    response = login(people["users"]["principal"]).post(reverse("people:role_withdraw", args=[role.pk]), follow=True)
    assert "不能撤销自己唯一的管理角色" in response.content.decode()
    assert Role.objects.filter(pk=role.pk).exists()


def test_the_roles_page_lists_the_roles_of_the_subtree_in_a_query_budget(people, django_assert_max_num_queries):
    client = login(people["users"]["committee"])
    with django_assert_max_num_queries(8):
        body = client.get(reverse("people:role_list")).content.decode()
    assert "青山祠社区第一党支部" in body and "文源街道党工委" not in body
    assert login(people["users"]["teacher"]).get(reverse("people:role_list")).status_code == 404


def test_a_member_who_left_is_not_given_a_role_nor_offered_in_the_picker(people):
    from django.utils import timezone

    from dangxiao.people import roles
    from dangxiao.people.models import Member

    gone = people["members"]["c1_1"][1]
    Member.objects.filter(pk=gone.pk).update(left_on=timezone.localdate(), left_reason=Member.LeftReason.values[0])
    gone.refresh_from_db()
    with pytest.raises(roles.RoleError):
        roles.role_grant(people["users"]["principal"], people["tree"]["C1-1"], "teacher", member=gone)
    assert gone.pk not in [m.pk for m in roles.pick_members(people["users"]["principal"], gone.name)]
