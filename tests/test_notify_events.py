"""Each domain tells its users: a session changed or cancelled, leave decided, reminders before a session,
学时 at risk, a matter's deadline coming, a teacher's term ending, an activation code sent by SMS."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.attendance import reminders
from dangxiao.attendance.leave import leave_decide_many
from dangxiao.attendance.roll import leave_request
from dangxiao.core.models import AuditEvent
from dangxiao.liaison import deadlines
from dangxiao.liaison import services as liaison_services
from dangxiao.notify.models import Delivery, Notification
from dangxiao.people.models import ActivationCode
from dangxiao.school.term_reminders import teacher_terms_notify
from dangxiao.teaching import changes, services
from dangxiao.teaching.models import Session

from .conftest import login
from .factories import make_cohort, make_member, make_school, make_teacher
from .fake_providers import FakeProviders, aliyun_settings

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def cohort(people):
    """A C1-1 cohort with the member (who has an account) and another C1-1 member enrolled, and a session in
    two days' evening."""
    school, main, small = make_school(people["tree"])
    cohort = make_cohort(school, people["tree"]["C1-1"], name="第一支部冬训班")
    for m in people["members"]["c1_1"][:2]:
        services.cohort_enroll(cohort, m)
    at = timezone.now().astimezone(SHANGHAI).replace(hour=19, minute=0, second=0, microsecond=0) + timedelta(days=2)
    session = Session.objects.create(cohort=cohort, title="第1讲", starts_at=at, ends_at=at + timedelta(hours=2), venue=small)
    return {**people, "school": school, "cohort": cohort, "session": session}


def notices(user, **filters):
    return list(Notification.objects.filter(user=user, **filters).values_list("title", flat=True))


def test_cancelling_a_session_tells_its_enrolled_members_in_the_app(cohort):
    member, session = cohort["users"]["member"], cohort["session"]
    response = login(cohort["users"]["secretary"]).post(reverse("teaching:session_cancel", args=[session.pk]), {"reason": "场地停电"})
    assert response.status_code == 302
    assert notices(member) == ["课次取消：第1讲"]
    assert "场地停电" in Notification.objects.get(user=member).body
    assert not Notification.objects.filter(user=cohort["users"]["secretary"]).exists()


def test_moving_a_session_tells_its_members_and_each_change_is_a_new_notice(cohort):
    member, session, by = cohort["users"]["member"], cohort["session"], cohort["users"]["secretary"]
    later = session.starts_at + timedelta(days=1)
    changes.session_update(session, by=by, title="第1讲", starts_at=later, ends_at=later + timedelta(hours=2), venue=session.venue)
    changes.session_update(session, by=by, title="第1讲（改）", starts_at=later, ends_at=later + timedelta(hours=2), venue=session.venue)
    assert notices(member) == ["课次变更：第1讲（改）", "课次变更：第1讲"]


def test_a_decided_leave_request_tells_the_member(cohort):
    member = cohort["members"]["c1_1"][0]
    leave = leave_request(cohort["session"], member, "出差")
    leave_decide_many(cohort["users"]["secretary"], [leave.pk], approve=True)
    assert notices(cohort["users"]["member"]) == ["请假已批准：第1讲"]


def test_members_are_reminded_the_day_before_and_within_the_hour_once_each(cohort):
    member, session = cohort["users"]["member"], cohort["session"]
    assert reminders.session_reminders_send(now=session.starts_at - timedelta(hours=30)) == 0  # not yet
    day_before = session.starts_at - timedelta(hours=23)
    assert reminders.session_reminders_send(now=day_before) == 1  # the only enrolled member with an account
    assert reminders.session_reminders_send(now=day_before + timedelta(minutes=10)) == 0  # the job again: nothing
    assert reminders.session_reminders_send(now=session.starts_at - timedelta(minutes=50)) == 1
    assert reminders.session_reminders_send(now=session.starts_at - timedelta(minutes=40)) == 0
    assert notices(member) == ["一小时内上课：第1讲", "上课提醒：第1讲"]


def test_no_reminder_for_a_cancelled_session_or_an_excused_member(cohort):
    member, session = cohort["members"]["c1_1"][0], cohort["session"]
    leave = leave_request(session, member, "出差")
    leave_decide_many(cohort["users"]["secretary"], [leave.pk], approve=True)
    assert reminders.session_reminders_send(now=session.starts_at - timedelta(hours=2)) == 0
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED)
    assert reminders.session_reminders_send(now=session.starts_at - timedelta(minutes=30)) == 0


