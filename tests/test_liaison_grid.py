"""The liaison grid pages: compounds with their coverage and matters, a compound's 片长 → 组长 → 邻长
tree with the households nobody covers, and the coverage rules enforced when roles change."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.liaison import grid
from dangxiao.liaison.models import Building, Compound, GridRole, Household, Matter, Party
from dangxiao.people.models import User

from .conftest import login
from .factories import make_member

pytestmark = pytest.mark.django_db
Kind = GridRole.Kind


def url(name, *args):
    return reverse(f"grid:{name}", args=args)


def add_matter(liaison, *, state="reported", late=False, compound=None):
    now = timezone.now()
    deadline = now - timedelta(hours=1) if late else now + timedelta(days=3)
    return Matter.objects.create(
        compound=compound or liaison["a"],
        category=next(iter(liaison["categories"].values())),
        description="飞线充电",
        state=state,
        created_at=now - timedelta(days=2),
        updated_at=now,
        respond_by=deadline,
        resolve_by=deadline,
    )


def snapshot():
    """Everything a refused change must leave as it was."""
    roles = list(GridRole.objects.order_by("pk").values_list("pk", "kind", "parent_id", "name", "phone", "member_id", "user_id"))
    covers = sorted(GridRole.households.through.objects.values_list("gridrole_id", "household_id"))
    return roles, covers, User.objects.count()


# --- The compound list -----------------------------------------------------------------------


def test_compound_list_counts_coverage_roles_and_matters(liaison):
    add_matter(liaison)
    add_matter(liaison, state="in_progress", late=True)
    add_matter(liaison, late=True)
    add_matter(liaison, state="resolved", late=True)
    response = login(liaison["users"]["principal"]).get(url("compound_list"))
    assert response.status_code == 200
    rows = {c.name: c for c in response.context["compounds"]}
    a = rows["青山苑"]
    assert (a.building_count, a.household_count, a.covered_count, a.covered_percent) == (2, 24, 12, 50)
    assert (a.area_chief_count, a.group_leader_count, a.neighbour_leader_count) == (1, 1, 2)
    assert (a.open_count, a.overdue_count) == (3, 2)
    b = rows["赤岭小区"]
    assert (b.household_count, b.covered_count, b.area_chief_count, b.open_count) == (6, 0, 1, 0)
    assert "12（50%）" in response.content.decode()


def test_compound_list_is_scoped_and_filters_by_community(liaison):
    assert [c.name for c in login(liaison["users"]["committee"]).get(url("compound_list")).context["compounds"]] == ["青山苑"]
    assert list(login(liaison["users"]["secretary"]).get(url("compound_list")).context["compounds"]) == []
    assert [c.name for c in login(liaison["users"]["b_chief"]).get(url("compound_list")).context["compounds"]] == ["赤岭小区"]
    principal = login(liaison["users"]["principal"])
    c2 = liaison["tree"]["C2"].pk
    assert [c.name for c in principal.get(url("compound_list"), {"community": c2}).context["compounds"]] == ["赤岭小区"]


def test_a_plain_member_gets_no_compound_list(liaison):
    assert login(liaison["users"]["member"]).get(url("compound_list")).status_code == 404


def test_compound_list_query_count_does_not_grow_with_compounds(liaison, django_assert_max_num_queries):
    client = login(liaison["users"]["principal"])
    client.get(url("compound_list"))
    for i in range(15):
        c = Compound.objects.create(community=liaison["tree"]["C1"], name=f"小区{i}")
        b = Building.objects.create(compound=c, name="1栋")
        h = Household.objects.create(building=b, room="101")
        chief = GridRole.objects.create(compound=c, kind=Kind.AREA_CHIEF, name="片长")
        group = GridRole.objects.create(compound=c, kind=Kind.GROUP_LEADER, name="组长", parent=chief)
        GridRole.objects.create(compound=c, kind=Kind.NEIGHBOUR_LEADER, name="邻长", parent=group).households.add(h)
        add_matter(liaison, compound=c, late=True)
    with django_assert_max_num_queries(8):
        response = client.get(url("compound_list"))
    assert len(response.context["compounds"]) == 17


# --- The grid page -----------------------------------------------------------------------------


def test_grid_page_shows_the_tree_the_coverage_and_the_uncovered_building(liaison):
    response = login(liaison["users"]["committee"]).get(url("compound_detail", liaison["a"].pk))
    assert response.status_code == 200
    g = response.context["grid"]
    assert [n.role.name for n in g.roots] == ["周片长"]
    group = g.roots[0].children[0]
    assert group.role == liaison["roles"]["group"]
    assert [(n.role.name, [str(r) for r in n.ranges]) for n in group.children] == [
        ("李邻长", ["1栋 1单元101–1单元302（6 户）"]),
        ("王邻长", ["1栋 1单元401–1单元602（6 户）"]),
    ]
    assert [str(r) for r in g.uncovered] == ["2栋 1单元101–1单元602（12 户）"]
    assert g.uncovered_count == 12 and g.covered_count == 12
    assert "12 户没有邻长联系" in g.warnings
    html = response.content.decode()
    assert "2栋 1单元101–1单元602（12 户）" in html
    assert "青山苑物业服务中心" in html and "0731-85550000" in html
    assert f"/liaison/compounds/{liaison['a'].pk}/poster.pdf" in html
    # the member holding the 组长 role links to the member page; phones are masked
    assert reverse("people:member_detail", args=[liaison["roles"]["group"].member_id]) in html
    assert liaison["roles"]["chief"].phone not in html
    assert response.context["can_manage"] is True


def test_grid_page_warns_about_a_neighbour_leader_with_too_few_households(liaison):
    n1 = liaison["roles"]["n1"]
    n1.households.set(liaison["households"]["1栋"][:3])
    g = login(liaison["users"]["committee"]).get(url("compound_detail", liaison["a"].pk)).context["grid"]
    assert "邻长李邻长联系 3 户，少于 5 户" in g.warnings


def test_grid_page_scope(liaison):
    a, b = liaison["a"].pk, liaison["b"].pk
    assert login(liaison["users"]["secretary"]).get(url("compound_detail", a)).status_code == 404
    assert login(liaison["users"]["committee"]).get(url("compound_detail", b)).status_code == 404
    assert login(liaison["users"]["member"]).get(url("compound_detail", a)).status_code == 404
    assert login(liaison["users"]["b_chief"]).get(url("compound_detail", a)).status_code == 404


def test_a_grid_leader_can_view_but_not_edit(liaison):
    client = login(liaison["users"]["neighbour"])
    a, n1 = liaison["a"].pk, liaison["roles"]["n1"]
    response = client.get(url("compound_detail", a))
    assert response.status_code == 200 and response.context["can_manage"] is False
    assert url("role_add", a) not in response.content.decode()
    before = snapshot()
    assert client.get(url("role_add", a)).status_code == 404
    assert client.get(url("role_edit", a, n1.pk)).status_code == 404
    assert client.post(url("role_edit", a, n1.pk), {"kind": "neighbour_leader", "name": "改名"}).status_code == 404
    assert client.post(url("role_delete", a, n1.pk)).status_code == 404
    assert client.post(url("role_reveal", a, n1.pk)).status_code == 404
    assert client.get(url("party_add", a)).status_code == 404
    assert client.get(url("compound_households", a)).status_code == 404
    assert client.get(url("household_import")).status_code == 404
    assert snapshot() == before


def test_grid_page_query_count_does_not_grow_with_the_grid(liaison, django_assert_max_num_queries):
    client = login(liaison["users"]["committee"])
    a = liaison["a"]
    client.get(url("compound_detail", a.pk))
    group = liaison["roles"]["group"]
    bld = Building.objects.create(compound=a, name="3栋")
    for i in range(10):
        hs = [Household.objects.create(building=bld, room=f"{i}-{j}") for j in range(6)]
        GridRole.objects.create(
            compound=a, kind=Kind.NEIGHBOUR_LEADER, name=f"邻长{i}", parent=group, member=make_member(liaison["tree"]["C1-1"])
        ).households.set(hs)
    with django_assert_max_num_queries(12):
        response = client.get(url("compound_detail", a.pk))
    assert response.status_code == 200 and len(response.context["grid"].roles) == 14


# --- Editing roles -------------------------------------------------------------------------------


def test_staff_add_a_neighbour_leader_covering_building_2(liaison):
    a, group = liaison["a"], liaison["roles"]["group"]
    b2 = liaison["households"]["2栋"]
    client = login(liaison["users"]["committee"])
    assert client.get(url("role_add", a.pk), {"kind": "neighbour_leader", "parent": group.pk}).status_code == 200
    data = {
        "kind": "neighbour_leader",
        "parent": group.pk,
        "name": "孙邻长",
        "phone": "１３９００００１２３４",
        "households": [h.pk for h in b2[:8]],
    }
    response = client.post(url("role_add", a.pk), data)
    assert response.status_code == 302
    role = GridRole.objects.get(name="孙邻长")
    assert role.parent == group and role.phone == "13900001234" and role.user is None
    assert set(role.households.all()) == set(b2[:8])
    g = grid.compound_grid(a)
    assert [str(r) for r in g.uncovered] == ["2栋 1单元501–1单元602（4 户）"]


def test_creating_an_account_for_a_resident_shows_the_password_once(liaison, client):
    a, group = liaison["a"], liaison["roles"]["group"]
    data = {
        "kind": "neighbour_leader",
        "parent": group.pk,
        "name": "钱邻长",
        "phone": "13900005678",
        "create_account": "on",
        "households": [liaison["households"]["2栋"][0].pk],
    }
    response = login(liaison["users"]["committee"]).post(url("role_add", a.pk), data)
    assert response.status_code == 200
    password = response.context["saved"].password
    assert password and password in response.content.decode()
    user = User.objects.get(username="13900005678")
    assert user.must_change_password and user.check_password(password)
    assert GridRole.objects.get(name="钱邻长").user == user
    signed_in = client.post(reverse("login"), {"username": "13900005678", "password": password})
    assert signed_in.status_code == 302 and signed_in.wsgi_request.user == user


def test_a_member_holder_reuses_their_account_and_must_be_of_the_community(liaison):
    a, chief = liaison["a"], liaison["roles"]["chief"]
    member = liaison["members"]["c1_1"][0]  # already has the "member" user
    client = login(liaison["users"]["committee"])
    users = User.objects.count()
    response = client.post(url("role_add", a.pk), {"kind": "group_leader", "parent": chief.pk, "member": member.pk, "create_account": "on"})
    assert response.status_code == 302
    role = GridRole.objects.get(member=member)
    assert role.user == liaison["users"]["member"] and role.name == member.name and User.objects.count() == users
    outsider = liaison["members"]["c2_1"][0]
    before = snapshot()
    response = client.post(url("role_add", a.pk), {"kind": "group_leader", "parent": chief.pk, "member": outsider.pk})
    assert response.status_code == 422 and snapshot() == before


@pytest.mark.parametrize(
    "case, message",
    [
        ("too_many", "邻长最多联系 15 户，已选 16 户"),
        ("none", "邻长至少要联系 1 户"),
        ("taken", "一户只能由一位邻长联系"),
        ("parent_chief", "邻长的上级必须是组长"),
        ("group_under_group", "组长的上级必须是片长"),
        ("other_compound_parent", "上级不属于本小区"),
        ("other_compound_household", "所选住户不属于本小区"),
        ("households_on_group", "只有邻长联系住户"),
        ("bad_phone", "不是有效的11位大陆手机号"),
        ("no_holder", "请选择党员，或填写居民姓名"),
        ("account_without_phone", "创建登录账号需要填写手机号码"),
    ],
)
def test_coverage_rules_are_refused_with_a_message_and_nothing_changes(liaison, case, message):
    a, r = liaison["a"], liaison["roles"]
    b1, b2 = liaison["households"]["1栋"], liaison["households"]["2栋"]
    data = {"kind": "neighbour_leader", "parent": r["group"].pk, "name": "新邻长", "households": [b2[0].pk]}
    if case == "too_many":
        data["households"] = (
            [h.pk for h in b2]
            + [h.pk for h in b1[:0]]
            + [Household.objects.create(building=liaison["buildings"][1], room=f"9{i}").pk for i in range(4)]
        )
    elif case == "none":
        data["households"] = []
    elif case == "taken":
        data["households"] = [b2[0].pk, b1[0].pk]
    elif case == "parent_chief":
        data["parent"] = r["chief"].pk
    elif case == "group_under_group":
        data.update(kind="group_leader", households=[])
    elif case == "other_compound_parent":
        data.update(kind="group_leader", parent=r["b_chief"].pk, households=[])
    elif case == "other_compound_household":
        data["households"] = [liaison["b_households"][0].pk]
    elif case == "households_on_group":
        data.update(kind="group_leader", parent=r["chief"].pk)
    elif case == "bad_phone":
        data["phone"] = "12345"
    elif case == "no_holder":
        data["name"] = " "
    elif case == "account_without_phone":
        data["create_account"] = "on"
    before = snapshot()
    response = login(liaison["users"]["committee"]).post(url("role_add", a.pk), data)
    assert response.status_code == 422
    assert message in response.context["error"]
    assert snapshot() == before


def test_editing_a_neighbour_leader_can_not_take_another_ones_households(liaison):
    a, n1, n2 = liaison["a"], liaison["roles"]["n1"], liaison["roles"]["n2"]
    client = login(liaison["users"]["committee"])
    page = client.get(url("role_edit", a.pk, n1.pk))
    assert page.status_code == 200 and page.context["selected"] == {h.pk for h in n1.households.all()}
    before = snapshot()
    mine = [h.pk for h in n1.households.all()]
    response = client.post(
        url("role_edit", a.pk, n1.pk),
        {
            "kind": "neighbour_leader",
            "parent": liaison["roles"]["group"].pk,
            "name": "李邻长",
            "households": mine + [n2.households.first().pk],
        },
    )
    assert response.status_code == 422 and "王邻长" in response.context["error"] and snapshot() == before
    # keeping its own households and adding an uncovered one is fine; the holder keeps their sign-in
    extra = liaison["households"]["2栋"][0].pk
    data = {
        "kind": "neighbour_leader",
        "parent": liaison["roles"]["group"].pk,
        "name": "李邻长",
        "phone": n1.phone,
        "households": mine + [extra],
    }
    assert client.post(url("role_edit", a.pk, n1.pk), data).status_code == 302
    n1.refresh_from_db()
    assert n1.households.count() == 7 and n1.user == liaison["users"]["neighbour"]
    # a new holder does not inherit the old holder's account (nor its access to the compound)
    data.update(name="赵邻长", phone="13900009999")
    assert client.post(url("role_edit", a.pk, n1.pk), data).status_code == 302
    n1.refresh_from_db()
    assert n1.user is None
    assert login(liaison["users"]["neighbour"]).get(url("compound_detail", a.pk)).status_code == 404


def test_a_role_with_people_under_it_can_not_be_removed_or_change_kind(liaison):
    a, group = liaison["a"], liaison["roles"]["group"]
    client = login(liaison["users"]["committee"])
    before = snapshot()
    response = client.post(url("role_delete", a.pk, group.pk), follow=True)
    assert "还有下级" in response.content.decode() and snapshot() == before
    with pytest.raises(grid.GridError, match="还有下级"):
        grid.grid_role_save(a, kind="area_chief", member=group.member, role=group)
    n2 = liaison["roles"]["n2"]
    assert client.post(url("role_delete", a.pk, n2.pk)).status_code == 302
    assert not GridRole.objects.filter(pk=n2.pk).exists()


def test_roles_of_another_compound_are_not_found(liaison):
    client = login(liaison["users"]["principal"])
    b_chief = liaison["roles"]["b_chief"]
    assert client.get(url("role_edit", liaison["a"].pk, b_chief.pk)).status_code == 404
    assert client.post(url("role_delete", liaison["a"].pk, b_chief.pk)).status_code == 404


# --- Parties and reveals -----------------------------------------------------------------------------


def test_parties_are_added_edited_and_removed(liaison):
    a = liaison["a"]
    client = login(liaison["users"]["committee"])
    response = client.post(
        url("party_add", a.pk), {"kind": "volunteers", "name": "青山苑志愿服务队", "contact_name": "刘队长", "phone": "13700001111"}
    )
    assert response.status_code == 302
    party = Party.objects.get(name="青山苑志愿服务队")
    response = client.post(url("party_edit", a.pk, party.pk), {"kind": "volunteers", "name": "志愿服务队", "phone": "电话"})
    assert response.status_code == 422 and "格式不正确" in response.context["error"]
    party.refresh_from_db()
    assert party.name == "青山苑志愿服务队"
    assert client.post(url("party_delete", a.pk, party.pk)).status_code == 302
    assert not Party.objects.filter(pk=party.pk).exists()
    assert client.get(url("party_edit", a.pk, liaison["parties"]["property"].pk)).status_code == 200
    assert login(liaison["users"]["secretary"]).get(url("party_edit", a.pk, liaison["parties"]["property"].pk)).status_code == 404


def test_revealing_a_phone_or_a_household_contact_is_audited_one_record_at_a_time(liaison):
    a, chief = liaison["a"], liaison["roles"]["chief"]
    h = liaison["households"]["2栋"][0]
    h.contact_name, h.contact_phone = "陈阿姨", "13812345678"
    h.save()
    client = login(liaison["users"]["committee"])
    page = client.get(url("compound_households", a.pk))
    assert page.status_code == 200 and "13812345678" not in page.content.decode() and "138****5678" in page.content.decode()
    response = client.post(url("role_reveal", a.pk, chief.pk))
    assert chief.phone in response.content.decode()
    response = client.post(url("household_reveal", a.pk, h.pk))
    assert "13812345678" in response.content.decode()
    events = list(AuditEvent.objects.filter(action="reveal").order_by("pk").values_list("object_type", "object_id"))
    assert events == [("grid_role", str(chief.pk)), ("household", str(h.pk))]
    other = liaison["b_households"][0]
    assert client.post(url("household_reveal", a.pk, other.pk)).status_code == 404
    assert client.post(url("household_reveal", liaison["b"].pk, other.pk)).status_code == 404


def test_households_page_and_role_form_query_counts_do_not_grow(liaison, django_assert_max_num_queries):
    a = liaison["a"]
    client = login(liaison["users"]["committee"])
    client.get(url("compound_households", a.pk))
    bld = Building.objects.create(compound=a, name="9栋")
    Household.objects.bulk_create([Household(building=bld, room=f"{i:03d}", contact_phone="13812345678") for i in range(100)])
    with django_assert_max_num_queries(8):
        page = client.get(url("compound_households", a.pk))
    assert len(page.context["households"]) == 124 and "13812345678" not in page.content.decode()
    with django_assert_max_num_queries(10):
        assert client.get(url("role_edit", a.pk, liaison["roles"]["n1"].pk)).status_code == 200


def test_a_partys_mobile_is_masked_and_its_landline_shown(liaison):
    from dangxiao.liaison.models import Party

    Party.objects.filter(pk=liaison["parties"]["owners"].pk).update(contact_name="莫辉", phone="16600005014")
    html = login(liaison["users"]["committee"]).get(f"/liaison/compounds/{liaison['a'].pk}/").content.decode()
    assert "166****5014" in html and "16600005014" not in html
    assert "0731-85550000" in html  # the property company's office line is not personal data


# --- Compounds ---------------------------------------------------------------------------------


def compound_data(liaison, **kw):
    data = {
        "community": liaison["tree"]["C1"].pk,
        "name": "新建小区",
        "address": "青山祠路 8 号",
        "latitude": "28.1661",
        "longitude": "112.9790",
    }
    data.update(kw)
    return data


def test_staff_add_a_compound_to_a_community_they_run(liaison, django_assert_max_num_queries):
    from dangxiao.liaison.models import Compound

    client = login(liaison["users"]["committee"])
    with django_assert_max_num_queries(8):
        assert client.get(reverse("grid:compound_edit", args=[liaison["a"].pk])).status_code == 200
    assert 'id="add-compound"' in client.get(reverse("grid:compound_list")).content.decode()
    response = client.post(reverse("grid:compound_add"), compound_data(liaison))
    compound = Compound.objects.get(name="新建小区")
    assert response.status_code == 302 and response["Location"] == reverse("grid:compound_detail", args=[compound.pk])
    assert (compound.community, str(compound.latitude), str(compound.longitude)) == (liaison["tree"]["C1"], "28.166100", "112.979000")
    assert compound.public_token and compound.public_token != liaison["a"].public_token


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "  "}, "必填"),
        ({"name": "青山苑"}, "已有名为“青山苑”的小区"),
        ({"latitude": "abc"}, "纬度须为数字"),
        ({"latitude": "95"}, "纬度应在"),
        ({"longitude": ""}, "经纬度须同时填写或同时留空"),
    ],
)
def test_a_bad_compound_is_refused_and_nothing_changes(liaison, change, message):
    from dangxiao.liaison.models import Compound

    before = Compound.objects.count()
    response = login(liaison["users"]["committee"]).post(reverse("grid:compound_add"), compound_data(liaison, **change))
    assert response.status_code == 422 and message in response.content.decode()
    assert Compound.objects.count() == before


def test_a_compound_goes_only_under_a_community_the_user_runs(liaison):
    from dangxiao.liaison.models import Compound

    committee = login(liaison["users"]["committee"])
    response = committee.post(reverse("grid:compound_add"), compound_data(liaison, community=liaison["tree"]["C2"].pk))
    assert response.status_code == 422 and not Compound.objects.filter(name="新建小区").exists()
    for name in ("secretary", "neighbour", "member"):
        assert login(liaison["users"][name]).get(reverse("grid:compound_add")).status_code == 404, name
    assert committee.get(reverse("grid:compound_edit", args=[liaison["b"].pk])).status_code == 404


def test_editing_a_compound_and_retiring_its_posters(liaison):
    a = liaison["a"]
    client = login(liaison["users"]["committee"])
    response = client.post(reverse("grid:compound_edit", args=[a.pk]), compound_data(liaison, name="青山苑一期"))
    assert response.status_code == 302
    old = a.public_token
    a.refresh_from_db()
    assert a.name == "青山苑一期" and a.public_token == old
    assert login(liaison["users"]["neighbour"]).post(reverse("grid:compound_reset_token", args=[a.pk])).status_code == 404
    client.post(reverse("grid:compound_reset_token", args=[a.pk]))
    a.refresh_from_db()
    assert a.public_token != old
    assert client.get(reverse("residents:report", args=[old])).status_code == 404
    assert client.get(reverse("residents:report", args=[a.public_token])).status_code == 200
