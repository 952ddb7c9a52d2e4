"""志愿服务 (VolunteerService), its rules: who may join, the sign-up limit, check-in by the rotating code or
the organiser, hours recorded and approved in a queue, corrections, and service totals that take in home
visits and resolved matters once each."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dangxiao.attendance.models import VolunteerTime
from dangxiao.core.access import filter_joinable_services, filter_service_participants
from dangxiao.core.models import AuditEvent
from dangxiao.liaison import services as liaison_services
from dangxiao.practice import service_codes, service_selectors
from dangxiao.practice import service_services as services
from dangxiao.practice.models import ServiceParticipant

from .service_fixtures import make_service, past_service_with

pytestmark = pytest.mark.django_db
Hours = ServiceParticipant.Hours


# --- Who may join -------------------------------------------------------------------------------------


def test_a_member_joins_the_activities_of_their_branch_and_of_the_organisations_above_it(people):
    tree, user = people["tree"], people["users"]["member"]  # a member of C1-1
    own, community, school = make_service(tree["C1-1"]), make_service(tree["C1"]), make_service(tree["WY"])
    sibling, other = make_service(tree["C1-2"]), make_service(tree["C2"])
    offered = set(filter_joinable_services(user).values_list("pk", flat=True))
    assert offered == {own.pk, community.pk, school.pk}
    assert sibling.pk not in offered and other.pk not in offered


def test_signing_up_for_a_sibling_branchs_activity_is_refused(people):
    service = make_service(people["tree"]["C1-2"])
    with pytest.raises(services.ServiceError, match="未向您所在的组织开放"):
        services.service_sign_up(service, people["members"]["c1_1"][0])
    assert not ServiceParticipant.objects.exists()


# --- The limit ----------------------------------------------------------------------------------------


def test_the_sign_up_limit_refuses_the_member_past_it_and_a_withdrawal_frees_the_seat(people):
    a, b, c = people["members"]["c1_1"]
    service = make_service(people["tree"]["C1"], limit=2)
    services.service_sign_up(service, a)
    services.service_sign_up(service, b)
    with pytest.raises(services.ServiceError, match="名额已满"):
        services.service_sign_up(service, c)
    services.service_withdraw(service, a)
    services.service_sign_up(service, c)
    assert set(service.participants.filter(status="signed_up").values_list("member_id", flat=True)) == {b.pk, c.pk}


def test_signing_up_twice_is_refused_and_coming_back_after_withdrawing_reuses_the_one_row(people):
    a = people["members"]["c1_1"][0]
    service = make_service(people["tree"]["C1-1"])
    services.service_sign_up(service, a)
    with pytest.raises(services.ServiceError, match="已报名"):
        services.service_sign_up(service, a)
    services.service_withdraw(service, a)
    services.service_sign_up(service, a)
    assert ServiceParticipant.objects.filter(service=service, member=a).count() == 1


def test_no_sign_up_or_withdrawal_after_the_start_nor_on_a_cancelled_activity(people):
    a, b = people["members"]["c1_1"][:2]
    service = make_service(people["tree"]["C1-1"])
    services.service_sign_up(service, a)
    later = service.starts_at + timedelta(minutes=1)
    with pytest.raises(services.ServiceError, match="已开始"):
        services.service_sign_up(service, b, now=later)
    with pytest.raises(services.ServiceError, match="已开始"):
        services.service_withdraw(service, a, now=later)
    services.service_cancel(service, reason="下雨")
    with pytest.raises(services.ServiceError, match="已取消"):
        services.service_sign_up(service, b)


def test_the_limit_cannot_be_lowered_below_those_signed_up(people):
    members = people["members"]["c1_1"]
    service = make_service(people["tree"]["C1-1"], limit=5)
    for m in members:
        services.service_sign_up(service, m)
    with pytest.raises(services.ServiceError, match="名额不能少于报名人数"):
        services.service_update(service, signup_limit=2)
    service.refresh_from_db()
    assert service.signup_limit == 5


# --- Check-in -------------------------------------------------------------------------------------------


def test_a_member_checks_in_with_the_current_code_and_not_with_an_old_one(people):
    a = people["members"]["c1_1"][0]
    service = make_service(people["tree"]["C1-1"])
    services.service_sign_up(service, a)
    during = service.starts_at + timedelta(minutes=10)
    old = service_codes.current(service.pk, during - timedelta(minutes=2)).token
    with pytest.raises(services.ServiceError, match="签到码无效或已过期"):
        services.service_check_in(service, a, token=old, now=during)
    result = services.service_check_in(service, a, token=service_codes.current(service.pk, during).token, now=during)
    assert result.participant.checked_in_at == during and not result.already
    again = services.service_check_in(service, a, token=service_codes.current(service.pk, during).token, now=during)
    assert again.already


def test_a_code_of_one_activity_does_not_check_in_to_another(people):
    a = people["members"]["c1_1"][0]
    one, two = make_service(people["tree"]["C1-1"]), make_service(people["tree"]["C1-1"])
    during = two.starts_at + timedelta(minutes=1)
    with pytest.raises(services.ServiceError):
        services.service_check_in(two, a, token=service_codes.current(one.pk, during).token, now=during)


def test_a_walk_in_is_signed_up_at_check_in_while_a_seat_is_free(people):
    a, b = people["members"]["c1_1"][:2]
    service = make_service(people["tree"]["C1-1"], limit=1)
    during = service.starts_at + timedelta(minutes=1)
    services.service_check_in(service, a, token=service_codes.current(service.pk, during).token, now=during)
    with pytest.raises(services.ServiceError, match="名额已满"):
        services.service_check_in(service, b, token=service_codes.current(service.pk, during).token, now=during)
    assert service.participants.get().member == a


def test_the_organiser_marks_presence_among_those_signed_up_only(people):
    a, b, _c = people["members"]["c1_1"]
    stranger = people["members"]["c2_1"][0]
    service = make_service(people["tree"]["C1-1"])
    services.service_sign_up(service, a)
    services.service_sign_up(service, b)
    during = service.starts_at + timedelta(minutes=5)
    with pytest.raises(services.ServiceError, match="已报名"):
        services.service_mark_presence(service, [a.pk, stranger.pk], now=during)
    assert services.service_mark_presence(service, [a.pk], now=during) == {"marked": 1, "cleared": 0, "kept_approved": 0}
    services.service_mark_presence(service, [b.pk], now=during)
    came = set(service.participants.filter(checked_in_at__isnull=False).values_list("member_id", flat=True))
    assert came == {b.pk}


# --- Hours and the queue --------------------------------------------------------------------------------


def test_hours_default_to_the_activity_duration_for_those_who_came_and_wait_for_approval(people):
    a, b, c = people["members"]["c1_1"]
    service = past_service_with([a, b, c], people["tree"]["C1-1"], hours=3, checked_in=[a, b])
    assert services.hours_record(service) == 2
    rows = {p.member_id: p for p in service.participants.all()}
    assert rows[a.pk].minutes == 180 and rows[a.pk].hours_status == Hours.PENDING
    assert rows[c.pk].minutes is None and rows[c.pk].hours_status == Hours.NONE
    assert service_selectors.service_minutes([a.pk, c.pk], service.starts_at.year) == {}  # nothing approved yet


def test_hours_cannot_be_recorded_before_the_end(people):
    a = people["members"]["c1_1"][0]
    service = make_service(people["tree"]["C1-1"])
    services.service_sign_up(service, a)
    with pytest.raises(services.ServiceError, match="结束后"):
        services.hours_record(service, now=service.starts_at + timedelta(minutes=30))


def test_the_approval_queue_approves_in_bulk_within_the_approvers_scope_only(people):
    tree, users = people["tree"], people["users"]
    a, b = people["members"]["c1_1"][:2]
    x = people["members"]["c2_1"][0]
    mine = past_service_with([a, b], tree["C1-1"])
    theirs = past_service_with([x], tree["C2-1"])
    services.hours_record(mine)
    services.hours_record(theirs)
    secretary = users["secretary"]  # org_admin on C1-1
    queue = service_selectors.queue(secretary)
    assert {p.member_id for p in queue} == {a.pk, b.pk}
    ids = [p.pk for p in queue] + [theirs.participants.get().pk]
    result = services.hours_approve(filter_service_participants(secretary), ids, by=secretary)
    assert len(result.approved) == 2 and len(result.refused) == 1
    assert theirs.participants.get().hours_status == Hours.PENDING
    year = mine.starts_at.year
    assert service_selectors.service_minutes([a.pk, b.pk, x.pk], year) == {a.pk: 120, b.pk: 120}
    assert AuditEvent.objects.filter(action="record_update", object_type="volunteer_service", object_id=str(mine.pk)).exists()


def test_the_organiser_adjusts_minutes_and_approved_hours_go_back_to_the_queue(people):
    secretary = people["users"]["secretary"]
    a = people["members"]["c1_1"][0]
    service = past_service_with([a], people["tree"]["C1-1"])
    services.hours_record(service)
    p = service.participants.get()
    services.hours_approve(filter_service_participants(secretary), [p.pk], by=secretary)
    services.hours_adjust(p, minutes=90, note="提前离开")
    p.refresh_from_db()
    assert (p.minutes, p.hours_status, p.approved_by) == (90, Hours.PENDING, None)
    with pytest.raises(services.ServiceError, match="1 至 1440"):
        services.hours_adjust(p, minutes=10**9)
    p.refresh_from_db()
    assert p.minutes == 90


def test_a_member_asks_for_a_correction_and_the_approver_accepts_or_refuses_it(people):
    secretary = people["users"]["secretary"]
    a, b = people["members"]["c1_1"][:2]
    service = past_service_with([a, b], people["tree"]["C1-1"], checked_in=[a])
    services.hours_record(service)
    pa, pb = service.participants.get(member=a), service.participants.get(member=b)
    services.hours_correction_ask(pa, minutes=150, reason="活动后继续清理到11点")
    services.hours_correction_ask(pb, minutes=120, reason="我到场了但没有签到")
    with pytest.raises(services.ServiceError, match="已申请更正"):
        services.hours_correction_ask(pa, minutes=160, reason="再改")
    assert {p.hours_status for p in service_selectors.queue(secretary)} == {Hours.CORRECTION}
    services.hours_correction_decide(pa, accept=False, by=secretary)
    services.hours_correction_decide(pb, accept=True, by=secretary)
    pa.refresh_from_db()
    pb.refresh_from_db()
    assert (pa.minutes, pa.hours_status) == (120, Hours.APPROVED)
    assert (pb.minutes, pb.hours_status) == (120, Hours.APPROVED) and pb.checked_in_at is not None
    assert not service_selectors.queue(secretary).exists()


def test_a_correction_needs_a_reason_and_sane_minutes_and_changes_nothing_otherwise(people):
    a = people["members"]["c1_1"][0]
    service = past_service_with([a], people["tree"]["C1-1"])
    p = service.participants.get()
    for minutes, reason in ((60, "  "), (0, "理由"), ("abc", "理由"), (99999999999999999999, "理由")):
        with pytest.raises(services.ServiceError):
            services.hours_correction_ask(p, minutes=minutes, reason=reason)
    p.refresh_from_db()
    assert p.hours_status == Hours.NONE and p.correction_reason == ""


def test_an_activity_with_recorded_hours_can_be_neither_cancelled_nor_moved(people):
    a = people["members"]["c1_1"][0]
    service = past_service_with([a], people["tree"]["C1-1"])
    services.hours_record(service)
    with pytest.raises(services.ServiceError, match="不能取消"):
        services.service_cancel(service, reason="误建")
    with pytest.raises(services.ServiceError, match="不能再修改活动时间"):
        services.service_update(service, starts_at=service.starts_at - timedelta(hours=1))


def test_absurd_activity_input_is_refused_in_chinese(people):
    org = people["tree"]["C1-1"]
    now = timezone.now()
    for fields in (
        {"title": " ", "starts_at": now, "ends_at": now + timedelta(hours=1)},
        {"title": "x", "starts_at": now, "ends_at": now},
        {"title": "x", "starts_at": now, "ends_at": now + timedelta(days=3)},
        {"title": "x", "starts_at": now.replace(year=2999), "ends_at": now.replace(year=2999) + timedelta(hours=1)},
        {"title": "x", "starts_at": now, "ends_at": now + timedelta(hours=1), "signup_limit": 0},
        {"title": "x", "starts_at": now, "ends_at": now + timedelta(hours=1), "kind": "party"},
    ):
        with pytest.raises(services.ServiceError):
            services.service_create(org, **fields)
    assert not org.volunteer_services.exists()


# --- Service from elsewhere, counted once ------------------------------------------------------------------


def test_home_visits_and_resolved_matters_count_once_beside_approved_activity_hours(liaison):
    tree, users = liaison["tree"], liaison["users"]
    a = liaison["members"]["c1_1"][0]
    service = past_service_with([a], tree["C1-1"])
    services.hours_record(service)
    services.hours_approve(filter_service_participants(users["secretary"]), [service.participants.get().pk], by=users["secretary"])
    year, now = service.starts_at.year, timezone.localtime(service.starts_at)
    VolunteerTime.objects.create(member=a, date=now.date(), minutes=45, reference="visit:1")
    category = next(iter(liaison["categories"].values()))
    matter = liaison_services.matter_report(liaison["a"], category=category, description="楼道灯不亮", now=now)
    matter.assigned_member = a
    matter.save(update_fields=["assigned_member"])
    liaison_services.matter_resolve(matter, users["principal"], households_benefited=3, now=now + timedelta(hours=1))
    expected = 120 + 45 + service_selectors.MATTER_MINUTES
    assert service_selectors.service_minutes([a.pk], year) == {a.pk: expected}
    record = service_selectors.member_record(a, year)
    assert record["total_minutes"] == expected and record["matter_count"] == 1 and len(record["visits"]) == 1
    # Reopened, it no longer counts; fixed again, it counts once.
    liaison_services.matter_reopen(matter, note="又坏了", now=now + timedelta(hours=2))
    assert service_selectors.service_minutes([a.pk], year) == {a.pk: 120 + 45}
    matter.refresh_from_db()
    liaison_services.matter_resolve(matter, users["principal"], households_benefited=3, now=now + timedelta(hours=3))
    assert service_selectors.service_minutes([a.pk], year) == {a.pk: expected}


def test_duties_name_the_hours_to_approve_and_the_corrections_asked(people):
    secretary = people["users"]["secretary"]
    a, b = people["members"]["c1_1"][:2]
    service = past_service_with([a, b], people["tree"]["C1-1"])
    services.hours_record(service)
    services.hours_correction_ask(service.participants.get(member=b), minutes=30, reason="提前离开")
    duties = service_selectors.duties(secretary, timezone.localdate())
    assert [(d.count, d.url) for d in duties] == [(1, "/practice/service/queue/"), (1, "/practice/service/queue/?kind=correction")]
    assert service_selectors.duties(people["users"]["member"], timezone.localdate()) == []
    assert service_selectors.duties(people["users"]["principal"], timezone.localdate())[0].count == 1
