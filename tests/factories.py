"""Small builders for tests: a tree, members with valid phones and ID numbers, users with roles."""

import itertools
from datetime import date

from dangxiao.people.models import Member, Organization, Role, User
from dangxiao.people.normalize import ID_CHECK, ID_WEIGHTS

PASSWORD = "Test@2024pw"
_seq = itertools.count(1)


def valid_id_number(birth: date = date(1985, 3, 1), seq: int = 123) -> str:
    body = f"430103{birth:%Y%m%d}{seq % 1000:03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]


def phone(n: int | None = None) -> str:
    return f"137{(n if n is not None else next(_seq)):08d}"


def make_tree() -> dict[str, Organization]:
    """党工委 WY → 社区党委 C1 → 支部 C1-1, C1-2; 社区党委 C2 → 支部 C2-1; 美团党支部 N1."""
    K, U = Organization.Kind, Organization.UnitType
    tree = Organization.objects
    root = tree.add_root(instance=Organization(name="文源街道党工委", code="WY", kind=K.WORKING_COMMITTEE, unit_type=U.SUB_DISTRICT))
    c1 = tree.add_child(root, instance=Organization(name="青山祠社区党委", code="C1", kind=K.COMMITTEE, unit_type=U.COMMUNITY))
    c1_1 = tree.add_child(c1, instance=Organization(name="青山祠社区第一党支部", code="C1-1", kind=K.BRANCH, unit_type=U.COMMUNITY))
    c1_2 = tree.add_child(c1, instance=Organization(name="青山祠社区第二党支部", code="C1-2", kind=K.BRANCH, unit_type=U.COMMUNITY))
    c2 = tree.add_child(root, instance=Organization(name="赤岭路社区党委", code="C2", kind=K.COMMITTEE, unit_type=U.COMMUNITY))
    c2_1 = tree.add_child(c2, instance=Organization(name="赤岭路社区第一党支部", code="C2-1", kind=K.BRANCH, unit_type=U.COMMUNITY))
    n1 = tree.add_child(root, instance=Organization(name="美团党支部", code="N1", kind=K.BRANCH, unit_type=U.NEW_EMPLOYMENT))
    return {o.code: Organization.objects.get(pk=o.pk) for o in (root, c1, c1_1, c1_2, c2, c2_1, n1)}


def make_member(org: Organization, **fields) -> Member:
    n = next(_seq)
    defaults = {
        "name": f"党员{n}",
        "gender": "M",
        "birth_date": date(1980, 1, 1),
        "phone": phone(n),
        "status": Member.Status.FULL,
        "industry": "社区服务",
    }
    defaults.update(fields)
    return Member.objects.create(organization=org, **defaults)


def make_user(
    username: str | None = None, *, role: str | None = None, org: Organization | None = None, member: Member | None = None, **extra
) -> User:
    if username is None:
        username = member.phone if member else f"u{next(_seq)}"
    user = User.objects.create_user(username, password=PASSWORD, **extra)
    if role:
        Role.objects.create(user=user, organization=org, kind=role)
    if member:
        member.user = user
        member.save(update_fields=["user"])
    return user


def make_school(tree: dict):
    from dangxiao.school.models import School, Venue

    school = School.objects.create(name="文源街道党校", brand="源课堂", organization=tree["WY"])
    main = Venue.objects.create(
        school=school,
        name="源课堂",
        tier="main",
        kind="party_school",
        capacity=120,
        organization=tree["WY"],
        latitude=28.1745,
        longitude=112.9812,
    )
    small = Venue.objects.create(
        school=school,
        name="青山祠社区党群服务中心",
        tier="community",
        kind="service_center",
        capacity=5,
        organization=tree["C1"],
        latitude=28.1702,
        longitude=112.9790,
    )
    return school, main, small


def make_teacher(school, name: str = "刘老师", **fields):
    from dangxiao.school.models import Teacher

    return Teacher.objects.create(school=school, name=name, source=fields.pop("source", "party_school"), **fields)


def make_cohort(school, org, name: str = "机关党员素质提升班", **fields):
    from dangxiao.teaching.models import Cohort

    return Cohort.objects.create(school=school, organization=org, name=name, **fields)


def make_people(tree: dict) -> dict:
    """Members in every branch and a user for each role:
    principal on WY, secretary (org_admin) on C1-1, committee admin on C1, teacher on C1, a plain member in C1-1."""
    members = {
        "c1_1": [make_member(tree["C1-1"]) for _ in range(3)],
        "c1_2": [make_member(tree["C1-2"]) for _ in range(2)],
        "c2_1": [make_member(tree["C2-1"]) for _ in range(2)],
        "n1": [make_member(tree["N1"], is_new_employment=True) for _ in range(2)],
    }
    users = {
        "principal": make_user("principal", role="principal", org=tree["WY"]),
        "secretary": make_user("secretary", role="org_admin", org=tree["C1-1"]),
        "committee": make_user("committee", role="org_admin", org=tree["C1"]),
        "teacher": make_user("teacher", role="teacher", org=tree["C1"]),
        "member": make_user(member=members["c1_1"][0]),
        "superuser": make_user("root", is_superuser=True, is_staff=True),
    }
    return {"tree": tree, "members": members, "users": users}