def test_hours_at_risk_reach_the_member_and_their_secretary_monthly_from_the_third_quarter(cohort):
    member, secretary = cohort["users"]["member"], cohort["users"]["secretary"]
    assert reminders.hours_at_risk_notify(today=date(2026, 6, 1)) == 0  # before July: nothing
    first = reminders.hours_at_risk_notify(today=date(2026, 9, 1))
    assert first > 0
    assert reminders.hours_at_risk_notify(today=date(2026, 9, 1)) == 0  # the same month again: nothing
    assert len(notices(member, kind="hours_at_risk")) == 1
    (digest,) = notices(secretary, kind="hours_at_risk")
    assert "青山祠社区第一党支部" in digest
    assert reminders.hours_at_risk_notify(today=date(2026, 10, 1)) > 0  # next month, again
    assert len(notices(member, kind="hours_at_risk")) == 2


def test_grid_leaders_hear_of_a_matters_deadline_before_it_passes(liaison):
    at = datetime(2026, 10, 12, 9, 0, tzinfo=SHANGHAI)
    matter = liaison_services.matter_report(
        liaison["a"],
        category=liaison["categories"]["e_bike_charging"],
        description="飞线充电",
        household=liaison["households"]["1栋"][0],
        now=at,
    )
    assert deadlines.matter_deadlines_notify(now=at + timedelta(minutes=5)) > 0
    assert deadlines.matter_deadlines_notify(now=at + timedelta(hours=1)) == 0  # told once per deadline
    chief = liaison["users"]["chief"]
    assert notices(chief) == [f"事项即将到期：#{matter.pk} {matter.category.name}"]
    assert not notices(liaison["users"]["b_chief"])  # another compound's 片长


def test_the_board_hears_of_teachers_terms_ending(people):
    school, *_ = make_school(people["tree"])
    ending = make_teacher(school, appointed_from=date(2024, 1, 1), appointed_until=date(2026, 10, 30))
    make_teacher(school, name="王老师", appointed_from=date(2024, 1, 1), appointed_until=date(2027, 10, 30))
    assert teacher_terms_notify(today=date(2026, 10, 12)) == 1
    assert teacher_terms_notify(today=date(2026, 10, 13)) == 0
    assert notices(people["users"]["principal"]) == [f"讲师聘期将到期：{ending.name}"]
    assert not notices(people["users"]["secretary"])


def test_an_activation_code_is_sent_by_sms_only_and_stored_nowhere(people, settings):
    member = make_member(people["tree"]["C1-1"])
    with FakeProviders() as fake:
        settings.NOTIFY_SMS = aliyun_settings(fake)
        response = login(people["users"]["secretary"]).post(reverse("notify:activation_sms", args=[member.pk]))
        assert response.status_code == 302
        (sent,) = fake.requests
    code = sent["params"]["TemplateParam"]
    assert sent["params"]["PhoneNumbers"] == member.phone and '"code"' in code
    typed = code.split('"')[3]
    delivery = Delivery.objects.get(member=member)
    assert delivery.status == "sent" and typed not in (delivery.body + delivery.title + delivery.last_error)
    assert not Notification.objects.filter(body__contains=typed).exists()
    assert ActivationCode.objects.filter(member=member, used_at__isnull=True, revoked_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(object_type="member", object_id=str(member.pk), action="create").exists()
    assert not AuditEvent.objects.filter(detail__icontains=typed).exists()


def test_sending_a_code_by_sms_needs_a_provider_and_a_member_in_scope(people, settings):
    settings.NOTIFY_SMS = {"provider": ""}
    member, other = make_member(people["tree"]["C1-1"]), make_member(people["tree"]["C2-1"])
    client = login(people["users"]["secretary"])
    assert client.post(reverse("notify:activation_sms", args=[other.pk])).status_code == 404
    client.post(reverse("notify:activation_sms", args=[member.pk]))
    assert not ActivationCode.objects.filter(member=member).exists()  # refused before any code was issued


def test_a_code_the_provider_refused_is_voided_and_the_secretary_told(people, settings):
    member = make_member(people["tree"]["C1-1"])
    with FakeProviders() as fake:
        settings.NOTIFY_SMS = aliyun_settings(fake)
        fake.fail = 1
        response = login(people["users"]["secretary"]).post(reverse("notify:activation_sms", args=[member.pk]), follow=True)
    assert "短信未能发出" in response.content.decode()
    assert Delivery.objects.get(member=member).status == "failed"
    assert not ActivationCode.objects.filter(member=member, revoked_at__isnull=True).exists()
