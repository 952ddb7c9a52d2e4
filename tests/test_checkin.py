"""Check-in: every path and every refusal, with a controllable clock; the ledger follows the roll."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from dangxiao.attendance import codes, services
from dangxiao.attendance.models import Attendance, LeaveRequest, StudyHourEntry
from dangxiao.attendance.services import CheckInRefused
from dangxiao.teaching.models import Enrollment, Session
from dangxiao.teaching.services import TeachingError

from .factories import make_cohort, make_school

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 12, 1, 19, 0, tzinfo=SH)


@pytest.fixture
def lesson(people):
    school, main, _small = make_school(people["tree"])
    cohort = make_cohort(school, people["tree"]["C1-1"])
    session = Session.objects.create(
        cohort=cohort, title="党章学习", starts_at=START, ends_at=START + timedelta(hours=2), venue=main, hours=Decimal("2.0")
    )
    members = people["members"]["c1_1"]
    for m in members:
        Enrollment.objects.create(cohort=cohort, member=m)
    return {"session": session, "roll": members, "outsider": people["members"]["c2_1"][0], **people}


def code_at(session, at):
    return codes.current(session.pk, at, 15)


def check_in(lesson, member, at, **kw):
    if "token" not in kw and "digits" not in kw and kw.get("method", "qr") == "qr":
        kw["token"] = code_at(lesson["session"], at).token
    return services.session_check_in(lesson["session"], member, now=at, **kw)


def test_a_scan_checks_in_once_and_a_second_scan_changes_nothing(lesson):
    m = lesson["roll"][0]
    first = check_in(lesson, m, START - timedelta(minutes=5), device_id="phone-a")
    again = check_in(lesson, m, START + timedelta(minutes=1), device_id="phone-a")
    assert first.created and first.attendance.status == "present"
    assert not again.created and "已于" in again.message
    assert Attendance.objects.filter(session=lesson["session"]).count() == 1


def test_after_the_grace_period_the_member_is_late(lesson):
    result = check_in(lesson, lesson["roll"][0], START + timedelta(minutes=11))
    assert result.attendance.status == "late" and result.message == "签到成功（迟到）"


def test_the_typed_six_digit_code_works(lesson):
    at = START - timedelta(minutes=1)
    result = services.session_check_in(lesson["session"], lesson["roll"][0], now=at, digits=code_at(lesson["session"], at).digits)
    assert result.created


@pytest.mark.parametrize(
    "when, reason",
    [(START - timedelta(minutes=31), "too_early"), (START + timedelta(hours=2, minutes=1), "closed")],
)
def test_outside_the_window_is_refused(lesson, when, reason):
    with pytest.raises(CheckInRefused) as refused:
        check_in(lesson, lesson["roll"][0], when)
    assert refused.value.reason == reason and "签到" in str(refused.value)


def test_a_member_not_enrolled_is_refused_unless_walk_ins_are_admitted(lesson):
    at = START
    with pytest.raises(CheckInRefused) as refused:
        check_in(lesson, lesson["outsider"], at)
    assert refused.value.reason == "not_enrolled" and "没有报名" in str(refused.value)
    lesson["session"].admits_walk_ins = True
    lesson["session"].save()
    result = check_in(lesson, lesson["outsider"], at)
    assert result.created and result.attendance.is_walk_in


def test_an_expired_code_is_refused(lesson):
    shown = START - timedelta(minutes=2)
    with pytest.raises(CheckInRefused) as refused:
        check_in(lesson, lesson["roll"][0], shown + timedelta(seconds=40), token=code_at(lesson["session"], shown).token)
    assert refused.value.reason == "expired" and "过期" in str(refused.value)


def test_a_replayed_old_typed_code_is_refused_as_expired(lesson):
    shown = START - timedelta(minutes=2)
    with pytest.raises(CheckInRefused) as refused:
        services.session_check_in(
            lesson["session"], lesson["roll"][0], now=shown + timedelta(seconds=31), digits=code_at(lesson["session"], shown).digits
        )
    assert refused.value.reason == "expired"


def test_a_code_within_its_two_second_grace_is_accepted(lesson):
    step_start = datetime.fromtimestamp((int(START.timestamp()) // 15) * 15, tz=SH)
    old = code_at(lesson["session"], step_start - timedelta(seconds=1))
    assert check_in(lesson, lesson["roll"][0], step_start + timedelta(seconds=1), token=old.token).created


@pytest.mark.parametrize("token", ["12345.deadbeef", "garbage", ""])
def test_forged_codes_are_refused(lesson, token):
    with pytest.raises(CheckInRefused) as refused:
        services.session_check_in(lesson["session"], lesson["roll"][0], now=START, token=token, digits="" if token else "12")
    assert refused.value.reason == "forged"


def test_a_code_for_another_session_is_forged(lesson):
    other = Session.objects.create(cohort=lesson["session"].cohort, title="另一课", starts_at=START, ends_at=START + timedelta(hours=1))
    with pytest.raises(CheckInRefused) as refused:
        check_in(lesson, lesson["roll"][0], START, token=code_at(other, START).token)
    assert refused.value.reason == "forged"


def test_one_phone_cannot_check_in_a_second_member(lesson):
    a, b = lesson["roll"][:2]
    check_in(lesson, a, START, device_id="shared-phone")
    with pytest.raises(CheckInRefused) as refused:
        check_in(lesson, b, START + timedelta(seconds=20), device_id="shared-phone")
    assert refused.value.reason == "device" and "本人手机" in str(refused.value)
    assert check_in(lesson, b, START + timedelta(seconds=30), device_id="own-phone").created


def test_check_in_credits_the_sessions_study_hours_once(lesson):
    m = lesson["roll"][0]
    check_in(lesson, m, START)
    check_in(lesson, m, START + timedelta(minutes=1))
    entry = StudyHourEntry.objects.get(member=m)
    assert entry.hours == Decimal("2.0") and entry.source == "session" and entry.session == lesson["session"]


def test_manual_marks_keep_the_ledger_in_step(lesson):
    a, b, c = lesson["roll"]
    secretary = lesson["users"]["secretary"]
    assert services.roll_mark_all_present(lesson["session"], by=secretary) == 3
    services.roll_mark(lesson["session"], {b.pk: "absent", c.pk: "left_early"}, by=secretary)
    hours = dict(StudyHourEntry.objects.values_list("member_id", "hours"))
    assert hours == {a.pk: Decimal("2.0"), c.pk: Decimal("1.0")}
    assert Attendance.objects.get(member=b).marked_by == secretary


def test_marks_for_members_not_on_the_roll_change_nothing(lesson):
    with pytest.raises(TeachingError):
        services.roll_mark(
            lesson["session"], {lesson["roll"][0].pk: "present", lesson["outsider"].pk: "present"}, by=lesson["users"]["secretary"]
        )
    assert not Attendance.objects.exists()


def test_leave_before_the_session_approved_means_excused(lesson):
    m = lesson["roll"][1]
    leave = services.leave_request(lesson["session"], m, "出差", now=START - timedelta(days=1))
    with pytest.raises(TeachingError, match="已为这次课"):
        services.leave_request(lesson["session"], m, "再请一次", now=START - timedelta(days=1))
    services.leave_decide(leave, approve=True, by=lesson["users"]["secretary"])
    assert Attendance.objects.get(member=m).status == "excused"
    services.roll_mark_all_present(lesson["session"], by=lesson["users"]["secretary"])
    assert Attendance.objects.get(member=m).status == "excused"
    assert not StudyHourEntry.objects.filter(member=m).exists()


def test_leave_after_the_start_or_without_a_reason_is_refused(lesson):
    m = lesson["roll"][1]
    with pytest.raises(TeachingError, match="已开始"):
        services.leave_request(lesson["session"], m, "迟了", now=START + timedelta(minutes=1))
    with pytest.raises(TeachingError, match="事由"):
        services.leave_request(lesson["session"], m, "  ", now=START - timedelta(days=1))
    leave = services.leave_request(lesson["session"], m, "生病", now=START - timedelta(hours=3))
    services.leave_decide(leave, approve=False, by=lesson["users"]["secretary"])
    assert LeaveRequest.objects.get().status == "refused" and not Attendance.objects.exists()


def test_the_kiosk_checks_in_a_member_card_and_refuses_a_forged_one(lesson):
    m = lesson["roll"][2]
    card = services.member_card_text(m)
    result = services.kiosk_check_in(lesson["session"], card.lower() + "\n", by=lesson["users"]["secretary"], now=START)
    assert result.created and result.attendance.method == "kiosk"
    with pytest.raises(CheckInRefused) as refused:
        services.kiosk_check_in(lesson["session"], f"DX{m.pk}-AAAAAAAAAA", by=lesson["users"]["secretary"], now=START)
    assert refused.value.reason == "bad_card"


def test_a_cancelled_session_takes_no_check_in(lesson):
    lesson["session"].status = "cancelled"
    lesson["session"].save()
    with pytest.raises(CheckInRefused) as refused:
        check_in(lesson, lesson["roll"][0], START)
    assert refused.value.reason == "cancelled"