def make_liaison(people: dict) -> dict:
    """Two compounds: 青山苑 under community C1 (two buildings of 12 households; a 片长, a 组长 who is a
    member, two 邻长 covering building 1 six households each — building 2 nobody covers; a 物业 and a
    业委会), and 赤岭小区 under C2 with one building. A resident 邻长 has an account ("neighbour")."""
    from decimal import Decimal

    from dangxiao.liaison.models import Building, Compound, GridRole, Household, MatterCategory, Party

    tree, members = people["tree"], people["members"]
    a = Compound.objects.create(community=tree["C1"], name="青山苑", latitude=Decimal("28.165"), longitude=Decimal("112.978"))
    b = Compound.objects.create(community=tree["C2"], name="赤岭小区", latitude=Decimal("28.174"), longitude=Decimal("112.989"))
    buildings = [Building.objects.create(compound=a, name=f"{i}栋") for i in (1, 2)]
    households = {
        bld.name: [Household.objects.create(building=bld, room=f"1单元{floor}0{door}", size=3) for floor in range(1, 7) for door in (1, 2)]
        for bld in buildings
    }
    b_building = Building.objects.create(compound=b, name="1栋")
    b_households = [Household.objects.create(building=b_building, room=f"{n:03d}", size=2) for n in range(101, 107)]
    chief_user = make_user("chief")
    chief = GridRole.objects.create(compound=a, kind=GridRole.Kind.AREA_CHIEF, name="周片长", phone=phone(), user=chief_user)
    leader_member = members["c1_2"][0]
    leader_user = make_user(member=leader_member)
    group = GridRole.objects.create(
        compound=a, kind=GridRole.Kind.GROUP_LEADER, parent=chief, member=leader_member, name=leader_member.name, user=leader_user
    )
    neighbour_user = make_user("neighbour")
    n1 = GridRole.objects.create(
        compound=a, kind=GridRole.Kind.NEIGHBOUR_LEADER, parent=group, name="李邻长", phone=phone(), user=neighbour_user
    )
    n2 = GridRole.objects.create(compound=a, kind=GridRole.Kind.NEIGHBOUR_LEADER, parent=group, name="王邻长", phone=phone())
    n1.households.set(households["1栋"][:6])
    n2.households.set(households["1栋"][6:])
    b_chief = GridRole.objects.create(compound=b, kind=GridRole.Kind.AREA_CHIEF, name="赵片长", user=make_user("b_chief"))
    property_co = Party.objects.create(compound=a, kind=Party.Kind.PROPERTY, name="青山苑物业服务中心", phone="0731-85550000")
    owners = Party.objects.create(compound=a, kind=Party.Kind.OWNERS_COMMITTEE, name="青山苑业委会")
    users = dict(people["users"], chief=chief_user, group=leader_user, neighbour=neighbour_user, b_chief=b_chief.user)
    return {
        **people,
        "users": users,
        "a": a,
        "b": b,
        "buildings": buildings,
        "households": households,
        "b_households": b_households,
        "roles": {"chief": chief, "group": group, "n1": n1, "n2": n2, "b_chief": b_chief},
        "parties": {"property": property_co, "owners": owners},
        "categories": {c.code: c for c in MatterCategory.objects.filter(working_committee=tree["WY"])},  # its defaults
    }


def make_themed_day(org, held_on, **fields):
    """A themed Party day recorded through the service (film only unless given), on `held_on`."""
    from dangxiao.practice.meetings_services import ThemedDayInput, themed_day_record

    data = ThemedDayInput(held_on=held_on, film=fields.pop("film", "《榜样》"), **fields)
    return themed_day_record(org, data, by=None, today=max(held_on, date.today()))


def make_meeting(org, kind, held_on, *, marks=None, **fields):
    """A meeting of 三会一课 recorded through the service."""
    from dangxiao.practice.meetings_services import MeetingInput, meeting_record

    return meeting_record(org, MeetingInput(kind=kind, held_on=held_on, **fields), by=None, marks=marks, today=max(held_on, date.today()))


def make_session(cohort, starts_at, title: str = "党的创新理论", **fields):
    from datetime import timedelta

    from dangxiao.teaching.models import Session

    return Session.objects.create(cohort=cohort, title=title, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), **fields)


def make_reflection(member, *, title: str = "学习心得", text: str = "学了党的二十大精神，深受教育。", now=None, **fields):
    """A pending reflection written through the service (fields: status to approve/return it by `by`)."""
    from dangxiao.practice import reflections_services as services

    by = fields.pop("by", None)
    status = fields.pop("status", "pending")
    show = fields.pop("show", False)
    reflection = services.reflection_submit(member, title=title, text=text, now=now, **fields)
    if status == "approved":
        reflection = services.reflection_approve(reflection, by=by, now=now, show=show)
    elif status == "returned":
        reflection = services.reflection_return(reflection, by=by, note="请结合工作实际再写一写", now=now)
    return reflection


def make_appraisal_branch(tree: dict, *, full: int = 6, probationary: int = 1, parent: str = "C1", code: str = "C1-9") -> dict:
    """A new branch (under `parent`) of `full` full members and `probationary` probationary ones, each
    with an account, and its secretary (org_admin) — for 民主评议."""
    K, U = Organization.Kind, Organization.UnitType
    org = Organization.objects.add_child(
        Organization.objects.get(pk=tree[parent].pk),
        instance=Organization(name=f"评议第{code}党支部", code=code, kind=K.BRANCH, unit_type=U.COMMUNITY),
    )
    members = [make_member(org, name=f"评议党员{i}") for i in range(full)]
    members += [make_member(org, name=f"预备党员{i}", status=Member.Status.PROBATIONARY) for i in range(probationary)]
    for m in members:
        make_user(member=m)
    secretary = make_user(f"sec-{code}-{next(_seq)}", role="org_admin", org=org)
    return {"org": org, "members": members, "secretary": secretary}
