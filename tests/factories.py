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
