"""民主评议, commendations and yearly records through the API and the export pages: scoped, tallies
after close only, a member reads their own (voted or not, their grade after the decision), never a ballot."""

import json
import subprocess
from datetime import date

import pytest
from django.urls import reverse

from dangxiao.appraisal import appraisal_services as services
from dangxiao.appraisal import commendation_services
from dangxiao.appraisal.models import CommendationKind, Grade, VoteCast

from . import factories as f
from .conftest import login

pytestmark = pytest.mark.django_db
API = "/api/v1"


def post(client, url, data=None, method="post"):
    return getattr(client, method)(url, json.dumps(data or {}), content_type="application/json")


@pytest.fixture
def branch(people):
    return f.make_appraisal_branch(people["tree"])


def full(branch):
    return [m for m in branch["members"] if m.status == "full"]


def test_the_appraisal_lifecycle_through_the_api(branch):
    secretary = login(branch["secretary"])
    today = date.today()
    opened = post(secretary, f"{API}/appraisals", {"organization_id": branch["org"].pk, "year": today.year})
    assert opened.status_code == 201, opened.content
    pk = opened.json()["id"]
    assert opened.json()["eligible"] == 7 and opened.json()["voted"] == 0

    voter = login(full(branch)[0].user)
    mine = voter.get(f"{API}/me/appraisals").json()
    assert mine[0]["voted"] is False and len(mine[0]["ratees"]) == 5
    marks = [{"member_id": r["id"], "grade": "competent"} for r in mine[0]["ratees"]]
    assert post(voter, f"{API}/me/appraisals/{pk}/ballot", {"marks": marks}).status_code == 201
    again = post(voter, f"{API}/me/appraisals/{pk}/ballot", {"marks": marks})
    assert again.status_code == 422 and "已经投过票" in again.json()["detail"]
    assert voter.get(f"{API}/me/appraisals").json()[0]["voted"] is True
    assert post(voter, f"{API}/me/appraisals/{pk}/self-assessment", {"text": "按时参加组织生活"}, "put").status_code == 200

    assert secretary.get(f"{API}/appraisals/{pk}/tallies").status_code == 409
    assert secretary.get(f"{API}/appraisals/{pk}").json()["voted"] == 1
    assert post(secretary, f"{API}/appraisals/{pk}/close").status_code == 200
    tallies = secretary.get(f"{API}/appraisals/{pk}/tallies").json()
    assert sum(t["competent"] for t in tallies) == 5 and not any("voter" in json.dumps(t) for t in tallies)

    too_many = [{"member_id": m.pk, "grade": "excellent"} for m in full(branch)[:3]]
    refused = post(secretary, f"{API}/appraisals/{pk}/proposals", {"grades": too_many})
    assert refused.status_code == 422 and "三分之一" in refused.json()["detail"]
    probationary = post(
        secretary, f"{API}/appraisals/{pk}/proposals", {"grades": [{"member_id": branch["members"][-1].pk, "grade": "competent"}]}
    )
    assert probationary.status_code == 422 and "预备党员" in probationary.json()["detail"]
    grades = [{"member_id": m.pk, "grade": "incompetent" if i == 5 else "competent"} for i, m in enumerate(full(branch))]
    assert post(secretary, f"{API}/appraisals/{pk}/proposals", {"grades": grades}).status_code == 200
    decided = post(secretary, f"{API}/appraisals/{pk}/decision", {"decided_on": today.isoformat(), "notes": "通过"})
    assert decided.status_code == 200 and decided.json()["status"] == "decided"
    follow_ups = secretary.get(f"{API}/appraisal-follow-ups").json()
    assert follow_ups["count"] == 1
    fid = follow_ups["items"][0]["id"]
    bad = post(secretary, f"{API}/appraisal-follow-ups/{fid}", {"plan": "谈心", "deadline": "2099-01-01"}, "put")
    assert bad.status_code == 422
    assert (
        post(
            secretary, f"{API}/appraisal-follow-ups/{fid}", {"plan": "谈心", "deadline": follow_ups["items"][0]["deadline"]}, "put"
        ).status_code
        == 200
    )
    assert voter.get(f"{API}/me/appraisals").json()[0]["grade"] == "competent"


def test_out_of_scope_and_plain_members_are_told_nothing(branch, people):
    appraisal = services.appraisal_open(branch["org"], date.today().year)
    other = login(people["users"]["secretary"])
    for url in (f"{API}/appraisals/{appraisal.pk}", f"{API}/appraisals/{appraisal.pk}/tallies", f"{API}/appraisals/{appraisal.pk}/ratings"):
        assert other.get(url).status_code == 404
    assert post(other, f"{API}/appraisals/{appraisal.pk}/close").status_code == 404
    assert post(other, f"{API}/appraisals", {"organization_id": branch["org"].pk, "year": 2026}).status_code == 404
    member = login(full(branch)[0].user)
    assert member.get(f"{API}/appraisals").status_code == 404
    assert member.get(f"{API}/appraisals/{appraisal.pk}/tallies").status_code == 404
    outsider = login(people["users"]["member"])
    assert (
        post(outsider, f"{API}/me/appraisals/{appraisal.pk}/ballot", {"marks": [{"member_id": 1, "grade": "competent"}]}).status_code == 404
    )
    assert not VoteCast.objects.exists()


