"""The lobby screen (大屏) and its kiosk account: the board creates and retires it; it signs in with its
link and reaches the lobby screen of its school and nothing else; the screen shows no person."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from dangxiao.attendance.models import Attendance
from dangxiao.core.models import AuditEvent
from dangxiao.reports import aggregates
from dangxiao.reports.models import KioskAccount
from dangxiao.teaching.models import Enrollment, Session

from .conftest import login
from .factories import make_cohort, make_school

pytestmark = pytest.mark.django_db


@pytest.fixture
def lobby_world(people):
    school, main, _small = make_school(people["tree"])
    cohort = make_cohort(school, people["tree"]["C1-1"])
    now = timezone.now()
    session = Session.objects.create(cohort=cohort, title="学习二十大精神", starts_at=now, ends_at=now + timedelta(hours=1), venue=main)
    for m in people["members"]["c1_1"]:
        Enrollment.objects.create(cohort=cohort, member=m)
    Attendance.objects.create(session=session, member=people["members"]["c1_1"][0], status="present")
    Attendance.objects.create(session=session, member=people["members"]["c1_1"][1], status="late")
    aggregates.aggregates_refresh(now.year)
    return {**people, "school": school, "session": session}


def _kiosk_client(world) -> tuple[Client, KioskAccount]:
    page = login(world["users"]["principal"]).post(reverse("kiosk_list"), {"name": "源课堂大屏"})
    link = page.context["new_link"]
    client = Client()
    assert client.get(link.split("testserver")[1]).status_code == 302
    return client, KioskAccount.objects.get(name="源课堂大屏")


def test_the_board_creates_a_kiosk_whose_link_opens_the_lobby_with_live_check_ins(lobby_world, django_assert_max_num_queries):
    client, kiosk = _kiosk_client(lobby_world)
    assert AuditEvent.objects.filter(action="record_create", object_type="reports.kioskaccount").count() == 1
    with django_assert_max_num_queries(12):
        body = client.get(reverse("lobby")).content.decode()
    assert "学习二十大精神" in body and 'data-checked-in="2"' in body
    assert 'hx-trigger="every 30s"' in body
    fragment = client.get(reverse("lobby_fragment")).content.decode()
    assert 'data-checked-in="2"' in fragment


def test_the_lobby_shows_no_personal_data(lobby_world):
    client, _kiosk = _kiosk_client(lobby_world)
    body = client.get(reverse("lobby")).content.decode()
    for m in lobby_world["members"]["c1_1"]:
        assert m.name not in body and m.phone not in body


def _sweep_urls():
    """Every page and API path of the project, with 1 for each path argument."""
    found = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                route = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "1", route).lstrip("^").rstrip("$").replace("\\Z", "").replace("^", "")
                found.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def test_a_kiosk_session_reaches_nothing_but_the_lobby(lobby_world):
    client, _kiosk = _kiosk_client(lobby_world)
    allowed = {reverse("lobby"), reverse("lobby_fragment"), reverse("logout")}
    urls = [u for u in _sweep_urls() if u not in allowed and "(?P" not in u]
    assert len(urls) > 100
    leaks = []
    for u in urls:
        for method in (client.get, client.post):
            status = method(u).status_code
            if status not in (403, 404, 405):
                leaks.append((method.__name__, u, status))
    assert not leaks
    for api in ("/api/v1/members", "/api/v1/dashboards/home", "/api/v1/organizations", "/api/v1/me"):
        assert client.get(api).status_code == 404


def test_a_kiosk_account_cannot_sign_in_with_a_password_and_has_no_scope(lobby_world):
    _client, kiosk = _kiosk_client(lobby_world)
    assert not kiosk.user.has_usable_password()
    assert not kiosk.user.roles.exists() if hasattr(kiosk.user, "roles") else True


def test_retiring_the_kiosk_signs_the_screen_out_and_kills_its_link(lobby_world):
    client, kiosk = _kiosk_client(lobby_world)
    principal = login(lobby_world["users"]["principal"])
    assert principal.post(reverse("kiosk_retire", args=[kiosk.pk])).status_code == 302
    assert client.get(reverse("lobby")).status_code == 302  # signed out: to the login page
    assert AuditEvent.objects.filter(action="record_retire", object_type="reports.kioskaccount").count() == 1
    kiosk.refresh_from_db()
    assert kiosk.retired_at is not None


def test_only_the_board_manages_kiosks(lobby_world):
    _client, kiosk = _kiosk_client(lobby_world)
    secretary = login(lobby_world["users"]["secretary"])
    assert secretary.get(reverse("kiosk_list")).status_code == 404
    assert secretary.post(reverse("kiosk_retire", args=[kiosk.pk])).status_code == 404
    assert secretary.get(reverse("lobby")).status_code == 404


def test_a_wrong_kiosk_link_is_404(db):
    assert Client().get(reverse("kiosk_enter", args=["nope"])).status_code == 404


def test_an_empty_kiosk_name_is_refused_with_a_message(lobby_world):
    page = login(lobby_world["users"]["principal"]).post(reverse("kiosk_list"), {"name": "  "})
    assert page.status_code == 200 and "请填写大屏名称" in page.content.decode()
    assert not KioskAccount.objects.exists()
