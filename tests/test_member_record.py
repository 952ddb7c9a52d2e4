"""The staff page of one member shows the whole record — organisation history, roles, cohorts, attendance,
学时 by year with the certificate, home-delivery pairing, liaison roles and matters — in a fixed number of
queries, with personal data still masked."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangxiao.attendance.models import Attendance, HomeDeliveryPair, StudyHourEntry
from dangxiao.liaison.models import Matter
from dangxiao.people import member_services as ms
from dangxiao.people.models import Role
from dangxiao.teaching.models import Enrollment, Session

from .conftest import login
from .factories import make_cohort, make_member, make_school

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(liaison):
    return make_school(liaison["tree"])


def history(liaison, school, member, n: int) -> None:
    """`n` of everything on the member's record."""
    tree = liaison["tree"]
    school, main, _small = school
    now = timezone.now()
    for i in range(n):
        cohort = make_cohort(school, tree["C1"], name=f"第{i}期提升班", starts_on=timezone.localdate() - timedelta(days=30 * i))
        Enrollment.objects.create(cohort=cohort, member=member)
        session = Session.objects.create(
            cohort=cohort,
            title=f"第{i}课",
            starts_at=now - timedelta(days=i + 1),
            ends_at=now - timedelta(days=i + 1) + timedelta(hours=2),
            venue=main,
        )
        Attendance.objects.create(session=session, member=member, status="present")
        StudyHourEntry.objects.create(
            member=member, session=session, date=timezone.localdate() - timedelta(days=400 * i), hours=Decimal("2.0"), source="session"
        )
        elder = make_member(tree["C1-2"], is_elderly_infirm=True)
        HomeDeliveryPair.objects.create(cohort=cohort, elder=elder, helper=member)
        Matter.objects.create(
            compound=liaison["a"],
            category=liaison["categories"]["e_bike_charging"],
            description=f"飞线充电{i}",
            created_at=now,
            updated_at=now,
            assigned_member=member,
        )


def test_the_member_page_shows_the_whole_record(liaison, school):
    member = liaison["members"]["c1_2"][0]  # the 组长 of 青山苑
    Role.objects.create(user=liaison["users"]["group"], organization=liaison["tree"]["C1-2"], kind="teacher")
    history(liaison, school, member, 2)
    ms.member_transfer(liaison["users"]["principal"], member, liaison["tree"]["C1-1"])
    page = login(liaison["users"]["principal"]).get(reverse("people:member_detail", args=[member.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "青山祠社区第二党支部 → 青山祠社区第一党支部" in body  # organisation history
    assert "教师 · 青山祠社区第二党支部" in body  # roles
    assert "第1期提升班" in body and "第0课" in body  # cohorts, attendance
    year = timezone.localdate().year
    assert reverse("doc_member_certificate", args=[member.pk, year]) in body  # 学时 with the certificate
    assert "青山苑 · 组长" in body and "经办关键小事 2 件" in body  # liaison
    assert "送学上门" in body
    assert member.phone not in body  # masked until revealed


def test_the_member_page_keeps_its_query_budget_however_long_the_record(liaison, school):
    member = liaison["members"]["c1_2"][0]
    client = login(liaison["users"]["principal"])
    url = reverse("people:member_detail", args=[member.pk])
    history(liaison, school, member, 1)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    history(liaison, school, member, 6)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small) <= 30


def test_a_member_sees_their_own_page_without_the_staff_record(people):
    member = people["members"]["c1_1"][0]
    body = login(people["users"]["member"]).get(reverse("people:member_detail", args=[member.pk])).content.decode()
    assert 'id="record-organizations"' not in body and 'id="member-actions"' not in body
