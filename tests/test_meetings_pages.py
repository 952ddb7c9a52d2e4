"""The pages of 主题党日 and 三会一课: a secretary records, edits and retires them for their branch only,
uploads minutes that only staff over the branch can open, and sees the compliance grid, its Excel and the
党课我主讲 registry; the board edits the year's frequencies. Query budgets do not grow with the records."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangxiao.attendance.models import Attendance
from dangxiao.core.models import AuditEvent
from dangxiao.practice.models import MeetingAttendance, MeetingRule, OrganizationalMeeting, ThemedPartyDay
from dangxiao.teaching.models import Session

from .conftest import login
from .factories import make_cohort, make_meeting, make_school, make_themed_day

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def school(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_school(people["tree"])[0]


def last_month() -> date:
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=10)


def test_a_secretary_records_a_themed_day_with_the_branchs_session_and_its_roll(people, school):
    org = people["tree"]["C1-1"]
    cohort = make_cohort(school, org, name="第一支部主题党日")
    held = last_month()
    starts = timezone.make_aware(timezone.datetime.combine(held, timezone.datetime.min.time())) + timedelta(hours=9)
    session = Session.objects.create(cohort=cohort, title="学习雷锋精神", starts_at=starts, ends_at=starts + timedelta(hours=2))
    for member, status in zip(people["members"]["c1_1"], ("present", "late", "absent")):
        Attendance.objects.create(session=session, member=member, status=status)
    client = login(people["users"]["secretary"])
    url = f"{reverse('practice:themed_day_create')}?org={org.pk}"
    assert "学习雷锋精神" in client.get(url).content.decode()
    response = client.post(url, {"held_on": held.isoformat(), "session": session.pk, "film": "《雷锋》", "practice": "义务理发"})
    assert response.status_code == 302
    day = ThemedPartyDay.objects.get()
    assert (day.lesson, day.film, day.month) == ("学习雷锋精神", "《雷锋》", held.replace(day=1))
    listing = client.get(reverse("practice:themed_day_list"), {"year": held.year}).content.decode()
    assert "《雷锋》" in listing and "2/3" in listing  # present and late attended, of three marked
    # The same month again is refused, nothing is added.
    again = client.post(url, {"held_on": held.isoformat(), "film": "《榜样》"})
    assert again.status_code == 422 and "已有记录" in again.content.decode() and ThemedPartyDay.objects.count() == 1
    # Edited, then retired: the month can be recorded again.
    edit = reverse("practice:themed_day_edit", args=[day.pk])
    assert client.post(edit, {"held_on": held.isoformat(), "film": "《焦裕禄》"}).status_code == 302
    assert ThemedPartyDay.objects.get().film == "《焦裕禄》"
    assert client.post(reverse("practice:themed_day_retire", args=[day.pk])).status_code == 302
    assert client.post(url, {"held_on": held.isoformat(), "film": "《榜样》"}).status_code == 302
    assert set(AuditEvent.objects.filter(object_type="themed_day").values_list("action", flat=True)) == {
        "record_create",
        "record_update",
        "record_retire",
    }


def test_another_branchs_session_and_bad_dates_are_refused(people, school):
    org, other = people["tree"]["C1-1"], people["tree"]["C2-1"]
    cohort = make_cohort(school, other, name="赤岭路主题党日")
    now = timezone.now() - timedelta(hours=3)
    foreign = Session.objects.create(cohort=cohort, title="别的支部", starts_at=now, ends_at=now + timedelta(hours=1))
    client = login(people["users"]["committee"])  # manages C1's branches, not C2's
    url = f"{reverse('practice:themed_day_create')}?org={org.pk}"
    for data in (
        {"held_on": timezone.localdate().isoformat(), "session": foreign.pk, "film": "x"},
        {"held_on": "9999-12-31", "film": "x"},
        {"held_on": (timezone.localdate() + timedelta(days=40)).isoformat(), "film": "x"},
        {"held_on": timezone.localdate().isoformat()},
        {"held_on": "2026-02-30", "film": "x"},
    ):
        assert client.post(url, data).status_code == 422, data
    assert not ThemedPartyDay.objects.exists()
    assert client.get(f"{reverse('practice:themed_day_create')}?org={other.pk}").status_code == 404


def test_a_meeting_with_its_roll_and_uploaded_minutes_that_only_staff_over_the_branch_can_open(people, school):
    org = people["tree"]["C1-1"]
    client = login(people["users"]["secretary"])
    a, b, c = people["members"]["c1_1"]
    url = f"{reverse('practice:meeting_create')}?org={org.pk}"
    page = client.get(url).content.decode()
    assert a.name in page and people["members"]["c2_1"][0].name not in page
    data = {
        "kind": "lesson",
        "held_on": last_month().isoformat(),
        "place": "党群服务中心",
        "topic": "学习党章",
        "lecturer": f"m{b.pk}",
        f"mark-{a.pk}": "present",
        f"mark-{b.pk}": "present",
        f"mark-{c.pk}": "leave",
        "minutes_file": SimpleUploadedFile("记录.pdf", PDF, content_type="application/pdf"),
        "decisions": "按季度轮流主讲",
    }
    assert client.post(url, data).status_code == 302
    meeting = OrganizationalMeeting.objects.get()
    assert meeting.lecturer_member == b and meeting.minutes_content_type == "application/pdf"
    assert dict(MeetingAttendance.objects.values_list("member_id", "status")) == {a.pk: "present", b.pk: "present", c.pk: "leave"}
    minutes = reverse("practice:meeting_minutes", args=[meeting.pk])
    response = client.get(minutes)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert login(people["users"]["principal"]).get(minutes).status_code == 200
    for outsider in ("member", "teacher"):
        assert login(people["users"][outsider]).get(minutes).status_code == 404
    other = login(people["users"]["committee"])
    assert other.get(minutes).status_code == 200  # C1 is above C1-1
    # 党课我主讲 lists the member and their lecture.
    registry = client.get(reverse("practice:lecturers"), {"year": meeting.held_on.year}).content.decode()
    assert b.name in registry and "学习党章" in registry


def test_a_wrong_file_or_a_foreign_lecturer_changes_nothing(people, school):
    org = people["tree"]["C1-1"]
    client = login(people["users"]["secretary"])
    url = f"{reverse('practice:meeting_create')}?org={org.pk}"
    base = {"kind": "lesson", "held_on": last_month().isoformat()}
    fake = SimpleUploadedFile("minutes.pdf", b"MZ not a pdf", content_type="application/pdf")
    exe = SimpleUploadedFile("minutes.exe", b"MZ", content_type="application/octet-stream")
    for data in (
        {**base, "minutes_file": fake},
        {**base, "minutes_file": exe},
        {**base, "lecturer": f"m{people['members']['c2_1'][0].pk}"},
        {**base, "kind": "committee", "lecturer": f"m{people['members']['c1_1'][0].pk}"},
        {**base, "kind": "weekly"},
        {**base, f"mark-{people['members']['c1_1'][0].pk}": "asleep"},
    ):
        assert client.post(url, data).status_code == 422, data
    assert not OrganizationalMeeting.objects.exists() and not MeetingAttendance.objects.exists()


def test_the_grid_page_and_its_excel_in_a_fixed_number_of_queries(people, school, django_assert_max_num_queries):
    client = login(people["users"]["principal"])
    url = reverse("practice:compliance")
    with django_assert_max_num_queries(16):
        client.get(url, {"kind": "committee"})
    for org in ("C1-1", "C1-2", "C2-1", "N1"):
        for month in (1, 2, 3):
            make_meeting(people["tree"][org], "committee", date(2026, month, 5))
            make_themed_day(people["tree"][org], date(2026, month, 6))
    with django_assert_max_num_queries(16):
        page = client.get(url, {"kind": "committee", "year": 2026})
    assert page.status_code == 200 and page.content.decode().count('data-status="held"') == 12
    export = client.get(url, {"kind": "themed_day", "year": 2026, "format": "xlsx"})
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("党支部", "1月", "2月") and len(rows) == 5
    assert AuditEvent.objects.filter(action="export", object_type="meeting_grid").exists()
    assert client.get(url, {"kind": "nonsense", "year": "99999999999999999999", "org": "abc"}).status_code in (200, 404)


def test_list_pages_keep_their_query_budget(people, school, django_assert_max_num_queries):
    client = login(people["users"]["principal"])
    for month in (1, 2):
        make_meeting(people["tree"]["C1-1"], "general", date(2026, month, 5), marks={people["members"]["c1_1"][0].pk: "present"})
        make_themed_day(people["tree"]["C1-1"], date(2026, month, 9))
    for name in ("practice:meeting_list", "practice:themed_day_list", "practice:lecturers"):
        with django_assert_max_num_queries(14):
            assert client.get(reverse(name), {"year": 2026}).status_code == 200
    for month in (3, 4, 5, 6):
        make_meeting(people["tree"]["C2-1"], "lesson", date(2026, month, 5), lecturer_member=people["members"]["c2_1"][0])
        make_themed_day(people["tree"]["C2-1"], date(2026, month, 9))
    for name in ("practice:meeting_list", "practice:themed_day_list", "practice:lecturers"):
        with django_assert_max_num_queries(14):
            assert client.get(reverse(name), {"year": 2026}).status_code == 200


def test_staff_pages_are_404_for_members_and_other_branches_records(people, school):
    meeting = make_meeting(people["tree"]["C2-1"], "committee", last_month())
    day = make_themed_day(people["tree"]["C2-1"], last_month())
    secretary = login(people["users"]["secretary"])  # C1-1 only
    assert secretary.get(reverse("practice:meeting_edit", args=[meeting.pk])).status_code == 404
    assert secretary.get(reverse("practice:themed_day_edit", args=[day.pk])).status_code == 404
    assert secretary.post(reverse("practice:meeting_retire", args=[meeting.pk])).status_code == 404
    assert secretary.get(reverse("practice:compliance"), {"org": people["tree"]["C2-1"].pk}).status_code == 404
    assert "赤岭路" not in secretary.get(reverse("practice:meeting_list")).content.decode()
    member = login(people["users"]["member"])
    for name in ("practice:compliance", "practice:meeting_list", "practice:themed_day_list", "practice:lecturers"):
        assert member.get(reverse(name)).status_code == 404
    assert OrganizationalMeeting.objects.get().retired_at is None


def test_the_board_edits_the_years_frequencies_and_a_secretary_may_not(people, school):
    url = reverse("practice:frequencies")
    assert login(people["users"]["secretary"]).get(url).status_code == 404
    board = login(people["users"]["principal"])
    assert "尚未设置" in board.get(url, {"year": 2027}).content.decode()
    data = {k: v for k, v in MeetingRule.DEFAULTS.items()} | {"committee": "quarter", "note": "按区委要求"}
    assert board.post(f"{url}?year=2027", data).status_code == 302
    assert MeetingRule.objects.get(year=2027).committee == "quarter"
    assert board.post(f"{url}?year=2027", {**data, "life": "weekly"}).status_code == 422
    grid = board.get(reverse("practice:compliance"), {"kind": "committee", "year": 2027}).content.decode()
    assert "第4季度" in grid and "每季度" in grid


def test_the_nav_offers_the_pages_to_staff_only(people, school):
    home = login(people["users"]["secretary"]).get(reverse("home")).content.decode()
    assert 'data-nav="meetings_compliance"' in home and 'data-nav="lecturers"' in home
    assert 'data-nav="meetings"' not in login(people["users"]["member"]).get(reverse("home")).content.decode()


def test_the_grid_is_paged_by_branches_and_the_edit_page_keeps_its_budget(people, school, monkeypatch, django_assert_max_num_queries):
    from dangxiao.practice import meetings_views

    monkeypatch.setattr(meetings_views, "PER_PAGE", 2)
    client = login(people["users"]["principal"])
    first = client.get(reverse("practice:compliance"), {"year": 2026}).content.decode()
    second = client.get(reverse("practice:compliance"), {"year": 2026, "page": 2}).content.decode()
    assert first.count("<tr data-org=") == 2 and second.count("<tr data-org=") == 2
    assert people["tree"]["C1-1"].name in first and people["tree"]["N1"].name in second
    meeting = make_meeting(people["tree"]["C1-1"], "general", last_month(), marks={m.pk: "present" for m in people["members"]["c1_1"]})
    with django_assert_max_num_queries(14):
        page = client.get(reverse("practice:meeting_edit", args=[meeting.pk]))
    assert page.content.decode().count(" checked>") == 3
