"""The school's pages: board and plan, the 1+5+N network with idle months, partners' contributions, teachers."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.school.models import Partner, PartnerAgreement, TrainingPlan, Venue
from dangxiao.teaching.models import Session

from .conftest import login
from .factories import make_cohort, make_school, make_teacher

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def school(people):
    school, main, small = make_school(people["tree"])
    return {"school": school, "main": main, "small": small, **people}


def test_network_flags_venues_without_activity_in_a_month(school):
    year = timezone.localdate().year
    cohort = make_cohort(school["school"], school["tree"]["WY"])
    for month in range(1, 13):
        start = datetime(year, month, 10, 9, 0, tzinfo=SHANGHAI)
        Session.objects.create(cohort=cohort, title="主题党日", starts_at=start, ends_at=start + timedelta(hours=2), venue=school["main"])
    start = datetime(year, 1, 12, 9, 0, tzinfo=SHANGHAI)
    Session.objects.create(cohort=cohort, title="一次课", starts_at=start, ends_at=start + timedelta(hours=2), venue=school["small"])
    start = datetime(year, 2, 12, 9, 0, tzinfo=SHANGHAI)
    Session.objects.create(
        cohort=cohort, title="取消了", starts_at=start, ends_at=start + timedelta(hours=2), venue=school["small"], status="cancelled"
    )
    response = login(school["users"]["principal"]).get(reverse("school:network"), {"year": year})
    rows = {r.venue.name: r for r in response.context["rows"]}
    through = timezone.localdate().month
    assert rows["源课堂"].idle_months == [] and rows["源课堂"].sessions == 12
    assert rows["青山祠社区党群服务中心"].idle_months == list(range(2, through + 1))
    assert response.context["idle_count"] == (1 if through > 1 else 0)
    tree = response.context["tree"]
    assert [c["name"] for c in tree["children"]] == ["主阵地（1）", "集中教学点（1）", "现场教学点（0）"]


def test_partner_page_shows_its_real_contribution(school):
    partner = Partner.objects.create(school=school["school"], name="中南林业科技大学", kind="university")
    PartnerAgreement.objects.create(
        partner=partner,
        title="校地共建协议",
        shares_venues=True,
        shares_talent=True,
        signed_on=date(2024, 1, 1),
        starts_on=date(2024, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    school["small"].partner = partner
    school["small"].save()
    teacher = make_teacher(school["school"], name="林教授", source="university", partner=partner)
    cohort = make_cohort(school["school"], school["tree"]["WY"])
    start = datetime(2026, 5, 1, 9, 0, tzinfo=SHANGHAI)
    Session.objects.create(
        cohort=cohort,
        title="生态文明专题",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        teacher=teacher,
        co_host=partner,
        venue=school["small"],
    )
    response = login(school["users"]["principal"]).get(reverse("school:partner_detail", args=[partner.pk]))
    body = response.content.decode()
    assert [v.name for v in response.context["venues"]] == ["青山祠社区党群服务中心"]
    assert [t.name for t in response.context["teachers"]] == ["林教授"] and response.context["teachers"][0].session_count == 1
    assert response.context["session_count"] == 1 and "生态文明专题" in body
    assert "阵地共建、人才共育" in body
    listing = login(school["users"]["principal"]).get(reverse("school:partner_list"))
    p = listing.context["partners"][0]
    assert (p.venue_count, p.teacher_count, p.session_count) == (1, 1, 1)


def test_teacher_terms_expiring_soon_are_flagged(school):
    today = timezone.localdate()
    make_teacher(school["school"], name="快到期", appointed_until=today + timedelta(days=10))
    make_teacher(school["school"], name="已到期", appointed_until=today - timedelta(days=1))
    make_teacher(school["school"], name="还早", appointed_until=today + timedelta(days=300))
    response = login(school["users"]["principal"]).get(reverse("school:overview"))
    assert [t.name for t in response.context["expiring"]] == ["已到期", "快到期"]


def test_only_the_board_approves_the_plan(school):
    plan = TrainingPlan.objects.create(
        school=school["school"], year=timezone.localdate().year, title="年度培训计划", goals="全年培训9500人次"
    )
    assert login(school["users"]["secretary"]).post(reverse("school:plan_approve", args=[plan.pk])).status_code == 404
    plan.refresh_from_db()
    assert plan.status == "draft"
    login(school["users"]["principal"]).post(reverse("school:plan_approve", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == "approved" and plan.approved_by == school["users"]["principal"]


@pytest.mark.parametrize("name", ["school:overview", "school:partner_list", "school:teacher_list", "school:lecturers"])
def test_staff_pages_are_404_for_members(school, name):
    assert login(school["users"]["member"]).get(reverse(name)).status_code == 404
    assert login(school["users"]["secretary"]).get(reverse(name)).status_code == 200


def test_objects_of_another_school_are_404(school, tree):
    from dangxiao.people.models import Organization
    from dangxiao.school.models import School

    other_root = Organization.objects.add_root(
        instance=Organization(name="另一街道党工委", code="ZZ", kind="working_committee", unit_type="sub_district")
    )
    other = School.objects.create(name="另一街道党校", organization=other_root)
    venue = Venue.objects.create(school=other, name="别处阵地", tier="main", kind="party_school", organization=other_root)
    assert login(school["users"]["principal"]).get(reverse("school:venue_detail", args=[venue.pk])).status_code == 404
    assert login(school["users"]["principal"]).get(reverse("school:venue_detail", args=[school["main"].pk])).status_code == 200


def test_member_lecturers_registry_counts_lectures_in_their_own_organisation(school):
    member = school["members"]["c1_1"][0]
    teacher = make_teacher(school["school"], name=member.name, source="member", member=member)
    own = make_cohort(school["school"], school["tree"]["C1-1"], name="支部党课")
    year = timezone.localdate().year
    for i in range(2):
        start = datetime(year, 3, 1 + i, 9, 0, tzinfo=SHANGHAI)
        Session.objects.create(cohort=own, title="我讲党课", starts_at=start, ends_at=start + timedelta(hours=1), teacher=teacher)
    start = datetime(year, 3, 9, 9, 0, tzinfo=SHANGHAI)
    Session.objects.create(
        cohort=own, title="取消", starts_at=start, ends_at=start + timedelta(hours=1), teacher=teacher, status="cancelled"
    )
    rows = login(school["users"]["principal"]).get(reverse("school:lecturers")).context["rows"]
    assert [(r["teacher__name"], r["sessions"], r["own"], r["source_label"]) for r in rows] == [(member.name, 2, 2, "党员")]
