"""民主评议: one vote each, a ballot nobody can trace back to its voter, tallies hidden until close, the
1/3 rule, probationary members unrated, the 不合格 follow-up, and the pages around it."""

import logging
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from dangxiao.appraisal import appraisal_services as services
from dangxiao.appraisal.models import Appraisal, FollowUp, Grade, Rating, Tally, VoteCast
from dangxiao.core.models import AuditEvent

from . import factories as f
from .conftest import login

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 7)


@pytest.fixture
def branch(people):
    return f.make_appraisal_branch(people["tree"])


@pytest.fixture
def opened(branch):
    return services.appraisal_open(branch["org"], 2026, by=branch["secretary"], today=TODAY)


def full_members(branch):
    return [m for m in branch["members"] if m.status == "full"]


def marks_for(appraisal, voter, grade=Grade.COMPETENT, **special):
    from dangxiao.appraisal.appraisal_selectors import ballot_ratees

    return {m.pk: special.get(m.name, grade) for m in ballot_ratees(appraisal, voter.pk)}


def test_probationary_members_vote_but_are_not_on_the_ballot(branch, opened):
    probationary = branch["members"][-1]
    voter = full_members(branch)[0]
    from dangxiao.appraisal.appraisal_selectors import ballot_ratees

    assert probationary not in ballot_ratees(opened, voter.pk)
    services.ballot_cast(opened, probationary, marks_for(opened, probationary))
    assert VoteCast.objects.filter(appraisal=opened).count() == 1


def test_a_member_votes_only_once(branch, opened):
    voter = full_members(branch)[0]
    services.ballot_cast(opened, voter, marks_for(opened, voter))
    with pytest.raises(services.AppraisalError, match="已经投过票"):
        services.ballot_cast(opened, voter, marks_for(opened, voter, Grade.EXCELLENT))
    assert sum(t.total for t in Tally.objects.filter(appraisal=opened)) == len(full_members(branch)) - 1


def test_an_incomplete_or_foreign_ballot_is_refused_and_changes_nothing(branch, opened, people):
    voter = full_members(branch)[0]
    marks = marks_for(opened, voter)
    partial = dict(list(marks.items())[1:])
    with pytest.raises(services.AppraisalError, match="每一位"):
        services.ballot_cast(opened, voter, partial)
    with pytest.raises(services.AppraisalError, match="不参加评定"):
        services.ballot_cast(opened, voter, {**marks, people["members"]["c1_1"][0].pk: Grade.EXCELLENT})
    with pytest.raises(services.AppraisalError, match="等次只能是"):
        services.ballot_cast(opened, voter, {k: "best" for k in marks})
    with pytest.raises(services.AppraisalError, match="不是本次"):
        services.ballot_cast(opened, people["members"]["c1_1"][0], marks)
    assert not VoteCast.objects.exists() and sum(t.total for t in Tally.objects.all()) == 0


def snapshot() -> dict:
    found = {}
    for model in apps.get_models(include_auto_created=True):
        names = [f.attname for f in model._meta.concrete_fields]
        found[model._meta.label] = list(model.objects.values_list(*names))
    return found


def test_nothing_stored_or_logged_links_a_voter_to_their_ballot(branch, opened, caplog, settings):
    settings.DEBUG = True  # Django then logs every SQL statement: a vote's must not be among them
    voters = full_members(branch)[:3]
    target = full_members(branch)[-1]
    before = snapshot()
    AuditEvent.objects.all().delete()
    with caplog.at_level(logging.DEBUG):
        for voter in voters:
            services.ballot_cast(opened, voter, marks_for(opened, voter, **{target.name: Grade.INCOMPETENT}))
    after = snapshot()
    voter_ids = {v.pk for v in voters}
    changed = {label: [r for r in rows if r not in before.get(label, [])] for label, rows in after.items()}
    changed = {label: rows for label, rows in changed.items() if rows}
    # Only two tables change: "has voted" (the voter, a random key, no time) and the tallies (no voter).
    assert set(changed) == {"appraisal.VoteCast", "appraisal.Tally"}
    assert {row[2] for row in changed["appraisal.VoteCast"]} == voter_ids
    assert [f.name for f in VoteCast._meta.concrete_fields] == ["id", "appraisal", "voter"]
    assert {f.name for f in Tally._meta.concrete_fields} == {
        "id",
        "appraisal",
        "member",
        "source",
        "excellent",
        "competent",
        "basic",
        "incompetent",
    }
    assert not any(f.get_internal_type() in ("DateTimeField", "DateField") for f in (*VoteCast._meta.fields, *Tally._meta.fields))
    # The tally of the target says 3 不合格, not from whom; no row of any table names a voter beside a ratee's mark.
    peer = Tally.objects.get(appraisal=opened, member=target, source="peer")
    assert (peer.incompetent, peer.excellent) == (3, 0)
    # Ballot keys are random, not a sequence that follows the voting order.
    keys = [row[0] for row in changed["appraisal.VoteCast"]]
    assert all(k.version == 4 for k in keys)
    # No audit row, no log line of the vote names the voter.
    assert not AuditEvent.objects.exists()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "appraisal_votecast" not in text and "appraisal_tally" not in text
    for voter in voters:
        assert voter.name not in text and voter.phone not in text


