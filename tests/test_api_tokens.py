"""API tokens end (issue 9, point 3): they expire after days without use (sliding), they are revoked when
the password changes or the user is deactivated, and a user lists and revokes their own."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangxiao.people import services
from dangxiao.people.models import ApiToken, User

from .conftest import login
from .factories import PASSWORD
from .test_api import token_for

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Hongqi#2026"


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def works(token: str) -> bool:
    return bearer(token).get("/api/v1/me").status_code == 200


def test_a_token_expires_30_days_after_its_last_use(people, time_machine):
    member = people["users"]["member"]
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    used = token_for(member)
    time_machine.move_to(start + timedelta(days=20), tick=False)
    assert works(used)
    services.token_uses.flush()  # the use is written (at most hourly, within TOKEN_FLUSH_SECONDS)
    time_machine.move_to(start + timedelta(days=45), tick=False)
    assert works(used)  # 45 days after it was made, 25 after its last use
    services.token_uses.flush()
    idle = token_for(member)

    time_machine.move_to(start + timedelta(days=76), tick=False)
    for token in (used, idle):  # 31 days after the last use; 31 after being made and never used
        refused = bearer(token).get("/api/v1/me")
        assert refused.status_code == 401 and "过期" in refused.json()["detail"]


def test_the_lifetime_is_configurable_and_the_check_in_keeps_to_it(people, settings):
    settings.API_TOKEN_DAYS = 7
    token = token_for(people["users"]["member"])
    ApiToken.objects.update(created_at=timezone.now() - timedelta(days=8))
    assert not works(token)
    check_in = bearer(token).post("/api/v1/checkin", {"session_id": 1, "code": "123456"}, content_type="application/json")
    assert check_in.status_code == 401 and "过期" in check_in.json()["detail"]
    ApiToken.objects.update(created_at=timezone.now() - timedelta(days=6))
    assert works(token)


def test_changing_the_password_on_the_page_revokes_the_users_tokens_but_not_the_session(people):
    member, other = people["users"]["member"], people["users"]["secretary"]
    mine, theirs = token_for(member), token_for(other)
    client = login(member)
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert client.post(reverse("password_change"), data).status_code == 302
    refused = bearer(mine).get("/api/v1/me")
    assert refused.status_code == 401 and "吊销" in refused.json()["detail"]
    assert works(theirs)
    assert client.get(reverse("home")).status_code == 200
    assert works(token_for_password(member, NEW_PASSWORD))


def token_for_password(user, password: str) -> str:
    response = Client().post("/api/v1/auth/token", {"username": user.username, "password": password}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_every_other_way_of_setting_a_password_revokes_the_tokens_too(people, monkeypatch):
    member = people["users"]["member"]
    admin = login(people["users"]["superuser"])

    token = token_for(member)
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    response = admin.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302 and not works(token)

    token = token_for_password(member, NEW_PASSWORD)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "An0ther#pass")
    call_command("changepassword", member.username, stdout=StringIO())
    assert not works(token)

    token = token_for_password(member, "An0ther#pass")
    user = User.objects.get(pk=member.pk)
    user.set_password(PASSWORD)
    user.save()
    assert not works(token)

    token = token_for(member)
    user.first_name = "改名"
    user.save()  # a save that leaves the password alone revokes nothing
    user.save(update_fields=["last_login"])
    assert works(token)


def test_deactivating_a_user_revokes_their_tokens_for_good(people):
    member = people["users"]["member"]
    token = token_for(member)
    admin = login(people["users"]["superuser"])
    change = reverse("admin:people_user_change", args=[member.pk])
    form = admin.get(change).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("password", "groups", "user_permissions")}
    data.update(is_active="", date_joined_0=f"{member.date_joined:%Y-%m-%d}", date_joined_1=f"{member.date_joined:%H:%M:%S}")
    data.pop("date_joined", None)
    data.pop("last_login", None)
    assert admin.post(change, data).status_code == 302
    assert not User.objects.get(pk=member.pk).is_active
    User.objects.filter(pk=member.pk).update(is_active=True)
    assert not works(token)
    assert ApiToken.objects.get().revoked_at is not None


def test_a_user_lists_and_revokes_their_own_tokens_on_a_page_under_mine(people, django_assert_max_num_queries):
    member, other = people["users"]["member"], people["users"]["secretary"]
    first, second, theirs = token_for(member), token_for(member), token_for(other)
    client = login(member)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("account_tokens")}" data-nav="tokens"' in home
    with django_assert_max_num_queries(6):
        page = client.get(reverse("account_tokens"))
    assert page.status_code == 200 and page.content.decode().count("data-token=") == 2
    expires = (timezone.localdate() + timedelta(days=30)).strftime("%Y")
    assert expires in page.content.decode()

    target = ApiToken.objects.get(key_hash=services.token_hash(first))
    assert client.post(reverse("account_token_revoke", args=[target.pk])).status_code == 302
    assert not works(first) and works(second)
    foreign = ApiToken.objects.get(key_hash=services.token_hash(theirs))
    assert client.post(reverse("account_token_revoke", args=[foreign.pk])).status_code == 404
    assert works(theirs)
    assert client.get(reverse("account_tokens")).content.decode().count("data-token=") == 1
    # Everyone reaches it through their name in the bar, staff without a member record (and no 我的) too.
    staff_home = login(other).get(reverse("home")).content.decode()
    assert f'href="{reverse("account_tokens")}" data-nav="account"' in staff_home


def test_the_api_lists_and_revokes_the_callers_own_tokens(people):
    member, other = people["users"]["member"], people["users"]["secretary"]
    first, second, theirs = token_for(member), token_for(member), token_for(other)
    listed = bearer(second).get("/api/v1/auth/tokens").json()
    assert len(listed) == 2 and [t["current"] for t in listed] == [True, False]
    assert {"id", "name", "created_at", "last_used_at", "expires_at"} <= set(listed[0])
    assert bearer(second).delete(f"/api/v1/auth/tokens/{listed[1]['id']}").status_code == 204
    assert not works(first) and works(second)
    foreign = ApiToken.objects.get(key_hash=services.token_hash(theirs)).pk
    assert bearer(second).delete(f"/api/v1/auth/tokens/{foreign}").status_code == 404
    assert works(theirs)
