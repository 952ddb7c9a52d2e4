"""The notification centre, the nav's unread badge, preferences, the board's WeCom robots, and the API:
each user reads and marks only their own notifications (anyone else's is a 404), with bounded queries."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.notify import services
from dangxiao.notify.models import Kind, Notification, Preference, WeComRobot

from .conftest import login

pytestmark = pytest.mark.django_db
ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"


def tell(users, n: int, prefix: str = "n"):
    now = timezone.now()
    for i in range(n):
        services.notify(
            users, f"{prefix}:{i}", f"通知{i}", "内容", "/my/schedule/", kind=Kind.SESSION_CHANGED, now=now - timedelta(minutes=n - i)
        )


def test_the_centre_lists_the_users_notices_newest_first_with_the_unread_badge(people, client_for):
    member = people["users"]["member"]
    tell([member], 3)
    tell([people["users"]["secretary"]], 2, prefix="other")
    page = client_for(member).get(reverse("notify:centre"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("通知2") < html.index("通知1") < html.index("通知0")
    assert html.count("data-notification=") == 3
    assert 'data-unread-count="3"' in html
    assert 'data-unread-count="3"' in client_for(member).get(reverse("notify:badge")).content.decode()


def test_the_centre_is_paged_and_its_queries_do_not_grow(people, client_for, django_assert_max_num_queries):
    member = people["users"]["member"]
    tell([member], 3)
    client = client_for(member)
    with django_assert_max_num_queries(8):
        client.get(reverse("notify:centre"))
    tell([member], 60, prefix="more")
    with django_assert_max_num_queries(8):
        page = client.get(reverse("notify:centre"))
    assert page.content.decode().count("data-notification=") == 20
    assert client.get(reverse("notify:centre"), {"page": "4"}).content.decode().count("data-notification=") == 3


def test_marking_read_opens_what_it_is_about_and_clears_the_badge(people, client_for):
    member = people["users"]["member"]
    tell([member], 2)
    first = Notification.objects.filter(user=member).first()
    client = client_for(member)
    response = client.post(reverse("notify:mark_read", args=[first.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/my/schedule/"
    assert 'data-unread-count="1"' in client.get(reverse("notify:badge")).content.decode()
    client.post(reverse("notify:mark_all_read"))
    assert not Notification.objects.filter(user=member, read_at__isnull=True).exists()
    assert "data-unread-count" not in client.get(reverse("notify:badge")).content.decode()


def test_another_users_notification_is_a_404_and_stays_unread(people, client_for):
    tell([people["users"]["secretary"]], 1)
    theirs = Notification.objects.get()
    assert client_for(people["users"]["member"]).post(reverse("notify:mark_read", args=[theirs.pk])).status_code == 404
    assert client_for(people["users"]["principal"]).post(reverse("notify:mark_read", args=[theirs.pk])).status_code == 404
    assert client_for(people["users"]["member"]).post(reverse("notify:mark_read", args=[2**70])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_badge_is_fetched_after_the_page_in_one_query_so_no_page_pays_for_it(people, client_for, django_assert_max_num_queries):
    member = people["users"]["member"]
    client = client_for(member)
    tell([member], 5)
    html = client.get(reverse("attendance:my_schedule")).content.decode()
    assert f'hx-get="{reverse("notify:badge")}"' in html and "data-unread-count" not in html
    with CaptureQueriesContext(connection) as ctx:
        badge = client.get(reverse("notify:badge"))
    assert 'data-unread-count="5"' in badge.content.decode() and badge["Cache-Control"].startswith("max-age=0")
    assert sum("notify_notification" in q["sql"] for q in ctx.captured_queries) == 1
    assert len(ctx.captured_queries) <= 3  # session, user, count
    assert Client().get(reverse("notify:badge")).content.decode().strip() == ""


def test_preferences_are_saved_and_shown(people, client_for, django_assert_max_num_queries):
    member = people["users"]["member"]
    client = client_for(member)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("notify:preferences"))
    assert people["members"]["c1_1"][0].phone in page.content.decode()
    response = client.post(
        reverse("notify:preferences"),
        {"kind_session_reminder": ["email"], "kind_session_changed": ["sms"], "quiet_start": "21:30", "quiet_end": "06:30"},
    )
    assert response.status_code == 302
    pref = Preference.objects.get(user=member)
    assert pref.channels["session_reminder"] == ["email"]
    assert pref.channels["session_changed"] == ["sms"]
    assert 'value="wecom"' not in page.content.decode().split("kind_hours_at_risk")[0]  # no staff group for one's own notices
    assert (pref.quiet_enabled, pref.quiet_start, pref.quiet_end) == (False, time(21, 30), time(6, 30))


def test_bad_preferences_are_refused_with_a_message_and_nothing_saved(people, client_for):
    member = people["users"]["member"]
    response = client_for(member).post(reverse("notify:preferences"), {"quiet_start": "25:99", "quiet_end": "x"})
    assert response.status_code == 200 and not Preference.objects.filter(user=member).exists()


def test_the_board_sets_and_removes_a_robot_audited_and_the_key_stays_out_of_the_log(people, client_for, django_assert_max_num_queries):
    board, tree = client_for(people["users"]["principal"]), people["tree"]
    with django_assert_max_num_queries(10):
        assert board.get(reverse("notify:robots")).status_code == 200
    response = board.post(reverse("notify:robots"), {"organization": tree["C1"].pk, "webhook_url": ROBOT, "enabled": "on"})
    assert response.status_code == 302
    robot = WeComRobot.objects.get(organization=tree["C1"])
    board.post(reverse("notify:robots"), {"organization": tree["C1"].pk, "webhook_url": ROBOT + "2"})
    robot.refresh_from_db()
    assert robot.webhook_url.endswith("abc2") and not robot.enabled
    assert not AuditEvent.objects.filter(detail__icontains="abc").exists()
    assert AuditEvent.objects.filter(object_type="wecom_robot", action="record_update").exists()
    board.post(reverse("notify:robot_retire", args=[robot.pk]))
    assert not WeComRobot.objects.exists()


def test_a_robot_must_point_at_wecom_and_only_the_board_sets_one(people, client_for):
    tree = people["tree"]
    board = client_for(people["users"]["principal"])
    response = board.post(reverse("notify:robots"), {"organization": tree["C1"].pk, "webhook_url": "http://10.0.0.1/x"})
    assert response.status_code == 200 and "企业微信" in response.content.decode() and not WeComRobot.objects.exists()
    assert client_for(people["users"]["secretary"]).get(reverse("notify:robots")).status_code == 404


# --- API ---------------------------------------------------------------------------------------------


def api(user):
    client = login(user)
    return client


def test_the_api_lists_counts_and_marks_the_callers_notifications(people, django_assert_max_num_queries):
    member = people["users"]["member"]
    tell([member], 3)
    tell([people["users"]["secretary"]], 1, prefix="other")
    client = api(member)
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/notifications", {"page_size": 2}).json()
    assert listed["count"] == 3 and listed["unread"] == 3 and [n["title"] for n in listed["items"]] == ["通知2", "通知1"]
    first = listed["items"][0]["id"]
    marked = client.post(f"/api/v1/notifications/{first}/read")
    assert marked.status_code == 200 and marked.json()["read_at"]
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    theirs = Notification.objects.get(user=people["users"]["secretary"]).pk
    assert client.post(f"/api/v1/notifications/{theirs}/read").status_code == 404
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 2}


def test_the_api_reads_and_sets_preferences(people):
    client = api(people["users"]["member"])
    current = client.get("/api/v1/notifications/preferences").json()
    assert current["quiet_start"] == "22:00:00" and {k["kind"] for k in current["kinds"]} >= {"session_reminder", "leave_decided"}
    body = {"channels": {"leave_decided": ["sms", "wecom"]}, "quiet_enabled": False, "quiet_start": "23:00:00", "quiet_end": "06:00:00"}
    saved = client.put("/api/v1/notifications/preferences", body, content_type="application/json").json()
    leave = next(k for k in saved["kinds"] if k["kind"] == "leave_decided")
    assert leave["channels"] == ["sms"] and saved["quiet_enabled"] is False
    refused = client.put("/api/v1/notifications/preferences", {"channels": {"x": ["pigeon"]}}, content_type="application/json")
    assert refused.status_code == 422


def test_the_api_sets_a_robot_for_the_boards_organisations_only(people):
    tree = people["tree"]
    board = api(people["users"]["principal"])
    put = board.put(f"/api/v1/notifications/robots/{tree['C1'].pk}", {"webhook_url": ROBOT}, content_type="application/json")
    assert put.status_code == 200 and put.json()["organization_id"] == tree["C1"].pk
    bad = board.put(f"/api/v1/notifications/robots/{tree['C1'].pk}", {"webhook_url": "ftp://x"}, content_type="application/json")
    assert bad.status_code == 422
    assert board.get("/api/v1/notifications/robots").json()["count"] == 1
    secretary = api(people["users"]["secretary"])
    assert (
        secretary.put(
            f"/api/v1/notifications/robots/{tree['C1-1'].pk}", {"webhook_url": ROBOT}, content_type="application/json"
        ).status_code
        == 404
    )
    assert board.delete(f"/api/v1/notifications/robots/{tree['C1'].pk}").status_code == 204
    assert board.delete(f"/api/v1/notifications/robots/{tree['C1'].pk}").status_code == 404


def test_an_account_with_a_temporary_password_gets_no_page_inside_an_htmx_fragment(people):
    user = people["users"]["member"]
    user.must_change_password = True
    user.save()
    client = login(user)
    password_page = "http://testserver" + reverse("password_change")
    badge = client.get(reverse("notify:badge"), headers={"HX-Request": "true", "HX-Current-URL": password_page})
    assert badge.status_code == 204 and "HX-Redirect" not in badge and not badge.content  # asked for by the password page
    elsewhere = client.get(reverse("notify:badge"), headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/me/"})
    assert elsewhere.status_code == 204 and elsewhere["HX-Redirect"] == reverse("password_change")  # the browser goes there
    assert client.get(reverse("notify:centre")).url == reverse("password_change")  # a page is redirected as before