@pytest.mark.postgres_only  # row versions (xmin) are PostgreSQL's
def test_every_vote_rewrites_every_tally_row_so_none_shows_which_ratees_it_touched(branch, opened):
    voter = full_members(branch)[0]
    services.ballot_cast(opened, voter, marks_for(opened, voter))
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT xmin::text FROM appraisal_tally WHERE appraisal_id = %s", [opened.pk])
        assert len(cursor.fetchall()) == 1


def test_tallies_are_hidden_until_the_ballot_closes(branch, opened):
    voter = full_members(branch)[0]
    services.ballot_cast(opened, voter, marks_for(opened, voter, Grade.EXCELLENT))
    client = login(branch["secretary"])
    url = reverse("appraisal:detail", args=[opened.pk])
    page = client.get(url).content.decode()
    assert 'data-col="peer"' not in page and "已投票 1 / 7 人" in page
    services.appraisal_close(opened, today=TODAY)
    page = client.get(url).content.decode()
    assert 'data-col="peer">1/0/0/0' in page


def test_no_more_than_a_third_excellent_and_no_grade_for_probationary_members(branch, opened):
    services.appraisal_close(opened, today=TODAY)
    full = full_members(branch)
    with pytest.raises(services.AppraisalError, match="三分之一.*6 人参加评定，优秀至多 2 人，现为 3 人"):
        services.ratings_propose(opened, {m.pk: Grade.EXCELLENT for m in full[:3]})
    with pytest.raises(services.AppraisalError, match="预备党员"):
        services.ratings_propose(opened, {branch["members"][-1].pk: Grade.COMPETENT})
    assert not Rating.objects.exists()
    services.ratings_propose(opened, {m.pk: Grade.EXCELLENT for m in full[:2]})
    with pytest.raises(services.AppraisalError, match="三分之一"):
        services.ratings_propose(opened, {full[2].pk: Grade.EXCELLENT})  # the third, added later, too


def test_the_decision_makes_grades_final_and_an_incompetent_member_gets_a_follow_up(branch, opened):
    full = full_members(branch)
    services.appraisal_close(opened, today=TODAY)
    with pytest.raises(services.AppraisalError, match="没有建议等次"):
        services.appraisal_decide(opened, decided_on=TODAY, today=TODAY)
    grades = {m.pk: Grade.COMPETENT for m in full}
    grades[full[0].pk], grades[full[1].pk] = Grade.EXCELLENT, Grade.INCOMPETENT
    services.ratings_propose(opened, grades)
    services.appraisal_decide(opened, decided_on=TODAY, notes="党员大会表决通过", today=TODAY)
    opened.refresh_from_db()
    assert opened.status == Appraisal.Status.DECIDED
    assert Rating.objects.get(member=full[0]).grade == Grade.EXCELLENT
    follow_up = FollowUp.objects.get()
    assert follow_up.rating.member == full[1] and follow_up.deadline == TODAY + timedelta(days=90)
    page = login(branch["secretary"]).get(reverse("appraisal:follow_ups")).content.decode()
    assert full[1].name in page
    with pytest.raises(services.AppraisalError, match="复查须同时"):
        services.follow_up_update(follow_up, plan="结对帮扶", deadline=TODAY + timedelta(days=60), outcome="improved", today=TODAY)
    services.follow_up_update(
        follow_up, plan="结对帮扶", deadline=TODAY + timedelta(days=60), reviewed_on=TODAY, outcome="improved", today=TODAY
    )
    assert FollowUp.objects.get().outcome == "improved"


