"""Points pages and API: a member sees their own total and log on the phone (another member's is 404),
a secretary ranks their organisation's members and exports it, the board edits the year's rules."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.appraisal.points_derivation import points_reconcile
from dangxiao.attendance.models import Attendance
from dangxiao.core.models import AuditEvent

from .conftest import login
from .factories import make_cohort, make_school, make_session, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(people):
    school, _m, _s = make_school(people["tree"])
    cohort = make_cohort(school, people["tree"]["WY"])
    today = timezone.localdate()
    for i in range(4):
        session = make_session(cohort, timezone.now() - timedelta(days=i + 1))
        for members in people["members"].values():
            for m in members:
                Attendance.objects.create(session=session, member=m, status="present" if i else "absent")
    points_reconcile(None, today.year)
    return {**people, "school": school, "year": today.year}


def test_my_points_page_shows_total_and_the_log_line_by_line(setting, django_assert_max_num_queries):
    client = login(setting["users"]["member"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("points:mine"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="points-total">4<' in html  # 3 × 2 − 2
    assert html.count("data-source=") == 4


def test_a_member_reads_only_their_own_points(setting):
    client = login(setting["users"]["member"])
    own = setting["members"]["c1_1"][0]
    other = setting["members"]["c1_1"][1]
    assert client.get(reverse("points:member", args=[other.pk])).status_code == 404
    assert client.get(f"/api/v1/members/{other.pk}/points").status_code == 404
    assert client.get(f"/api/v1/members/{own.pk}/points").json()["total"] == 4
    me = client.get("/api/v1/points/me").json()
    assert me["total"] == 4 and len(me["items"]) == 4 and me["items"][0]["source_kind"] == "attendance"
    assert client.get(f"/api/v1/organizations/{setting['tree']['C1-1'].pk}/points").status_code == 404


def test_the_secretary_ranks_their_members_within_a_query_budget_and_exports(setting, django_assert_max_num_queries):
    client = login(setting["users"]["secretary"])
    org = setting["tree"]["C1-1"]
    with django_assert_max_num_queries(12):
        response = client.get(reverse("points:organization", args=[org.pk]) + "?sort=name")
    assert response.status_code == 200 and response.content.decode().count("data-member=") == 3
    export = client.get(reverse("points:organization_export", args=[org.pk]))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, object_type="points").exists()
    assert client.get(reverse("points:organization", args=[setting["tree"]["C2-1"].pk])).status_code == 404
    api = client.get(f"/api/v1/organizations/{org.pk}/points?sort=-total").json()
    assert api["count"] == 3 and {r["total"] for r in api["items"]} == {4}


def test_the_board_edits_the_rules_and_points_are_recalculated(setting):
    client = login(setting["users"]["principal"])
    url = reverse("points:rules") + f"?year={setting['year']}"
    assert client.get(url).status_code == 200
    form = {f"{a}-points": 2 for a in ("attend", "late", "absent", "reflection", "volunteer_hour", "lecture", "matter", "quiz")}
    form.update({"attend-points": 3, "absent-points": -5})
    assert client.post(url, form).status_code == 302
    member = setting["members"]["c1_1"][0]
    assert login(setting["users"]["member"]).get("/api/v1/points/me").json()["total"] == 3 * 3 - 5
    bad = client.post(url, {**form, "attend-points": "9999"})
    assert "分值须在 -100 到 100 之间" in bad.content.decode() or bad.status_code == 302
    assert login(setting["users"]["secretary"]).get(reverse("points:rules")).status_code == 404
    assert member.pk


def test_rules_api_reads_and_refuses_nonsense(setting):
    client = login(setting["users"]["principal"])
    year = setting["year"]
    assert len(client.get(f"/api/v1/points/rules/{year}").json()["rules"]) == 8
    bad = client.put(f"/api/v1/points/rules/{year}", {"rules": [{"action": "bonus", "points": 1}]}, content_type="application/json")
    assert bad.status_code == 400
    assert client.get("/api/v1/points/rules/99999").status_code == 422
    ok = client.put(f"/api/v1/points/rules/{year}", {"rules": [{"action": "attend", "points": 1}]}, content_type="application/json")
    assert ok.status_code == 200
    assert login(make_user(member=setting["members"]["c2_1"][0])).get(f"/api/v1/points/rules/{year}").status_code == 404


def test_absurd_query_parameters_are_not_a_500(setting):
    client = login(setting["users"]["member"])
    for q in ("?year=99999999999", "?year=abc", "?page=-1", "?page=99999999999999"):
        assert client.get(reverse("points:mine") + q).status_code == 200


def test_the_board_lands_on_its_whole_scope_and_a_branch_links_up(setting):
    principal = login(setting["users"]["principal"])
    assert principal.get(reverse("points:organization_home")).url == reverse("points:organization", args=[setting["tree"]["WY"].pk])
    branch = principal.get(reverse("points:organization", args=[setting["tree"]["C1-1"].pk]), {"q": "a&sort=x"}).content.decode()
    assert f'data-parent="{setting["tree"]["C1"].pk}"' in branch
    assert "q=a%26sort%3Dx" in branch  # the search travels in the paging and sorting links intact
    secretary = login(setting["users"]["secretary"])  # C1-1's: no link up out of their scope
    assert "data-parent" not in secretary.get(reverse("points:organization", args=[setting["tree"]["C1-1"].pk])).content.decode()
