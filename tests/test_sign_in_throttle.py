"""The sign-in throttle cannot be side-stepped (issue 9, point 2): one counter per account however the phone
is spelt, one per address across phones, shared by the sign-in page, the API and the activation step; a
locked phone answers the same whether or not it has an account, and every attempt does the same work."""

import re

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.urls import reverse

from dangxiao.people import activation
from dangxiao.people.models import ActivationCode, Member, User

from .factories import PASSWORD, make_member, make_user, valid_id_number

pytestmark = pytest.mark.django_db
PHONE = "13900000005"
NOBODY = "13900000099"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_ADDRESS_FAILURE_LIMIT = 6


@pytest.fixture
def account(people):
    member = make_member(people["tree"]["C1-1"], phone=PHONE)
    return make_user(member=member)


def full_width(digits: str) -> str:
    return digits.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})


def page(username: str, password: str, ip: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post(reverse("login"), {"username": username, "password": password})


def api(username: str, password: str, ip: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post("/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json")


def activate(username: str, code: str, ip: str = "10.0.0.1"):
    data = {"username": username, "code": code, "new_password1": "Hongqi#2026", "new_password2": "Hongqi#2026"}
    return Client(REMOTE_ADDR=ip).post(reverse("activate"), data)


def signed_in(response) -> bool:
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


def test_spellings_of_one_phone_share_one_counter(account):
    spellings = (" 13900000005", "139 0000 0005", full_width(PHONE))
    answers = [page(spelling, "wrong-password", ip=f"10.0.1.{n}").status_code for n, spelling in enumerate(spellings)]
    assert answers == [200, 200, 429]  # the third failure locks the account
    locked = page(PHONE, PASSWORD, ip="10.0.1.9")  # the right password, from yet another address
    assert locked.status_code == 429 and "锁定" in locked.content.decode()
    assert api(PHONE, PASSWORD, ip="10.0.1.10").status_code == 429


def test_failures_from_one_address_across_phones_lock_that_address(account):
    answers = [page(f"1390000{n:04d}", "123456", ip="10.0.2.1").status_code for n in range(6)]
    assert answers == [200] * 5 + [429]
    assert page(PHONE, PASSWORD, ip="10.0.2.1").status_code == 429
    assert signed_in(page(PHONE, PASSWORD, ip="10.0.2.2"))  # the account itself is not locked


def test_the_sign_in_page_the_token_endpoint_and_the_activation_step_share_one_counter(account):
    assert page(PHONE, "wrong-password", ip="10.0.3.1").status_code == 200
    assert api(PHONE, "wrong-password", ip="10.0.3.2").status_code == 401
    assert activate(PHONE, "ABCD-EFGH", ip="10.0.3.3").status_code == 429  # the third failure, wherever it is made
    locked = api(PHONE, PASSWORD, ip="10.0.3.4")
    assert locked.status_code == 429 and "锁定" in locked.json()["detail"]
    assert page(PHONE, PASSWORD, ip="10.0.3.5").status_code == 429
    assert activate(PHONE, PASSWORD, ip="10.0.3.6").status_code == 429


def without_csrf(body: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"', "", body)


def test_a_locked_phone_answers_the_same_whether_or_not_it_has_an_account(account, monkeypatch):
    for phone in (PHONE, NOBODY):
        for n in range(3):
            page(phone, "wrong-password", ip=f"10.0.4.{n}")
    runs = count_hasher_runs(monkeypatch)
    real, fake = page(PHONE, PASSWORD, ip="10.0.4.9"), page(NOBODY, PASSWORD, ip="10.0.4.9")
    assert real.status_code == fake.status_code == 429
    assert without_csrf(real.content.decode()) == without_csrf(fake.content.decode())
    real, fake = api(PHONE, PASSWORD, ip="10.0.4.8"), api(NOBODY, PASSWORD, ip="10.0.4.8")
    assert (real.status_code, real.json()) == (fake.status_code, fake.json())
    assert runs == []  # a locked attempt looks nothing up, for either


def count_hasher_runs(monkeypatch) -> list:
    """The tests' password hasher, counting its runs (check_password and make_password both go through encode)."""
    runs = []
    encode = MD5PasswordHasher.encode

    def counted(self, password, salt):
        runs.append(password)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counted)
    return runs


def test_every_attempt_runs_the_password_hasher_once_whether_or_not_the_phone_has_an_account(account, people, monkeypatch):
    """No 15 ms against 900 ms: the password hasher is the slow part of an attempt, and each runs it once."""
    newcomer = make_member(people["tree"]["C1-1"], phone="13600002222")  # no account yet, a code issued
    activation.activation_codes_issue(people["users"]["secretary"], Member.objects.filter(pk=newcomer.pk))
    unusable = make_member(people["tree"]["C1-1"], phone="13600003333")
    holder = make_user(member=unusable)
    holder.set_unusable_password()
    holder.save()
    runs = count_hasher_runs(monkeypatch)
    for n, phone in enumerate((PHONE, NOBODY, newcomer.phone, unusable.phone)):
        before = len(runs)
        assert page(phone, "wrong-guess", ip=f"10.0.5.{n}").status_code == 200
        assert len(runs) - before == 1, phone
        before = len(runs)
        assert api(phone, "wrong-guess", ip=f"10.0.6.{n}").status_code == 401
        assert len(runs) - before == 1, phone


def test_brute_forcing_a_first_sign_in_hits_the_lockout(people):
    """An attacker who knows a newcomer's phone (and ID number) guesses from many addresses, spelling the
    phone every way, on the page, the API and the activation step, including the old first passwords."""
    idn = valid_id_number(seq=789)
    newcomer = make_member(people["tree"]["C1-1"], phone="13600004444", id_number=idn)
    code = activation.activation_codes_issue(people["users"]["secretary"], Member.objects.filter(pk=newcomer.pk))[0].code
    spellings = ("13600004444", " 136 0000 4444", full_width("13600004444"), "13600004444 ")
    guesses = ["444444", newcomer.phone[-6:], idn[-6:], "ABCD-EFGH", "2345-6789", "PQRS-TUVW"] * 4
    answers = []
    for n, guess in enumerate(guesses):
        username, ip = spellings[n % len(spellings)], f"10.1.{n}.1"
        response = (page, api, activate)[n % 3](username, guess, ip=ip)
        assert response.status_code in (200, 400, 401, 403, 429) and not signed_in(response)
        answers.append(response.status_code)
    assert answers[:2] == [200, 401] and set(answers[2:]) == {429}
    # Locked even for the right code now; nothing was activated or spent.
    assert activate(spellings[0], code, ip="10.2.0.1").status_code == 429
    assert not User.objects.filter(username=newcomer.phone).exists()
    assert ActivationCode.objects.get().used_at is None


def test_signing_in_to_ones_own_account_does_not_wipe_the_count_against_another(account, people):
    mine = people["users"]["secretary"]
    for _ in range(2):
        page(PHONE, "wrong-password", ip="10.0.7.1")
    assert signed_in(page(mine.username, PASSWORD, ip="10.0.7.1"))
    page(PHONE, "wrong-password", ip="10.0.7.1")
    assert page(PHONE, PASSWORD, ip="10.0.7.2").status_code == 429


def test_the_right_password_clears_the_accounts_failures_on_the_page_and_in_the_api(account):
    for sign_in, ok in ((page, signed_in), (api, lambda r: r.status_code == 200)):
        for _ in range(2):
            sign_in(PHONE, "wrong-password", ip="10.0.8.1")
        assert ok(sign_in(PHONE, PASSWORD, ip="10.0.8.1"))
        for _ in range(2):
            sign_in(PHONE, "wrong-password", ip="10.0.8.1")
        assert ok(sign_in(PHONE, PASSWORD, ip="10.0.8.2"))