def test_a_member_sees_only_their_own_grade_after_the_decision(branch, opened):
    full = full_members(branch)
    services.appraisal_close(opened, today=TODAY)
    services.ratings_propose(opened, {m.pk: (Grade.EXCELLENT if m == full[0] else Grade.COMPETENT) for m in full})
    url = reverse("appraisal:my_detail", args=[opened.pk])
    assert "data-grade" not in login(full[0].user).get(url).content.decode()  # proposed, not decided
    services.appraisal_decide(opened, decided_on=TODAY, today=TODAY)
    mine = login(full[0].user).get(url).content.decode()
    theirs = login(full[1].user).get(url).content.decode()
    assert 'data-grade="excellent"' in mine and "excellent" not in theirs and full[0].name not in theirs.split("<main")[-1]


def test_the_ballot_page_and_vote_through_the_phone(branch, opened):
    voter = full_members(branch)[0]
    client = login(voter.user)
    page = client.get(reverse("appraisal:my_detail", args=[opened.pk])).content.decode()
    assert page.count("<fieldset") == 5
    data = {f"grade_{pk}": g for pk, g in marks_for(opened, voter).items()}
    assert client.post(reverse("appraisal:my_vote", args=[opened.pk]), data).status_code == 302
    again = client.post(reverse("appraisal:my_vote", args=[opened.pk]), data, follow=True).content.decode()
    assert "已经投过票" in again and VoteCast.objects.count() == 1


def test_a_one_time_code_votes_once_without_an_account(branch, opened):
    from django.test import Client

    code = services.codes_issue(opened, 2)[0]
    client = Client()
    page = client.get(reverse("appraisal:code_vote"), {"code": code}).content.decode()
    assert page.count("<fieldset") == 6
    data = {"code": code, "cast": "1", **{f"grade_{pk}": Grade.COMPETENT for pk in marks_for(opened, branch["members"][-1])}}
    data[f"grade_{branch['members'][-1].pk}"] = ""
    marks = {m.pk: Grade.COMPETENT for m in full_members(branch)}
    services.ballot_cast_with_code(opened, code, marks)
    with pytest.raises(services.AppraisalError, match="无效或已使用"):
        services.ballot_cast_with_code(opened, code, marks)
    assert Tally.objects.get(appraisal=opened, member=full_members(branch)[0], source="public").competent == 1
    assert "无效或已使用" in client.get(reverse("appraisal:code_vote"), {"code": code}).content.decode()


def test_staff_pages_keep_to_a_query_budget(branch, opened, django_assert_max_num_queries):
    services.appraisal_close(opened, today=TODAY)
    client = login(branch["secretary"])
    for url in (
        reverse("appraisal:list"),
        reverse("appraisal:detail", args=[opened.pk]),
        reverse("appraisal:follow_ups"),
        reverse("appraisal:commendations"),
        reverse("appraisal:records"),
    ):
        with django_assert_max_num_queries(30):
            assert client.get(url).status_code == 200, url
    member = login(full_members(branch)[0].user)
    with django_assert_max_num_queries(20):
        assert member.get(reverse("appraisal:my_detail", args=[opened.pk])).status_code == 200


def test_out_of_scope_appraisals_answer_404(branch, opened, people):
    other = login(people["users"]["secretary"])  # C1-1's secretary; the appraisal is C1-2's
    for name in ("detail", "close", "propose", "decide", "codes"):
        response = (
            other.post(reverse(f"appraisal:{name}", args=[opened.pk]))
            if name != "detail"
            else other.get(reverse("appraisal:detail", args=[opened.pk]))
        )
        assert response.status_code == 404, name
    assert login(people["users"]["member"]).get(reverse("appraisal:my_detail", args=[opened.pk])).status_code == 404
    opened.refresh_from_db()
    assert opened.status == Appraisal.Status.OPEN


