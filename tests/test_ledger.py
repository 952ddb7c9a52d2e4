"""The 学时 ledger: yearly totals, the year's rule and its exemptions, the at-risk projection,
compliance per organisation, and the pages for members and staff (scope, query budgets)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangxiao.attendance import ledger, services
from dangxiao.attendance.models import StudyHourEntry, StudyHourRule
from dangxiao.people.models import Member

from .conftest import login
from .factories import make_member, make_school, phone

pytestmark = pytest.mark.django_db
YEAR = 2026


@pytest.fixture
def school(people):
    school, _main, _small = make_school(people["tree"])
    return {"school": school, **people}


def credit(member, hours, on: date, source=StudyHourEntry.Source.SESSION, ref=None):
    ref = ref or f"test:{member.pk}:{on}:{hours}:{source}"
    return services.ledger_credit(member, hours=Decimal(str(hours)), date=on, source=source, reference=ref)


# --- The rule and the requirement ---------------------------------------------------------------


def test_the_default_rule_asks_32_hours_of_members_and_56_of_secretaries_and_committee_members(school):
    tree = school["tree"]
    rule = ledger.rule_for(school["school"], YEAR)
    assert rule.pk is None and (rule.member_hours, rule.leader_hours) == (Decimal("32"), Decimal("56"))
    assert ledger.requirement(make_member(tree["C1-1"]), rule) == Decimal("32")
    assert ledger.requirement(make_member(tree["C1-1"], position="secretary"), rule) == Decimal("56")
    assert ledger.requirement(make_member(tree["C1-1"], position="committee_member"), rule) == Decimal("56")
    assert ledger.requirement(make_member(tree["C1-1"], position="deputy_secretary"), rule) == Decimal("56")
    assert ledger.requirement(make_member(tree["C1-1"], position="party_affairs_worker"), rule) == Decimal("32")


def test_elderly_and_infirm_members_are_exempt_but_still_credited(school):
    elder = make_member(school["tree"]["C1-1"], is_elderly_infirm=True, position="secretary")
    credit(elder, 2, date(YEAR, 3, 5), StudyHourEntry.Source.HOME_DELIVERY)
    progress = ledger.member_year(elder, YEAR)
    assert progress.required is None and progress.exempt and not progress.met
    assert progress.total == Decimal("2.0")
    assert {s.source: s.hours for s in progress.by_source}["home_delivery"] == Decimal("2.0")


def test_a_year_whose_rule_drops_the_exemption_asks_the_elderly_too(school):
    elder = make_member(school["tree"]["C1-1"], is_elderly_infirm=True)
    StudyHourRule.objects.create(school=school["school"], year=YEAR, exempt_elderly_infirm=False)
    assert ledger.member_year(elder, YEAR).required == Decimal("32")


def test_editing_the_years_rule_changes_the_requirement(school):
    member = make_member(school["tree"]["C1-1"])
    assert ledger.member_year(member, YEAR).required == Decimal("32")
    StudyHourRule.objects.create(school=school["school"], year=YEAR, member_hours=Decimal("40"), leader_hours=Decimal("60"))
    assert ledger.member_year(member, YEAR).required == Decimal("40")
    assert ledger.member_year(member, YEAR - 1).required == Decimal("32")  # other years keep theirs


def test_yearly_totals_add_every_source_and_leave_other_years_out(school):
    member = make_member(school["tree"]["C1-1"])
    credit(member, 2, date(YEAR, 1, 10))
    credit(member, 1.5, date(YEAR, 4, 2), StudyHourEntry.Source.ONLINE)
    credit(member, 3, date(YEAR, 6, 30), StudyHourEntry.Source.EXTERNAL)
    credit(member, 9, date(YEAR - 1, 12, 31))
    progress = ledger.member_year(member, YEAR)
    assert progress.total == Decimal("6.5") and len(progress.entries) == 3
    assert {s.source: s.hours for s in progress.by_source} == {
        "session": Decimal("2.0"),
        "online": Decimal("1.5"),
        "home_delivery": Decimal("0"),
        "external": Decimal("3.0"),
    }
    assert progress.percent == 20 and progress.remaining == Decimal("25.5")


# --- Compliance and the at-risk projection -------------------------------------------------------


def test_year_pace_waits_thirty_days_before_projecting():
    assert ledger.year_pace(YEAR, date(YEAR, 1, 29)) == (29, None)
    elapsed, fraction = ledger.year_pace(YEAR, date(YEAR, 7, 2))
    assert elapsed == 183 and fraction == pytest.approx(0.5014, abs=1e-3)
    assert ledger.year_pace(YEAR, date(YEAR + 1, 3, 1)) == (365, 1.0)
    assert ledger.year_pace(YEAR, date(YEAR - 1, 12, 1)) == (0, None)


def test_at_risk_is_projected_from_the_pace_so_far(school):
    tree, principal = school["tree"], school["users"]["principal"]
    on_pace = make_member(tree["C1-1"], name="按进度")  # 16 by mid-year → 32
    behind = make_member(tree["C1-1"], name="进度落后")  # 10 by mid-year → ~20
    secretary = make_member(tree["C1-2"], name="书记", position="secretary")  # 20 of 56 → ~40
    done = make_member(tree["C2-1"], name="已达标")
    elder = make_member(tree["C2-1"], name="老党员", is_elderly_infirm=True)
    credit(on_pace, 16, date(YEAR, 3, 1))
    credit(behind, 10, date(YEAR, 3, 1))
    credit(secretary, 20, date(YEAR, 3, 1))
    credit(done, 33, date(YEAR, 3, 1))
    mid_year = date(YEAR, 7, 1)  # day 182 of 365

    result = ledger.compliance(principal, tree["WY"], YEAR, mid_year)
    at_risk = {m.name: m for m in result.at_risk}
    assert set(at_risk) >= {"进度落后", "书记"} and "按进度" not in at_risk and "已达标" not in at_risk and "老党员" not in at_risk
    assert at_risk["书记"].required == Decimal("56") and at_risk["书记"].projected == Decimal("40.1")
    assert result.at_risk[0].hours == 0  # members with nothing yet come first

    early = ledger.compliance(principal, tree["WY"], YEAR, date(YEAR, 1, 20))
    assert early.at_risk == [] and early.fraction is None

    after = ledger.compliance(principal, tree["WY"], YEAR, date(YEAR + 1, 1, 5))
    assert after.year_over and "按进度" in {m.name for m in after.at_risk}  # 16 < 32 once the year is over
    assert elder.pk not in {m.id for m in after.at_risk}


def test_compliance_rows_follow_the_child_organisations(school):
    tree = school["tree"]
    make_member(tree["C1-2"], is_elderly_infirm=True)
    credit(school["members"]["c1_1"][0], 40, date(YEAR, 2, 1))
    result = ledger.compliance(school["users"]["principal"], tree["WY"], YEAR, date(YEAR, 7, 2))
    rows = {r.organization.code: r for r in result.rows}
    assert set(rows) == {"C1", "C2", "N1"}
    assert (rows["C1"].members, rows["C1"].exempt, rows["C1"].met, rows["C1"].hours) == (6, 1, 1, Decimal("40.0"))
    assert rows["C1"].at_risk == 4 and rows["C2"].at_risk == 2
    assert (result.total.members, result.total.met) == (10, 1)


def test_members_held_directly_on_the_root_get_a_row_of_their_own(school):
    tree = school["tree"]
    make_member(tree["C1"], position="secretary")
    rows = ledger.compliance(school["users"]["committee"], tree["C1"], YEAR, date(YEAR, 7, 2)).rows
    assert [(r.organization.code, r.is_self, r.members) for r in rows] == [("C1", True, 1), ("C1-1", False, 3), ("C1-2", False, 2)]


def test_a_secretary_sees_only_their_subtree(school):
    tree = school["tree"]
    result = ledger.compliance(school["users"]["secretary"], tree["WY"], YEAR, date(YEAR, 7, 2))
    assert result.total.members == 3
    assert {m.organization for m in result.at_risk} == {"青山祠社区第一党支部"}


# --- Pages -------------------------------------------------------------------------------------------


def test_a_member_sees_progress_toward_the_requirement_on_the_phone(school):
    member = school["members"]["c1_1"][0]
    today = timezone.localdate()
    credit(member, 8, today, ref="a")
    credit(member, 2, today, StudyHourEntry.Source.ONLINE, ref="b")
    response = login(school["users"]["member"]).get(reverse("ledger_my_hours"))
    body = response.content.decode()
    assert response.status_code == 200 and response.context["active"] == "hours"
    assert 'name="viewport"' in body and "progress-bar" in body and "width: 31%" in body
    assert "还差 22 学时" in body and "网上学习" in body and "年老体弱" not in body


def test_an_exempt_member_sees_no_requirement_but_their_credits(school):
    member = school["members"]["c1_1"][0]
    Member.objects.filter(pk=member.pk).update(is_elderly_infirm=True)
    credit(member, 1.5, timezone.localdate(), StudyHourEntry.Source.HOME_DELIVERY)
    body = login(school["users"]["member"]).get(reverse("ledger_my_hours")).content.decode()
    assert "年老体弱，不作硬性要求" in body and "progress-bar" not in body.split("</head>")[1] and "1.5" in body and "送学上门" in body


def test_my_hours_is_for_members_only(school):
    assert login(school["users"]["principal"]).get(reverse("ledger_my_hours")).status_code == 404


def test_staff_pages_are_404_to_members_and_outside_the_scope(school):
    tree = school["tree"]
    member = login(school["users"]["member"])
    for name in ("ledger_compliance", "ledger_rules", "ledger_analysis"):
        assert member.get(reverse(name)).status_code == 404, name
    secretary = login(school["users"]["secretary"])
    assert secretary.get(reverse("ledger_compliance"), {"org": tree["C2"].pk}).status_code == 404
    assert secretary.get(reverse("ledger_compliance"), {"org": tree["C1-1"].pk}).status_code == 200
    assert secretary.get(reverse("ledger_rules")).status_code == 404  # the rule is the board's


def test_the_compliance_page_lists_organisations_and_members_at_risk(school):
    response = login(school["users"]["principal"]).get(reverse("ledger_compliance"))
    body = response.content.decode()
    assert response.status_code == 200 and response.context["active"] == "ledger"
    assert "青山祠社区党委" in body and "美团党支部" in body
    year = timezone.localdate().year
    assert response.context["c"].year == year
    secretary = login(school["users"]["secretary"]).get(reverse("ledger_compliance"))
    assert secretary.context["c"].root == school["tree"]["C1-1"] and "赤岭路" not in secretary.content.decode()


def test_the_board_edits_the_years_rule_and_it_is_created_when_missing(school):
    client = login(school["users"]["principal"])
    url = reverse("ledger_rules")
    page = client.get(url, {"year": YEAR})
    assert page.status_code == 200 and "尚未设置" in page.content.decode()
    response = client.post(
        f"{url}?year={YEAR}", {"member_hours": "36", "leader_hours": "60", "exempt_elderly_infirm": "on", "note": "新规划"}
    )
    assert response.status_code == 302
    rule = StudyHourRule.objects.get(school=school["school"], year=YEAR)
    assert (rule.member_hours, rule.leader_hours, rule.exempt_elderly_infirm) == (Decimal("36"), Decimal("60"), True)
    client.post(f"{url}?year={YEAR}", {"member_hours": "36", "leader_hours": "56", "note": ""})
    rule.refresh_from_db()
    assert rule.leader_hours == Decimal("56") and not rule.exempt_elderly_infirm
    assert StudyHourRule.objects.filter(school=school["school"]).count() == 1
    assert ledger.member_year(school["members"]["c1_1"][0], YEAR).required == Decimal("36")


def test_an_invalid_rule_is_refused_with_a_message_and_changes_nothing(school):
    client = login(school["users"]["principal"])
    response = client.post(f"{reverse('ledger_rules')}?year={YEAR}", {"member_hours": "40", "leader_hours": "20"})
    assert response.status_code == 422 and "不应低于普通党员" in response.content.decode()
    response = client.post(f"{reverse('ledger_rules')}?year={YEAR}", {"member_hours": "0", "leader_hours": "56"})
    assert response.status_code == 422 and "学时应大于0" in response.content.decode()
    assert not StudyHourRule.objects.exists()


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def grow(school, n: int, offset: int):
    tree = school["tree"]
    orgs = [tree["C1-1"], tree["C1-2"], tree["C2-1"], tree["N1"]]
    members = Member.objects.bulk_create(
        [
            Member(
                name=f"批量{offset + i}",
                gender="M",
                phone=phone(800000 + offset + i),
                organization=orgs[i % 4],
                position="secretary" if i % 9 == 0 else "",
                is_elderly_infirm=i % 11 == 0,
            )
            for i in range(n)
        ]
    )
    today = timezone.localdate()
    StudyHourEntry.objects.bulk_create(
        [StudyHourEntry(member=m, date=today, hours=Decimal(i % 40), source="online", reference=f"g{m.pk}") for i, m in enumerate(members)]
    )
    return members


def test_ledger_pages_keep_a_fixed_query_budget(school):
    principal, member = login(school["users"]["principal"]), login(school["users"]["member"])
    credit(school["members"]["c1_1"][0], 3, timezone.localdate())
    grow(school, 20, 0)
    small = [queries(principal, reverse("ledger_compliance")), queries(member, reverse("ledger_my_hours"))]
    grow(school, 300, 1000)
    for i in range(15):
        credit(school["members"]["c1_1"][0], 1, timezone.localdate(), ref=f"more{i}")
    large = [queries(principal, reverse("ledger_compliance")), queries(member, reverse("ledger_my_hours"))]
    assert small == large
    assert large[0] <= 12 and large[1] <= 10
