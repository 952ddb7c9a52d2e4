"""Notifications reach users once per event and channel, on the channels they chose, outside their quiet hours;
a failing SMS provider is retried later without holding back e-mail. Providers are a local fake server that
checks each request's signature as the real ones do."""

import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings

from dangxiao.notify import channels, services
from dangxiao.notify.models import Delivery, Kind, Notification, Preference, WeComRobot

from .fake_providers import WECOM_KEY, FakeProviders, aliyun_settings, tencent_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 10, 12, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture
def fake():
    with FakeProviders() as server:
        yield server


@pytest.fixture
def sms(fake, settings):
    settings.NOTIFY_SMS = aliyun_settings(fake)
    settings.NOTIFY_EMAIL = True
    settings.NOTIFY_WECOM_HOSTS = ("127.0.0.1",)
    return fake


def _member_user(people, email="m@example.cn"):
    user = people["users"]["member"]
    user.email = email
    user.save(update_fields=["email"])
    return user


def _tell(users, key="session:1:cancel", now=NOON, kind=Kind.SESSION_CHANGED, **kw):
    return services.notify(users, key, "课次取消：第1讲", "原定 10-13 19:00 的课次已取消。", "/my/schedule/", kind=kind, now=now, **kw)


@pytest.mark.django_db
def test_a_notice_is_written_and_sent_once_per_user_event_and_channel(people, sms, django_capture_on_commit_callbacks):
    user = _member_user(people)
    with django_capture_on_commit_callbacks(execute=True):
        assert _tell([user]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert _tell([user, user]) == 0  # the job runs again: nothing new
    services.deliveries_send_due(now=NOON + timedelta(minutes=5))
    assert Notification.objects.filter(user=user).count() == 1
    assert sorted(Delivery.objects.filter(user=user).values_list("channel", "status")) == [("email", "sent"), ("sms", "sent")]
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "课次取消：第1讲"
    assert [r["params"]["PhoneNumbers"] for r in sms.requests] == [people["members"]["c1_1"][0].phone]
    assert sms.requests[0]["params"]["TemplateCode"] == "SMS_1001"


@pytest.mark.django_db
def test_a_failing_sms_provider_is_retried_later_without_holding_back_email(people, sms, django_capture_on_commit_callbacks):
    user = _member_user(people)
    sms.fail = 1
    with django_capture_on_commit_callbacks(execute=True):  # huey runs immediately in tests
        _tell([user])
    text = Delivery.objects.get(user=user, channel="sms")
    assert text.status == "failed" and text.attempts == 1 and "isv.BUSINESS_LIMIT_CONTROL" in text.last_error
    assert Delivery.objects.get(user=user, channel="email").status == "sent" and len(mail.outbox) == 1
    # Not before its wait is over; then once, and e-mail is not sent again.
    assert services.deliveries_send_due(now=NOON)["sent"] == 0
    assert services.deliveries_send_due(now=NOON + timedelta(minutes=2))["sent"] == 1
    text.refresh_from_db()
    assert text.status == "sent" and text.attempts == 2 and len(mail.outbox) == 1
    assert services.deliveries_send_due(now=NOON + timedelta(hours=1)) == {"sent": 0, "failed": 0, "skipped": 0}


@pytest.mark.django_db
def test_a_provider_that_keeps_failing_is_given_up_after_the_last_attempt(people, sms, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    user = _member_user(people, email="")
    sms.fail = 10
    _tell([user])
    for minutes in (0, 5, 20, 60, 180):
        services.deliveries_send_due(now=NOON + timedelta(minutes=minutes))
    text = Delivery.objects.get(user=user)
    assert text.status == "failed" and text.attempts == 3 and len(sms.requests) == 3


@pytest.mark.django_db
def test_quiet_hours_defer_a_notice_to_their_end_unless_urgent(people, sms):
    user = _member_user(people)
    night = datetime(2026, 10, 12, 23, 30, tzinfo=SHANGHAI)
    _tell([user], now=night)
    _tell([user], key="session:2:cancel", now=night, urgent=True)
    assert Notification.objects.filter(user=user).count() == 2  # in-app straight away, whatever the hour
    deferred = Delivery.objects.filter(event_key="session:1:cancel")
    assert {d.due_at.astimezone(SHANGHAI) for d in deferred} == {datetime(2026, 10, 13, 7, 0, tzinfo=SHANGHAI)}
    assert services.deliveries_send_due(now=night)["sent"] == 2  # only the urgent one's e-mail and SMS
    assert services.deliveries_send_due(now=datetime(2026, 10, 13, 6, 59, tzinfo=SHANGHAI))["sent"] == 0
    assert services.deliveries_send_due(now=datetime(2026, 10, 13, 7, 0, tzinfo=SHANGHAI))["sent"] == 2


@pytest.mark.django_db
def test_a_users_own_quiet_hours_and_channels_are_respected(people, sms):
    user = _member_user(people)
    services.preferences_update(
        user, channels_by_kind={Kind.SESSION_CHANGED: ["email"]}, quiet_enabled=True, quiet_start=time(12, 0), quiet_end=time(14, 0)
    )
    _tell([user])
    (only,) = Delivery.objects.filter(user=user)
    assert only.channel == "email" and only.due_at.astimezone(SHANGHAI) == datetime(2026, 10, 12, 14, 0, tzinfo=SHANGHAI)
    Preference.objects.filter(user=user).update(quiet_enabled=False, channels={Kind.SESSION_CHANGED: []})
    _tell([user], key="session:3:cancel")
    assert not Delivery.objects.filter(event_key="session:3:cancel").exists()
    assert Notification.objects.filter(event_key="session:3:cancel", user=user).exists()  # in-app is always on


def test_quiet_hours_spanning_midnight():
    pref = Preference(quiet_enabled=True, quiet_start=time(22, 0), quiet_end=time(7, 0))
    at = lambda h, m=0, d=12: datetime(2026, 10, d, h, m, tzinfo=SHANGHAI)  # noqa: E731
    assert services.quiet_until(pref, at(21, 59)) == at(21, 59)
    assert services.quiet_until(pref, at(22, 0)) == at(7, 0, 13)
    assert services.quiet_until(pref, at(3, 0)) == at(7, 0)
    assert services.quiet_until(pref, at(7, 0)) == at(7, 0)


@pytest.mark.django_db
def test_a_channel_without_an_address_or_provider_is_not_tried(people, settings):
    settings.NOTIFY_SMS = {"provider": ""}
    settings.NOTIFY_EMAIL = True
    user = _member_user(people, email="")
    _tell([user])
    assert not Delivery.objects.exists() and Notification.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_the_staff_groups_robot_posts_once_for_a_staff_notice(people, sms, django_capture_on_commit_callbacks):
    tree, secretary, committee = people["tree"], people["users"]["secretary"], people["users"]["committee"]
    WeComRobot.objects.create(organization=tree["C1"], webhook_url=sms.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}"))
    with django_capture_on_commit_callbacks(execute=True):
        _tell([secretary, committee], key="matter:9:resolve:1", kind=Kind.MATTER_DEADLINE, organization=tree["C1-1"])
        _tell([secretary, committee], key="matter:9:resolve:1", kind=Kind.MATTER_DEADLINE, organization=tree["C1-1"])
    posts = [r for r in sms.requests if r["provider"] == "wecom"]
    assert len(posts) == 1 and "课次取消：第1讲" in posts[0]["body"]["text"]["content"]
    assert Delivery.objects.get(channel="wecom").status == "sent"
    # A member's own notice never goes to a staff group.
    _tell([people["users"]["member"]], key="session:5:cancel", organization=tree["C1-1"])
    assert not Delivery.objects.filter(event_key="session:5:cancel", channel="wecom").exists()


@pytest.mark.django_db
def test_a_delivery_is_sent_by_one_worker_only(people, sms):
    user = _member_user(people, email="")
    _tell([user])
    (pk,) = Delivery.objects.values_list("pk", flat=True)
    assert services.delivery_send(pk, now=NOON) == "sent"
    assert services.delivery_send(pk, now=NOON) == "skipped"
    assert len(sms.requests) == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_of_the_job_send_each_delivery_once(people, sms):
    users = [people["users"][k] for k in ("member", "secretary", "committee", "teacher", "principal")]
    for n, u in enumerate(users):
        u.username = f"1370000{n:04d}"
        u.save(update_fields=["username"])
    _tell(users)
    start = threading.Barrier(4)

    def run():
        try:
            start.wait(timeout=10)
            services.deliveries_send_due(now=NOON)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sms.requests) == len(users)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


# --- The providers' request formats, against the fake server ------------------------------------------


def test_alibaba_cloud_sendsms_is_signed_as_dysmsapi_wants(fake, settings):
    settings.NOTIFY_SMS = aliyun_settings(fake)
    channels.send_sms("13700000001", "activation", {"code": "ABCD-EFGH"})
    (sent,) = fake.requests
    assert sent["params"]["SignName"] == "文源党校" and sent["params"]["TemplateCode"] == "SMS_2001"
    assert sent["params"]["TemplateParam"] == '{"code":"ABCD-EFGH"}'


def test_a_wrong_alibaba_secret_is_refused_by_the_provider(fake, settings):
    settings.NOTIFY_SMS = aliyun_settings(fake, access_key_secret="wrong")
    with pytest.raises(channels.ChannelError, match="SignatureDoesNotMatch"):
        channels.send_sms("13700000001", "session_changed", {"title": "x", "content": "y"})


def test_tencent_cloud_sendsms_is_signed_with_tc3_hmac_sha256(fake, settings):
    settings.NOTIFY_SMS = tencent_settings(fake)
    serial = channels.send_sms("13700000001", "activation", {"code": "ABCD-EFGH"})
    (sent,) = fake.requests
    assert serial == "2019:1"
    assert sent["body"] == {
        "PhoneNumberSet": ["+8613700000001"],
        "SmsSdkAppId": "1400006666",
        "SignName": "文源党校",
        "TemplateId": "449740",
        "TemplateParamSet": ["ABCD-EFGH"],
    }
    assert sent["headers"]["x-tc-region"] == "ap-guangzhou"


def test_tencent_errors_are_reported(fake, settings):
    settings.NOTIFY_SMS = tencent_settings(fake, access_key_secret="wrong")
    with pytest.raises(channels.ChannelError, match="AuthFailure.SignatureFailure"):
        channels.send_sms("13700000001", "session_changed", {"title": "x"})
    settings.NOTIFY_SMS = tencent_settings(fake)
    fake.fail = 1
    with pytest.raises(channels.ChannelError, match="LimitExceeded"):
        channels.send_sms("13700000001", "session_changed", {"title": "x"})


def test_a_provider_that_does_not_answer_is_a_failed_attempt(settings):
    settings.NOTIFY_SMS = {**aliyun_settings(FakeProviders()), "endpoint": "http://127.0.0.1:9/aliyun/", "timeout": 1}
    with pytest.raises(channels.ChannelError, match="network"):
        channels.send_sms("13700000001", "session_changed", {"title": "x"})


def test_a_robot_webhook_must_point_at_wecom(settings):
    settings.NOTIFY_WECOM_HOSTS = ("qyapi.weixin.qq.com",)
    with pytest.raises(channels.ChannelError):
        channels.send_wecom("http://10.0.0.5/cgi-bin/webhook/send?key=x", "t", "b", "")


@override_settings(NOTIFY_EMAIL=True)
def test_email_goes_through_djangos_mail_settings():
    channels.send_email("a@example.cn", "标题", "内容", "/notifications/")
    assert mail.outbox[-1].to == ["a@example.cn"] and mail.outbox[-1].body.endswith("/notifications/")