def test_bad_input_is_a_422_never_a_500(branch):
    secretary = login(branch["secretary"])
    for body in ({"organization_id": 2**70, "year": 2026}, {"organization_id": 1, "year": 99999}, {"organization_id": "x"}):
        assert post(secretary, f"{API}/appraisals", body).status_code == 422
    assert secretary.get(f"{API}/appraisals/{2**70}").status_code == 422


def decided_branch(branch, today):
    appraisal = services.appraisal_open(branch["org"], today.year, today=today)
    services.appraisal_close(appraisal, today=today)
    grades = {m.pk: Grade.COMPETENT for m in full(branch)}
    grades[full(branch)[0].pk] = Grade.EXCELLENT
    services.ratings_propose(appraisal, grades)
    services.appraisal_decide(appraisal, decided_on=today, today=today)
    return appraisal


def test_commendation_candidates_follow_the_rule_and_the_board_decides(branch, people):
    today = date.today()
    decided_branch(branch, today)
    wy = people["tree"]["WY"]
    kind = CommendationKind.EXCELLENT_MEMBER
    commendation_services.rule_save(wy, today.year, kind, min_grade="excellent", min_points=0, hours_met=False, min_excellent_percent=10)
    found = commendation_services.candidates(wy, today.year, kind)
    assert [c.member for c in found] == [full(branch)[0]]
    commendation_services.rule_save(wy, today.year, kind, min_grade="excellent", min_points=0, hours_met=True, min_excellent_percent=10)
    assert commendation_services.candidates(wy, today.year, kind) == []  # no 学时 yet
    commendation_services.rule_save(wy, today.year, kind, min_grade="competent", min_points=0, hours_met=False, min_excellent_percent=10)
    assert len(commendation_services.candidates(wy, today.year, kind)) == 6
    board = login(people["users"]["principal"])
    response = board.post(
        reverse("appraisal:commendations") + f"?year={today.year}&kind={kind}",
        {"subject": full(branch)[0].pk, "awarded": "1", "decided_on": today.isoformat()},
    )
    assert response.status_code == 302
    assert commendation_services.candidates(wy, today.year, kind)[0].decision.awarded is True
    advanced = CommendationKind.ADVANCED_ORGANIZATION
    assert commendation_services.candidates(wy, today.year, advanced) == []  # 1 优秀 of 6: under the default 20%
    commendation_services.rule_save(
        wy, today.year, advanced, min_grade="excellent", min_points=0, hours_met=False, min_excellent_percent=15
    )
    assert [c.organization for c in commendation_services.candidates(wy, today.year, advanced)] == [branch["org"]]
    # A secretary reads the candidates but does not decide.
    assert login(branch["secretary"]).post(reverse("appraisal:commendations"), {"subject": 1, "awarded": "1"}).status_code == 404


def test_the_yearly_record_in_excel_and_a_pdf_whose_chinese_renders(branch, people, tmp_path):
    from io import BytesIO

    from openpyxl import load_workbook

    today = date.today()
    decided_branch(branch, today)
    board = login(people["users"]["principal"])
    query = f"?org={branch['org'].pk}&year={today.year}"
    page = board.get(reverse("appraisal:records") + query).content.decode()
    assert full(branch)[0].name in page
    book = load_workbook(BytesIO(board.get(reverse("appraisal:records_xlsx") + query).content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and {r[0] for r in rows[1:]} >= {m.name for m in branch["members"]}
    assert any(r[11] == "优秀" for r in rows[1:])
    pdf = board.get(reverse("appraisal:records_pdf") + query)
    assert pdf["Content-Type"] == "application/pdf"
    (tmp_path / "r.pdf").write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "考核述职材料" in text and full(branch)[0].name in text
    one = board.get(reverse("appraisal:member_record_pdf", args=[full(branch)[0].pk]) + f"?year={today.year}")
    assert one.status_code == 200 and one["Content-Type"] == "application/pdf"
    assert login(people["users"]["secretary"]).get(reverse("appraisal:member_record_pdf", args=[full(branch)[0].pk])).status_code == 404


def test_the_yearly_records_page_counts_as_the_study_hours_page_and_pages_its_members(branch, people):
    from decimal import Decimal

    from dangxiao.attendance import ledger
    from dangxiao.attendance.models import StudyHourEntry
    from dangxiao.people.models import Member

    today = date.today()
    org, members = branch["org"], full(branch)
    StudyHourEntry.objects.create(member=members[0], date=today, hours=Decimal("60"), source="external", reference="a")
    Member.objects.filter(pk=members[1].pk).update(is_elderly_infirm=True)  # exempt: neither met nor short
    for i in range(55):
        f.make_member(org, name=f"补充党员{i:02d}")
    board = login(people["users"]["principal"])
    page = board.get(reverse("appraisal:records"), {"org": org.pk, "year": today.year})
    truth = ledger.compliance(people["users"]["principal"], org, today.year, today).total
    assert (truth.met, truth.exempt) == (1, 1)
    assert f"党员 {truth.members} 人，学时达标 1 人，免于学时要求 1 人" in page.content.decode()
    assert len(page.context["rows"]) == 50 and page.context["page"].paginator.num_pages == 2
    second = board.get(reverse("appraisal:records"), {"org": org.pk, "year": today.year, "page": 2})
    assert len(second.context["rows"]) == truth.members - 50
