"""Signing in with a phone, throttling, production security settings (first sign-in: test_activation.py;
the throttle in depth: test_sign_in_throttle.py)."""

import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from .factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_member_signs_in_with_phone_and_password(people):
    client = Client()
    member_user = people["users"]["member"]
    response = client.post(reverse("login"), {"username": member_user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")


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
