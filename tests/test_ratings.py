"""Teacher ratings: only members who attended a session, once each."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.attendance import services
from dangxiao.attendance.models import Attendance, SessionRating
from dangxiao.teaching.models import Enrollment, Session
from dangxiao.teaching.services import TeachingError

from .conftest import login
from .factories import make_cohort, make_school, make_teacher

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(people):
    school, main, _small = make_school(people["tree"])
    teacher = make_teacher(school)
    cohort = make_cohort(school, people["tree"]["C1-1"])
    start = timezone.now() - timedelta(days=2)
    session = Session.objects.create(
        cohort=cohort, title="党章学习", starts_at=start, ends_at=start + timedelta(hours=2), teacher=teacher, venue=main
    )
    attendee, absentee = people["members"]["c1_1"][:2]
    for m in (attendee, absentee):
        Enrollment.objects.create(cohort=cohort, member=m)
    Attendance.objects.create(session=session, member=attendee, status="present")
    Attendance.objects.create(session=session, member=absentee, status="absent")
    return {"session": session, "teacher": teacher, "attendee": attendee, "absentee": absentee, **people}


def test_an_attendee_rates_once(held):
    services.session_rate(held["session"], held["attendee"], 5, "讲得透彻")
    with pytest.raises(TeachingError, match="已评价"):
        services.session_rate(held["session"], held["attendee"], 4)
    assert SessionRating.objects.get().teacher == held["teacher"]


def test_a_member_who_did_not_attend_cannot_rate(held):
    with pytest.raises(TeachingError, match="参加了该课次"):
        services.session_rate(held["session"], held["absentee"], 5)
    assert not SessionRating.objects.exists()


@pytest.mark.parametrize("score", [0, 6])
def test_scores_outside_1_to_5_are_refused(held, score):
    with pytest.raises(TeachingError, match="1到5"):
        services.session_rate(held["session"], held["attendee"], score)


def test_the_member_rates_from_their_phone(held):
    client = login(held["users"]["member"])  # the attendee is members c1_1[0]
    schedule = client.get(reverse("attendance:my_schedule")).content.decode()
    assert f'data-rate="{held["session"].pk}"' in schedule
    response = client.post(reverse("attendance:session_rate", args=[held["session"].pk]), {"score": "4", "comment": "很有收获"})
    assert response.status_code == 302
    assert SessionRating.objects.get().score == 4
    assert f'data-rate="{held["session"].pk}"' not in client.get(reverse("attendance:my_schedule")).content.decode()
    teacher_page = login(held["users"]["principal"]).get(reverse("school:teacher_detail", args=[held["teacher"].pk])).content.decode()
    assert "很有收获" in teacher_page
