"""The screen, the phone, the kiosk and the roll, as pages; scoping of each."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangxiao.attendance import codes, services
from dangxiao.attendance.models import Attendance, LeaveRequest, StudyHourEntry
from dangxiao.teaching.models import Enrollment, Session

from .conftest import login
from .factories import PASSWORD, make_cohort, make_school

pytestmark = pytest.mark.django_db


@pytest.fixture
def now_session(people):
    school, main, _small = make_school(people["tree"])
    cohort = make_cohort(school, people["tree"]["C1-1"])
    start = timezone.now() - timedelta(minutes=5)
    session = Session.objects.create(
        cohort=cohort, title="党章学习", starts_at=start, ends_at=start + timedelta(hours=2), venue=main, hours=Decimal("2.0")
    )
    for m in people["members"]["c1_1"]:
        Enrollment.objects.create(cohort=cohort, member=m)
    return {"session": session, **people}


def test_the_screen_shows_a_qr_and_six_digits_to_staff_only(now_session):
    s = now_session["session"]
    response = login(now_session["users"]["secretary"]).get(reverse("attendance:display_code", args=[s.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "<svg" in body and f"/c/{s.pk}/" in body
    assert len(response.context["code"].digits) == 6
    for role in ("member", "teacher"):
        assert login(now_session["users"][role]).get(reverse("attendance:display_code", args=[s.pk])).status_code == 404
    assert login(now_session["users"]["committee"]).get(reverse("attendance:display", args=[s.pk])).status_code == 200


def test_scanning_checks_the_member_in_and_the_count_rises(now_session):
    s = now_session["session"]
    token = codes.current(s.pk, timezone.now(), 15).token
    client = login(now_session["users"]["member"])
    response = client.get(reverse("attendance:scan", args=[s.pk, token]))
    assert response.status_code == 200 and "签到成功" in response.content.decode()
    assert "dx_device" in response.cookies
    screen = login(now_session["users"]["secretary"]).get(reverse("attendance:display_code", args=[s.pk]))
    assert screen.context["count"] == 1


def test_a_member_who_must_sign_in_first_keeps_the_scan(now_session, monkeypatch):
    s = now_session["session"]
    scanned = timezone.now()
    token = codes.current(s.pk, scanned, 15).token
    client = Client()
    first = client.get(reverse("attendance:scan", args=[s.pk, token]))
    assert first.status_code == 302 and reverse("login") in first["Location"]
    member = now_session["members"]["c1_1"][0]
    client.post(reverse("login"), {"username": member.phone, "password": PASSWORD})
    # Signing in took 40 seconds: the code on the screen has long changed, the scan still counts.
    later = scanned + timedelta(seconds=40)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get(reverse("attendance:scan", args=[s.pk, token]))
    assert "签到成功" in response.content.decode(), response.context.get("error")


def test_a_replayed_code_is_refused_on_the_phone(now_session, monkeypatch):
    s = now_session["session"]
    old = codes.current(s.pk, timezone.now() - timedelta(minutes=1), 15).token
    response = login(now_session["users"]["member"]).get(reverse("attendance:scan", args=[s.pk, old]))
    assert response.status_code == 422 and "过期" in response.content.decode()
    assert not Attendance.objects.exists()


def test_typed_code_check_in(now_session):
    s = now_session["session"]
    client = login(now_session["users"]["member"])
    page = client.get(reverse("attendance:typed_check_in"))
    assert s in list(page.context["sessions"])
    response = client.post(
        reverse("attendance:typed_check_in"), {"session": s.pk, "digits": codes.current(s.pk, timezone.now(), 15).digits}
    )
    assert "签到成功" in response.content.decode()


def test_kiosk_scans_a_member_card(now_session):
    s = now_session["session"]
    member = now_session["members"]["c1_1"][1]
    client = login(now_session["users"]["secretary"])
    ok = client.post(reverse("attendance:kiosk_scan", args=[s.pk]), {"card": services.member_card_text(member)})
    assert 'data-ok="1"' in ok.content.decode() and member.name in ok.content.decode()
    bad = client.post(reverse("attendance:kiosk_scan", args=[s.pk]), {"card": "DX1-XXXX"})
    assert 'data-ok="0"' in bad.content.decode()
    assert Attendance.objects.get().method == "kiosk"


def test_the_roll_marks_all_then_exceptions_and_credits_hours(now_session):
    s = now_session["session"]
    a, b, c = now_session["members"]["c1_1"]
    client = login(now_session["users"]["secretary"])
    client.post(reverse("attendance:roll", args=[s.pk]), {"all_present": "1", "confirm": "1"})
    assert Attendance.objects.count() == 3
    client.post(
        reverse("attendance:roll", args=[s.pk]), {f"status_{a.pk}": "present", f"status_{b.pk}": "absent", f"status_{c.pk}": "late"}
    )
    assert dict(Attendance.objects.values_list("member_id", "status")) == {a.pk: "present", b.pk: "absent", c.pk: "late"}
    assert set(StudyHourEntry.objects.values_list("member_id", flat=True)) == {a.pk, c.pk}
    page = client.get(reverse("attendance:roll", args=[s.pk]))
    assert page.context["counts"]["present"] == 1 and page.context["unmarked"] == 0


def test_the_roll_is_404_outside_scope(now_session):
    s = now_session["session"]
    other = make_cohort(s.cohort.school, now_session["tree"]["C2-1"])
    other_session = Session.objects.create(cohort=other, title="别处", starts_at=s.starts_at, ends_at=s.ends_at)
    client = login(now_session["users"]["secretary"])
    assert client.get(reverse("attendance:roll", args=[other_session.pk])).status_code == 404
    assert login(now_session["users"]["member"]).get(reverse("attendance:roll", args=[s.pk])).status_code == 404


def test_leave_asked_on_the_phone_and_approved_on_the_roll(now_session):
    s = now_session["session"]
    s.starts_at = timezone.now() + timedelta(days=1)
    s.ends_at = s.starts_at + timedelta(hours=2)
    s.save()
    member = now_session["members"]["c1_1"][0]
    login(now_session["users"]["member"]).post(reverse("attendance:leave_ask", args=[s.pk]), {"reason": "住院复查"})
    leave = LeaveRequest.objects.get()
    client = login(now_session["users"]["secretary"])
    assert "住院复查" in client.get(reverse("attendance:roll", args=[s.pk])).content.decode()
    client.post(reverse("attendance:leave_decide", args=[leave.pk]), {"decision": "approve"})
    assert Attendance.objects.get(member=member).status == "excused"
    assert (
        login(now_session["users"]["committee"])
        .post(reverse("attendance:leave_decide", args=[leave.pk]), {"decision": "refuse"})
        .status_code
        == 302
    )
    other_secretary = now_session["users"]["principal"]
    assert other_secretary  # board may decide too; an unrelated member may not:
    assert (
        login(now_session["users"]["member"]).post(reverse("attendance:leave_decide", args=[leave.pk]), {"decision": "approve"}).status_code
        == 404
    )


def test_member_cards_print_for_staff_and_own_card_for_members(now_session):
    page = login(now_session["users"]["secretary"]).get(reverse("attendance:member_cards"))
    assert len(page.context["cards"]) == 3 and "<svg" in page.content.decode()
    own = login(now_session["users"]["member"]).get(reverse("attendance:my_card"))
    assert services.member_card_text(now_session["members"]["c1_1"][0]) in own.content.decode()
    assert login(now_session["users"]["member"]).get(reverse("attendance:member_cards")).status_code == 404


def test_the_screen_shows_no_live_code_outside_the_window(now_session):
    s = now_session["session"]
    s.starts_at = timezone.now() - timedelta(days=3)
    s.ends_at = s.starts_at + timedelta(hours=2)
    s.save()
    response = login(now_session["users"]["secretary"]).get(reverse("attendance:display_code", args=[s.pk]))
    assert "签到已于" in response.content.decode() and "<svg" not in response.content.decode()
