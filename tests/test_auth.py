"""Signing in with a phone, the first-sign-in password change, throttling, production security settings."""

import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from dangxiao.people.models import User

from .factories import PASSWORD, make_member, valid_id_number

pytestmark = pytest.mark.django_db


def test_member_signs_in_with_phone_and_password(people):
    client = Client()
    member_user = people["users"]["member"]
    response = client.post(reverse("login"), {"username": member_user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_imported_member_first_signs_in_with_initial_password_and_must_change_it(people):
    idn = valid_id_number()
    member = make_member(people["tree"]["C1-1"], phone="13600001111", id_number=idn)
    client = Client()
    assert client.post(reverse("login"), {"username": "13600001111", "password": "wrong1"}).status_code == 200
    response = client.post(reverse("login"), {"username": "１３６００００１１１１", "password": idn[-6:]})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.user is not None and member.user.must_change_password
    # Every page sends them to change the password first.
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
    weak = client.post(reverse("password_change"), {"old_password": idn[-6:], "new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200 and "密码" in weak.content.decode()
    done = client.post(
        reverse("password_change"), {"old_password": idn[-6:], "new_password1": "Hongqi#2026", "new_password2": "Hongqi#2026"}
    )
    assert done.status_code == 302
    assert not User.objects.get(pk=member.user_id).must_change_password
    assert client.get(reverse("home")).status_code == 200


def test_initial_password_does_not_work_once_the_account_exists(people):
    member = people["members"]["c1_1"][0]  # has an account with its own password
    assert Client().post(reverse("login"), {"username": member.phone, "password": member.phone[-6:]}).status_code == 200


def test_repeated_failures_lock_the_sign_in(people, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        client.post(reverse("login"), {"username": "secretary", "password": "bad"})
    locked = client.post(reverse("login"), {"username": "secretary", "password": PASSWORD})
    assert locked.status_code in (403, 429)
    assert "锁定" in locked.content.decode()
    api = client.post("/api/v1/auth/token", {"username": "secretary", "password": PASSWORD}, content_type="application/json")
    assert api.status_code in (403, 429)


def test_forms_are_csrf_protected(people):
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("login"), {"username": "secretary", "password": PASSWORD}).status_code == 403


def test_production_settings_demand_a_secret_and_turn_on_secure_cookies_and_hsts():
    code = "import dangxiao.settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.ALLOWED_HOSTS)"
    env = {"DANGXIAO_DEBUG": "0", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "dangxiao.example.cn", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True True True ['dangxiao.example.cn']"
    missing = subprocess.run(
        [sys.executable, "-c", "import dangxiao.settings"],
        env={"DANGXIAO_DEBUG": "0", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0 and "SECRET_KEY" in missing.stderr


def test_the_password_change_page_is_ours_not_the_admins(people):
    from .conftest import login

    body = login(people["users"]["member"]).get(reverse("password_change")).content.decode()
    assert "修改密码" in body and "Django" not in body and "dx-navbar" in body
