"""送学上门: pairing rules, visits credit the elder's study hours and the helper's volunteer time once,
photos are checked and private, and every page keeps to its scope."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangxiao.attendance import home_delivery as hd
from dangxiao.attendance.models import Attendance, HomeDeliveryPair, HomeVisit, StudyHourEntry, VolunteerTime
from dangxiao.teaching.models import Cohort, Enrollment, Session

from .conftest import login
from .factories import make_cohort, make_member, make_school, make_user

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def home(people, settings, tmp_path):
    """A home-delivery cohort run by branch C1-1, an enrolled elder, a young helper with an account, a session last week."""
    settings.MEDIA_ROOT = tmp_path
    tree = people["tree"]
    school, _main, _small = make_school(tree)
    cohort = make_cohort(school, tree["C1-1"], name="送学上门班", mode=Cohort.Mode.HOME_DELIVERY, starts_on=date(2026, 1, 1))
    elder = make_member(tree["C1-1"], name="赵老", birth_date=date(1938, 5, 1), is_elderly_infirm=True)
    Enrollment.objects.create(cohort=cohort, member=elder)
    helper = make_member(tree["C1-1"], name="小钱", birth_date=date(1996, 3, 1))
    today = timezone.localdate()
    start = datetime.combine(today - timedelta(days=5), time(9, 30), SH)
    session = Session.objects.create(
        cohort=cohort, title="11月送学", starts_at=start, ends_at=start + timedelta(minutes=90), hours=Decimal("1.5")
    )
    return {
        **people,
        "cohort": cohort,
        "elder": elder,
        "helper": helper,
        "helper_user": make_user(member=helper),
        "session": session,
        "today": today,
    }


@pytest.fixture
def pair(home):
    return hd.pair_create(home["cohort"], home["elder"], home["helper"])


def record(home, pair, **kw):
    fields = {"visited_on": home["today"] - timedelta(days=2), "minutes": 60, "content": "学习党章", "elder_confirmed": True}
    fields["confirmation"] = "本人签字"
    fields.update(kw)
    return hd.visit_record(pair, by=home["helper_user"], **fields)


def elder_hours(home) -> Decimal:
    return StudyHourEntry.objects.filter(member=home["elder"]).aggregate(h=Sum("hours"))["h"] or Decimal("0")


# --- Pairing ---------------------------------------------------------------------------------------


def test_an_enrolled_elder_is_paired_with_a_young_member(home, pair):
    assert (pair.elder, pair.helper, pair.active) == (home["elder"], home["helper"], True)


@pytest.mark.parametrize(
    "case, message",
    [
        ("not_elderly", "未登记为年老体弱"),
        ("not_enrolled", "没有报名本班次"),
        ("self", "不能与本人结对"),
        ("too_old", "45岁及以下"),
        ("helper_infirm", "也是年老体弱党员"),
        ("no_birth_date", "未登记出生日期"),
        ("not_home_delivery", "送学上门"),
    ],
)
def test_pairing_rules_are_enforced_in_chinese(home, case, message):
    tree, cohort, elder, helper = home["tree"], home["cohort"], home["elder"], home["helper"]
    if case == "not_elderly":
        elder = make_member(tree["C1-1"], birth_date=date(1950, 1, 1))
        Enrollment.objects.create(cohort=cohort, member=elder)
    elif case == "not_enrolled":
        elder = make_member(tree["C1-1"], birth_date=date(1936, 1, 1), is_elderly_infirm=True)
    elif case == "self":
        helper = elder
    elif case == "too_old":
        helper = make_member(tree["C1-1"], birth_date=date(1960, 1, 1))
    elif case == "helper_infirm":
        helper = make_member(tree["C1-1"], birth_date=date(1990, 1, 1), is_elderly_infirm=True)
    elif case == "no_birth_date":
        helper = make_member(tree["C1-1"], birth_date=None)
    elif case == "not_home_delivery":
        cohort = make_cohort(cohort.school, tree["C1-1"], name="普通班")
    with pytest.raises(hd.HomeDeliveryError) as refused:
        hd.pair_create(cohort, elder, helper)
    assert message in str(refused.value)
    assert not HomeDeliveryPair.objects.exclude(helper=home["helper"]).exists()


def test_an_elder_gets_one_helper_per_cohort(home, pair):
    other = make_member(home["tree"]["C1-2"], name="小孙", birth_date=date(2000, 1, 1))
    with pytest.raises(hd.HomeDeliveryError, match="已由小钱结对帮学"):
        hd.pair_create(home["cohort"], home["elder"], other)
    assert HomeDeliveryPair.objects.count() == 1


# --- Crediting ---------------------------------------------------------------------------------------


def test_a_confirmed_visit_credits_the_elder_the_sessions_hours_once_and_the_helper_volunteer_minutes(home, pair):
    visit = record(home, pair, session=home["session"], minutes=75)
    attendance = Attendance.objects.get(session=home["session"], member=home["elder"])
    assert (attendance.status, attendance.method) == ("present", "manual")
    entry = StudyHourEntry.objects.get(member=home["elder"])
    assert (entry.hours, entry.source, entry.reference, entry.session) == (
        Decimal("1.5"),
        "home_delivery",
        f"visit:{visit.pk}",
        home["session"],
    )
    assert VolunteerTime.objects.get(member=home["helper"]).minutes == 75

    # A second visit for the same lesson is volunteer time again, but not the session's hours again.
    record(home, pair, session=home["session"], minutes=30)
    hd.visit_confirm(visit, confirmation="电话确认", by=home["helper_user"])
    assert elder_hours(home) == Decimal("1.5")
    assert StudyHourEntry.objects.filter(member=home["elder"]).count() == 1
    assert VolunteerTime.objects.filter(member=home["helper"]).aggregate(m=Sum("minutes"))["m"] == 105


def test_a_visit_without_a_session_is_credited_by_its_minutes(home, pair):
    visit = record(home, pair, minutes=100)  # 100 / 45 = 2.22 → 2.2
    entry = StudyHourEntry.objects.get(member=home["elder"])
    assert (entry.hours, entry.source, entry.reference, entry.session) == (Decimal("2.2"), "home_delivery", f"visit:{visit.pk}", None)
    assert not Attendance.objects.exists()


def test_an_unconfirmed_visit_credits_nothing_until_it_is_confirmed_and_then_only_once(home, pair):
    visit = record(home, pair, session=home["session"], elder_confirmed=False, confirmation="")
    assert not visit.elder_confirmed and visit.confirmation == ""
    assert not StudyHourEntry.objects.exists() and not VolunteerTime.objects.exists() and not Attendance.objects.exists()
    with pytest.raises(hd.HomeDeliveryError, match="确认方式"):
        hd.visit_confirm(visit, confirmation=" ", by=home["helper_user"])
    assert not StudyHourEntry.objects.exists()

    hd.visit_confirm(visit, confirmation="电话确认", by=home["helper_user"])
    hd.visit_confirm(visit, confirmation="本人签字", by=home["helper_user"])
    visit.refresh_from_db()
    assert (visit.elder_confirmed, visit.confirmation) == (True, "电话确认")
    assert elder_hours(home) == Decimal("1.5") and VolunteerTime.objects.count() == 1
    assert Attendance.objects.get(member=home["elder"]).status == "present"


def test_an_elder_who_came_in_person_is_not_credited_again_by_a_visit(home, pair):
    from dangxiao.attendance.services import roll_mark

    roll_mark(home["session"], {home["elder"].pk: "present"}, by=home["users"]["secretary"])
    record(home, pair, session=home["session"])
    entry = StudyHourEntry.objects.get(member=home["elder"])
    assert (entry.source, entry.hours) == ("session", Decimal("1.5"))
    assert VolunteerTime.objects.count() == 1


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"visited_on": date(2099, 1, 1)}, "不能晚于今天"),
        ({"visited_on": date(2025, 12, 31)}, "早于班次开班日期"),
        ({"minutes": 5}, "10到480分钟"),
        ({"content": "  "}, "学习内容"),
        ({"confirmation": ""}, "确认方式"),
    ],
)
def test_a_bad_visit_is_refused_and_nothing_is_saved(home, pair, kw, message):
    with pytest.raises(hd.HomeDeliveryError, match=message):
        record(home, pair, session=home["session"], **kw)
    assert not HomeVisit.objects.exists() and not StudyHourEntry.objects.exists() and not VolunteerTime.objects.exists()


def test_a_session_of_another_cohort_is_refused(home, pair):
    other = make_cohort(home["cohort"].school, home["tree"]["C1-1"], name="别的班")
    start = home["session"].starts_at
    foreign = Session.objects.create(cohort=other, title="别的课", starts_at=start, ends_at=start + timedelta(hours=1))
    with pytest.raises(hd.HomeDeliveryError, match="不属于本送学班次"):
        record(home, pair, session=foreign)
    assert not HomeVisit.objects.exists()


def test_a_visit_is_not_counted_for_a_session_that_has_not_started(home, pair):
    later = timezone.now() + timedelta(days=3)
    coming = Session.objects.create(cohort=home["cohort"], title="下月送学", starts_at=later, ends_at=later + timedelta(hours=1))
    with pytest.raises(hd.HomeDeliveryError, match="开始后才能计入该课次"):
        record(home, pair, session=coming)
    visit = record(home, pair, session=coming, elder_confirmed=False, confirmation="")
    with pytest.raises(hd.HomeDeliveryError, match="开始后才能计入该课次"):
        hd.visit_confirm(visit, confirmation="电话确认", by=home["helper_user"])
    assert not Attendance.objects.exists() and not StudyHourEntry.objects.exists() and not VolunteerTime.objects.exists()


# --- Pages ---------------------------------------------------------------------------------------


def visit_form(home, pair, client=None, **extra):
    data = {
        "visited_on": (home["today"] - timedelta(days=1)).isoformat(),
        "minutes": "60",
        "content": "学习党的二十届四中全会精神",
        "session": str(home["session"].pk),
        "elder_confirmed": "on",
        "confirmation": "本人签字",
    }
    data.update(extra)
    return (client or login(home["helper_user"])).post(reverse("home_visit_new", args=[pair.pk]), data)


def test_the_helper_sees_their_elder_and_records_a_visit_with_a_photo_from_the_phone(home, pair, django_assert_max_num_queries):
    client = login(home["helper_user"])
    with django_assert_max_num_queries(8):
        page = client.get(reverse("home_delivery"))
    body = page.content.decode()
    assert "赵老" in body and "记录上门" in body and "还没有上门记录" in body
    form = client.get(reverse("home_visit_new", args=[pair.pk])).content.decode()
    assert 'capture="environment"' in form and 'accept="image/*"' in form and "本人签字" in form and "11月送学" in form

    response = visit_form(home, pair, client, photo=SimpleUploadedFile("IMG_0001.PNG", PNG, content_type="image/png"))
    assert response.status_code == 302 and response.url == reverse("home_delivery")
    assert "赵老计入 1.5 学时，您计入志愿服务 60 分钟" in client.get(response.url).content.decode()
    visit = HomeVisit.objects.get()
    assert visit.photo.name.endswith(".png") and "IMG_0001" not in visit.photo.name
    assert elder_hours(home) == Decimal("1.5") and VolunteerTime.objects.get().minutes == 60
    photo = client.get(reverse("home_visit_photo", args=[visit.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png" and b"".join(photo.streaming_content) == PNG
    assert "上次上门" in client.get(reverse("home_delivery")).content.decode()


@pytest.mark.parametrize(
    "name, content, message",
    [("病毒.exe", b"MZ\x90\x00", "不支持的文件类型"), ("假照片.jpg", b"<html>not a photo</html>", "文件内容与扩展名不符")],
)
def test_a_wrong_photo_is_refused_with_a_chinese_message_and_nothing_is_saved(home, pair, name, content, message):
    response = visit_form(home, pair, photo=SimpleUploadedFile(name, content))
    assert response.status_code == 422 and message in response.content.decode()
    assert "学习党的二十届四中全会精神" in response.content.decode()  # what was typed is kept
    assert not HomeVisit.objects.exists() and not StudyHourEntry.objects.exists() and not VolunteerTime.objects.exists()
    assert not Attendance.objects.exists()


def test_an_oversized_photo_is_refused(home, pair, monkeypatch):
    from dangxiao.core import uploads

    monkeypatch.setitem(uploads.KINDS, "png", uploads.Kind((".png",), "image/png", (b"\x89PNG\r\n\x1a\n",), 32))
    response = visit_form(home, pair, photo_album=SimpleUploadedFile("大.png", PNG))
    assert response.status_code == 422 and "文件过大" in response.content.decode()
    assert not HomeVisit.objects.exists() and not StudyHourEntry.objects.exists()


def test_a_visit_saved_unconfirmed_is_confirmed_later_by_the_helper_or_by_the_elder_online(home, pair):
    visit_form(home, pair, elder_confirmed="")
    visit_form(home, pair, elder_confirmed="", session="", visited_on=home["today"].isoformat())
    first, second = HomeVisit.objects.order_by("visited_on")
    assert not StudyHourEntry.objects.exists()
    assert "补录确认" in login(home["helper_user"]).get(reverse("home_delivery")).content.decode()

    login(home["helper_user"]).post(reverse("home_visit_confirm", args=[first.pk]), {"confirmation": "电话确认"})
    elder_user = make_user(member=home["elder"])
    page = login(elder_user).get(reverse("home_delivery")).content.decode()
    assert "为我送学的记录" in page and "确认这次上门送学" in page
    login(elder_user).post(reverse("home_visit_confirm", args=[second.pk]))
    second.refresh_from_db()
    assert second.confirmation == hd.SELF_CONFIRMATION
    assert elder_hours(home) == Decimal("1.5") + Decimal("1.3")  # the lesson, and 60 minutes / 45
    assert VolunteerTime.objects.count() == 2


def test_staff_pair_elders_from_the_cohort_page_with_suggestions(home, django_assert_max_num_queries):
    secretary = login(home["users"]["secretary"])
    url = reverse("home_cohort", args=[home["cohort"].pk])
    for _ in range(2):
        make_member(home["tree"]["C1-1"], birth_date=date(1990, 1, 1))
    with django_assert_max_num_queries(16):
        page = secretary.get(url).content.decode()
    assert "尚未结对" in page and "小钱" in page and f'data-unpaired="{home["elder"].pk}"' in page

    response = secretary.post(
        reverse("home_pair_create", args=[home["cohort"].pk]), {"elder": home["elder"].pk, "helper": home["helper"].phone}
    )
    assert response.status_code == 302
    assert HomeDeliveryPair.objects.get().helper == home["helper"]
    other = make_member(home["tree"]["C1-1"], name="小孙", birth_date=date(2000, 1, 1))
    refused = secretary.post(
        reverse("home_pair_create", args=[home["cohort"].pk]), {"elder": home["elder"].pk, "helper": other.phone}, follow=True
    )
    assert "已由小钱结对帮学" in refused.content.decode()

    record(home, HomeDeliveryPair.objects.get(), session=home["session"])
    with django_assert_max_num_queries(16):
        page = secretary.get(url).content.decode()
    assert 'data-figure="confirmed">1<' in page and 'data-figure="hours">1.5<' in page


def test_another_branchs_secretary_cannot_see_the_cohort_page_or_pair(home, pair):
    other = make_user("sec-c2", role="org_admin", org=home["tree"]["C2-1"])
    client = login(other)
    assert client.get(reverse("home_cohort", args=[home["cohort"].pk])).status_code == 404
    response = client.post(
        reverse("home_pair_create", args=[home["cohort"].pk]), {"elder": home["elder"].pk, "helper": home["helper"].phone}
    )
    assert response.status_code == 404
    assert client.get(reverse("home_visit_new", args=[pair.pk])).status_code == 404


def test_a_stranger_gets_404_on_the_photo_the_form_and_the_confirmation(home, pair):
    visit_form(home, pair, elder_confirmed="", photo=SimpleUploadedFile("a.png", PNG))
    visit = HomeVisit.objects.get()
    stranger = login(make_user(member=make_member(home["tree"]["C2-1"], birth_date=date(1995, 1, 1))))
    assert stranger.get(reverse("home_visit_photo", args=[visit.pk])).status_code == 404
    assert stranger.get(reverse("home_visit_new", args=[pair.pk])).status_code == 404
    assert stranger.post(reverse("home_visit_confirm", args=[visit.pk])).status_code == 404
    assert not StudyHourEntry.objects.exists()
    assert Client().get(reverse("home_visit_photo", args=[visit.pk])).status_code == 302
    # The elder and the staff managing the cohort may see it.
    assert login(make_user(member=home["elder"])).get(reverse("home_visit_photo", args=[visit.pk])).status_code == 200
    assert login(home["users"]["secretary"]).get(reverse("home_visit_photo", args=[visit.pk])).status_code == 200


def test_a_cohort_that_is_not_home_delivery_has_no_home_delivery_page(home):
    cohort = make_cohort(home["cohort"].school, home["tree"]["C1-1"], name="普通班")
    assert login(home["users"]["secretary"]).get(reverse("home_cohort", args=[cohort.pk])).status_code == 404
