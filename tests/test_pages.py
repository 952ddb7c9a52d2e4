"""Role-aware home pages and query budgets that do not grow with the data."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .conftest import login
from .factories import make_member

pytestmark = pytest.mark.django_db


def chart_data(response) -> dict:
    body = response.content.decode()
    start = body.index('<script id="chart-data" type="application/json">') + len('<script id="chart-data" type="application/json">')
    return json.loads(body[start : body.index("</script>", start)])


def test_principal_home_counts_the_whole_school(people):
    response = login(people["users"]["principal"]).get(reverse("home"))
    assert response.context["summary"].total == 9
    data = chart_data(response)
    assert dict(data["organization"]) == {"青山祠社区党委": 5, "赤岭路社区党委": 2, "美团党支部": 2}
    assert sum(count for _label, count in data["age"]) == 9


def test_secretary_home_counts_only_their_organisation(people):
    response = login(people["users"]["secretary"]).get(reverse("home"))
    assert response.context["summary"].total == 3
    assert response.context["root"] == people["tree"]["C1-1"]
    assert "本组织概况" in response.content.decode()


def test_member_home_is_their_own_profile(people):
    response = login(people["users"]["member"]).get(reverse("home"))
    assert "summary" not in response.context
    assert people["members"]["c1_1"][0].name in response.content.decode()


def test_home_counts_by_age_band_and_flag(people):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    make_member(people["tree"]["C1-2"], birth_date=today - timedelta(days=80 * 366), is_elderly_infirm=True)
    response = login(people["users"]["committee"]).get(reverse("home"))
    summary = response.context["summary"]
    assert dict(summary.by_age_band)["76岁及以上"] == 1
    assert {key: count for key, _label, count in summary.flags}["is_elderly_infirm"] == 1


def queries_for(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["people:member_list", "home", "people:organization_list"])
def test_query_budget_does_not_grow_from_50_to_500_members(people, url_name):
    tree = people["tree"]
    principal = people["users"]["principal"]
    for i in range(50):
        make_member(tree["C1-1" if i % 2 else "C2-1"], industry=f"行业{i % 5}")
    small = queries_for(login(principal), reverse(url_name))
    from dangxiao.people.models import Member

    from .factories import phone

    Member.objects.bulk_create(
        [
            Member(
                name=f"批量{i}", gender="F", phone=phone(900000 + i), organization=tree["C1-2" if i % 2 else "N1"], industry=f"行业{i % 7}"
            )
            for i in range(450)
        ]
    )
    large = queries_for(login(principal), reverse(url_name))
    assert small == large
    assert large <= 40  # the home page counts the 基层党组织 too, and the board's dashboard its figures (test_dashboards)


def test_member_list_filters_combine(people):
    tree = people["tree"]
    target = make_member(tree["C1-2"], industry="外卖配送", is_mobile=True, status="probationary")
    make_member(tree["C1-2"], industry="外卖配送")
    client = login(people["users"]["principal"])
    response = client.get(
        reverse("people:member_list"),
        {"organization": tree["C1"].pk, "industry": "外卖配送", "flags": "is_mobile", "status": "probationary"},
    )
    assert [m.pk for m in response.context["page"]] == [target.pk]


def test_member_list_pages(people):
    tree = people["tree"]
    for _ in range(60):
        make_member(tree["N1"])
    client = login(people["users"]["principal"])
    first = client.get(reverse("people:member_list"))
    second = client.get(reverse("people:member_list"), {"page": 2})
    assert len(first.context["page"]) == 50 and len(second.context["page"]) == 69 - 50


def test_healthz(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_text_from_a_roster_is_never_run_as_script_on_the_home_page(people):
    make_member(people["tree"]["C1-1"], industry="</script><script>alert(1)//")
    body = login(people["users"]["principal"]).get(reverse("home")).content.decode()
    assert "</script><script>alert(1)" not in body
    assert "\\u003C/script\\u003E" in body


def test_not_found_pages_are_in_chinese(people):
    response = login(people["users"]["member"]).get(reverse("people:member_list"))
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_organisation_tree_counts_subtree_totals(people):
    body = login(people["users"]["principal"]).get(reverse("people:organization_list")).content.decode()
    assert "含下级 5 人" in body  # 青山祠社区党委: 3 + 2


def test_member_home_shows_study_hours_and_upcoming_sessions(people):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from dangxiao.attendance.models import StudyHourEntry
    from dangxiao.teaching.models import Enrollment, Session

    from .factories import make_cohort, make_school

    school, main, _ = make_school(people["tree"])
    cohort = make_cohort(school, people["tree"]["C1-1"])
    member = people["members"]["c1_1"][0]
    Enrollment.objects.create(cohort=cohort, member=member)
    start = timezone.now() + timedelta(days=2)
    Session.objects.create(cohort=cohort, title="冬训第一课", starts_at=start, ends_at=start + timedelta(hours=2), venue=main)
    StudyHourEntry.objects.create(member=member, date=timezone.localdate(), hours=Decimal("6.5"), source="external")
    body = login(people["users"]["member"]).get(reverse("home")).content.decode()
    assert "冬训第一课" in body and 'data-total="6.5"' in body and "/ 32" in body


@pytest.mark.django_db
def test_a_staff_member_finds_their_own_pages_under_one_menu(people):
    from dangxiao.people.models import Role

    member_user = people["users"]["member"]
    flat = login(member_user).get(reverse("home")).content.decode()
    assert 'data-nav="hours"' in flat and 'data-nav-group="mine"' not in flat
    Role.objects.create(user=member_user, organization=people["tree"]["C1-1"], kind="org_admin")
    grouped = login(member_user).get(reverse("home")).content.decode()
    assert 'data-nav-group="mine"' in grouped and 'data-nav="hours"' in grouped and 'data-nav-group="people"' in grouped
