"""Marks follow time: present, late and left early wait for the check-in window; leave and absence may be
set ahead; no study hours before the session starts (they are credited once it has); "mark all present"
asks first and keeps any check-in that lands as it writes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dangxiao.attendance import codes, roll, roll_import, services
from dangxiao.attendance.models import Attendance, AttendancePolicy, StudyHourEntry
from dangxiao.teaching.models import Enrollment, Session
from dangxiao.teaching.services import TeachingError

from .conftest import login
from .factories import make_cohort, make_school
from .test_api import api

pytestmark = pytest.mark.django_db


def move(session, starts_in: timedelta) -> Session:
    session.starts_at = timezone.now() + starts_in
    session.ends_at = session.starts_at + timedelta(hours=2)
    session.save()
    return session


@pytest.fixture
def lesson(people):
    """A two-hour session starting tomorrow (the check-in window opens 30 minutes before), three enrolled."""
    school, main, _small = make_school(people["tree"])
    cohort = make_cohort(school, people["tree"]["C1-1"])
    session = move(Session(cohort=cohort, title="党章学习", venue=main, hours=Decimal("2.0")), timedelta(days=1))
    for m in people["members"]["c1_1"]:
        Enrollment.objects.create(cohort=cohort, member=m)
    return {"session": session, "school": school, "roll": people["members"]["c1_1"], "secretary": people["users"]["secretary"], **people}


@pytest.mark.parametrize("status", ["present", "late", "left_early"])
def test_attending_cannot_be_marked_before_the_check_in_window_opens(lesson, status):
    with pytest.raises(TeachingError, match="还不能记为出席"):
        services.roll_mark(lesson["session"], {lesson["roll"][0].pk: status}, by=lesson["secretary"])
    assert not Attendance.objects.exists() and not StudyHourEntry.objects.exists()


def test_leave_and_absence_can_be_set_ahead(lesson):
    a, b, _c = lesson["roll"]
    assert services.roll_mark(lesson["session"], {a.pk: "excused", b.pk: "absent"}, by=lesson["secretary"]) == 2
    assert dict(Attendance.objects.values_list("member_id", "status")) == {a.pk: "excused", b.pk: "absent"}
    assert services.session_credits_due(now=lesson["session"].starts_at + timedelta(minutes=1)) == 0  # neither earns hours
    assert not StudyHourEntry.objects.exists()


def test_the_page_the_api_and_an_imported_sheet_refuse_early_attendance_and_change_nothing(lesson):
    s, member = lesson["session"], lesson["roll"][0]
    client = login(lesson["secretary"])
    page = client.post(reverse("attendance:roll", args=[s.pk]), {f"status_{member.pk}": "present"}, follow=True)
    assert "还不能记为出席" in page.content.decode()
    answer = api(lesson["secretary"]).put(f"/api/v1/sessions/{s.pk}/marks", {"marks": {member.pk: "late"}}, content_type="application/json")
    assert answer.status_code == 422 and "还不能记为出席" in answer.json()["detail"]
    sheet = roll_import.template_workbook(s, [lesson["roll"][0]])
    with pytest.raises(roll_import.RollFileError, match="还不能记为出席"):
        roll_import.roll_import(s, _filled(sheet, "出席"), by=lesson["secretary"])
    upload = client.post(reverse("doc_roll_import", args=[s.pk]), {"file": SimpleUploadedFile("考勤.xlsx", _filled(sheet, "出席"))})
    assert upload.status_code < 500
    assert not Attendance.objects.exists()


def _filled(template: bytes, label: str) -> bytes:
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(template))
    wb[roll_import.SHEET]["D2"] = label
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def test_marks_open_with_the_check_in_window(lesson):
    s = move(lesson["session"], timedelta(minutes=20))  # the window opened ten minutes ago
    assert services.roll_mark(s, {lesson["roll"][0].pk: "present"}, by=lesson["secretary"]) == 1


def test_a_check_in_or_mark_before_the_start_credits_nothing_until_the_session_starts(lesson):
    s = move(lesson["session"], timedelta(minutes=20))
    a, b, _c = lesson["roll"]
    code = codes.current(s.pk, timezone.now(), 15)
    result = services.session_check_in(s, a, token=code.token)
    assert result.created and result.attendance.status == "present"
    services.roll_mark(s, {b.pk: "present"}, by=lesson["secretary"])
    assert not StudyHourEntry.objects.exists()
    assert services.session_credits_due(now=s.starts_at - timedelta(seconds=1)) == 0
    assert services.session_credits_due(now=s.starts_at + timedelta(minutes=1)) == 2
    assert dict(StudyHourEntry.objects.values_list("member_id", "hours")) == {a.pk: Decimal("2.0"), b.pk: Decimal("2.0")}
    assert services.session_credits_due(now=s.starts_at + timedelta(minutes=2)) == 0  # once


def test_leave_that_the_policy_credits_is_credited_only_once_the_session_has_started(lesson):
    AttendancePolicy.objects.create(school=lesson["school"], credit={"excused": 0.5})
    s, member = lesson["session"], lesson["roll"][0]
    services.roll_mark(s, {member.pk: "excused"}, by=lesson["secretary"])
    assert not StudyHourEntry.objects.exists()
    assert services.session_credits_due(now=s.starts_at + timedelta(minutes=1)) == 1
    entry = StudyHourEntry.objects.get(member=member)
    assert entry.hours == Decimal("1.0") and entry.session == s and entry.created_by == lesson["secretary"]


def test_a_cancelled_session_is_not_credited_when_its_time_comes(lesson):
    s = move(lesson["session"], timedelta(minutes=20))
    services.roll_mark(s, {lesson["roll"][0].pk: "present"}, by=lesson["secretary"])
    Session.objects.filter(pk=s.pk).update(status=Session.Status.CANCELLED)
    assert services.session_credits_due(now=s.starts_at + timedelta(minutes=1)) == 0


def test_a_kiosk_check_in_outside_the_window_is_refused(lesson):
    card = services.member_card_text(lesson["roll"][0])
    with pytest.raises(services.CheckInRefused) as refused:
        services.kiosk_check_in(lesson["session"], card, by=lesson["secretary"])
    assert refused.value.reason == "too_early" and not Attendance.objects.exists()


def test_mark_all_present_asks_first_and_a_post_without_confirmation_marks_nobody(lesson):
    s = move(lesson["session"], timedelta(minutes=-5))
    client = login(lesson["secretary"])
    asked = client.post(reverse("attendance:roll", args=[s.pk]), {"all_present": "1"})
    assert asked.status_code == 200 and 'id="confirm-all-present"' in asked.content.decode()
    assert "将把 3 名" in asked.content.decode()
    assert not Attendance.objects.exists()
    done = client.post(reverse("attendance:roll", args=[s.pk]), {"all_present": "1", "confirm": "1"})
    assert done.status_code == 302
    assert list(Attendance.objects.values_list("status", flat=True)) == ["present"] * 3
    assert StudyHourEntry.objects.count() == 3


def test_mark_all_present_before_the_window_is_refused_on_the_page(lesson):
    client = login(lesson["secretary"])
    page = client.post(reverse("attendance:roll", args=[lesson["session"].pk]), {"all_present": "1"}, follow=True)
    assert "还不能记为出席" in page.content.decode() and 'id="confirm-all-present"' not in page.content.decode()
    client.post(reverse("attendance:roll", args=[lesson["session"].pk]), {"all_present": "1", "confirm": "1"})
    assert not Attendance.objects.exists()


def test_a_check_in_landing_while_all_are_marked_present_keeps_its_row(lesson, monkeypatch):
    """Mark all present has read who is unmarked; a QR check-in lands; then it writes: no error, one row each."""
    s = move(lesson["session"], timedelta(minutes=-5))
    a, b, c = lesson["roll"]
    read = roll.all_present_marks

    def then_a_check_in_lands(session, **kw):
        marks = read(session, **kw)
        services.session_check_in(session, b, token=codes.current(session.pk, timezone.now(), 15).token)
        return marks

    monkeypatch.setattr(roll, "all_present_marks", then_a_check_in_lands)
    assert services.roll_mark_all_present(s, by=lesson["secretary"]) == 2
    rows = {r.member_id: r for r in Attendance.objects.filter(session=s)}
    assert set(rows) == {a.pk, b.pk, c.pk} and rows[b.pk].method == "qr" and rows[a.pk].method == "manual"
    assert sorted(StudyHourEntry.objects.values_list("member_id", flat=True)) == sorted([a.pk, b.pk, c.pk])


def test_a_check_in_landing_while_a_member_is_marked_by_hand_takes_the_status_given(lesson, monkeypatch):
    s = move(lesson["session"], timedelta(minutes=-5))
    member = lesson["roll"][0]
    insert = roll._insert_marks

    def after_a_check_in(session, marks, **kw):
        services.session_check_in(session, member, token=codes.current(session.pk, timezone.now(), 15).token)
        return insert(session, marks, **kw)

    monkeypatch.setattr(roll, "_insert_marks", after_a_check_in)
    assert services.roll_mark(s, {member.pk: "left_early"}, by=lesson["secretary"]) == 1
    row = Attendance.objects.get(session=s)
    assert row.status == "left_early" and StudyHourEntry.objects.get(member=member).hours == Decimal("1.0")