def test_bad_input_is_refused_with_a_message(branch, opened):
    client = login(branch["secretary"])
    assert client.get(reverse("appraisal:detail", args=[2**62])).status_code == 404
    response = client.post(reverse("appraisal:list"), {"organization": branch["org"].pk, "year": "2026"}, follow=True)
    assert "已经开始" in response.content.decode()
    assert client.post(reverse("appraisal:list"), {"organization": "99999999999999999999999"}).status_code == 404
    response = client.post(reverse("appraisal:codes", args=[opened.pk]), {"count": "100000"}, follow=True)
    assert "1 至 200" in response.content.decode()
    services.appraisal_close(opened, today=TODAY)
    response = client.post(reverse("appraisal:decide", args=[opened.pk]), {"decided_on": "9999-99-99"}, follow=True)
    assert "请填写党员大会日期" in response.content.decode()


def test_the_commendation_candidates_keep_their_queries_however_many_branches(people):
    from decimal import Decimal

    from django.test.utils import CaptureQueriesContext

    from dangxiao.attendance.models import StudyHourEntry

    f.make_school(people["tree"])
    client = login(people["users"]["principal"])
    url = reverse("appraisal:commendations") + "?kind=excellent_member&year=2026"

    def decided_branch(parent, code):
        branch = f.make_appraisal_branch(people["tree"], parent=parent, code=code)
        appraisal = services.appraisal_open(branch["org"], 2026, by=branch["secretary"], today=TODAY)
        services.appraisal_close(appraisal, today=TODAY)
        full = full_members(branch)
        services.ratings_propose(appraisal, {m.pk: Grade.EXCELLENT if m == full[0] else Grade.COMPETENT for m in full})
        services.appraisal_decide(appraisal, decided_on=TODAY, today=TODAY)
        StudyHourEntry.objects.create(member=full[0], date=TODAY, hours=Decimal("60"), source="external", reference=f"x{code}")
        return full[0]

    first = decided_branch("C1", "C1-9")
    with CaptureQueriesContext(connection) as one:
        page = client.get(url)
    assert page.status_code == 200 and first.name in page.content.decode()
    more = [decided_branch(parent, code) for parent, code in (("C2", "C2-9"), ("C1", "C1-8"), ("C2", "C2-8"))]
    with CaptureQueriesContext(connection) as four:
        body = client.get(url).content.decode()
    assert all(m.name in body for m in more)
    assert len(four) == len(one)


def test_opening_the_ballot_tells_each_member_taking_part_once(branch, opened):
    from dangxiao.notify.models import Notification

    notices = Notification.objects.filter(kind="appraisal_open")
    assert {n.user_id for n in notices} == {m.user_id for m in branch["members"]}  # probationary ones vote too
    assert all(n.url == reverse("appraisal:my_detail", args=[opened.pk]) for n in notices)
    page = login(branch["members"][0].user).get(reverse("notify:centre")).content.decode()
    assert "民主评议开始投票" in page


def test_commendation_candidates_show_the_grade_label_and_no_empty_position(people):
    from decimal import Decimal

    from dangxiao.attendance.models import StudyHourEntry

    f.make_school(people["tree"])
    branch = f.make_appraisal_branch(people["tree"], parent="C1", code="C1-9")
    appraisal = services.appraisal_open(branch["org"], 2026, by=branch["secretary"], today=TODAY)
    services.appraisal_close(appraisal, today=TODAY)
    full = full_members(branch)
    services.ratings_propose(appraisal, {m.pk: Grade.EXCELLENT if m == full[0] else Grade.COMPETENT for m in full})
    services.appraisal_decide(appraisal, decided_on=TODAY, today=TODAY)
    StudyHourEntry.objects.create(member=full[0], date=TODAY, hours=Decimal("60"), source="external", reference="x")
    full[0].position = ""
    full[0].save(update_fields=["position"])

    url = reverse("appraisal:commendations") + "?kind=excellent_member&year=2026"
    body = login(people["users"]["principal"]).get(url).content.decode()
    row = body[body.index(f'data-candidate="{full[0].pk}"') :].split("</tr>")[0]
    assert "等次 优秀" in row and "excellent" not in row
    assert "无" not in row
    assert '<div class="table-responsive">' in body
