"""A member's first sign-in (issue 9, point 1): no guessable first password, a one-time activation code
instead — random, hashed, expiring, single use — printed or exported by the secretary, and nothing works
with it but choosing a password, on the pages and in the API."""

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangxiao.core.models import AuditEvent
from dangxiao.people import activation, services
from dangxiao.people.models import ActivationCode, ApiToken, Member, User

from .conftest import login
from .factories import PASSWORD, make_member, make_user, valid_id_number
from .test_documents import pdf_facts

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Hongqi#2026"
CODE_RE = re.compile(r"(?<![A-Z0-9])[A-Z2-9]{4}-[A-Z2-9]{4}(?![A-Z0-9])")


def issue(actor, member, **kwargs) -> str:
    issued = activation.activation_codes_issue(actor, Member.objects.filter(pk=member.pk), **kwargs)
    assert len(issued) == 1
    return issued[0].code


def api_post(path: str, data: dict):
    return Client().post(path, data, content_type="application/json")


@pytest.fixture
def newcomer(people):
    """A member of the secretary's branch, imported with an ID number, who has never signed in."""
    idn = valid_id_number(seq=456)
    member = make_member(people["tree"]["C1-1"], name="赵新来", phone="13600001111", id_number=idn, birth_date=date(1985, 3, 1))
    return {"member": member, "id_number": idn, "secretary": people["users"]["secretary"], **people}


def test_the_old_initial_password_signs_no_one_in(newcomer):
    member, idn = newcomer["member"], newcomer["id_number"]
    for guess in (idn[-6:], member.phone[-6:]):
        page = Client().post(reverse("login"), {"username": member.phone, "password": guess})
        assert page.status_code == 200 and not page.wsgi_request.user.is_authenticated
        assert api_post("/api/v1/auth/token", {"username": member.phone, "password": guess}).status_code == 401
    assert not User.objects.filter(username=member.phone).exists()


def test_codes_are_random_unambiguous_stored_hashed_and_expire_after_30_days(newcomer):
    branch = Member.objects.filter(organization=newcomer["tree"]["C1-1"])
    issued = activation.activation_codes_issue(newcomer["secretary"], branch)
    assert len(issued) == branch.count() == 4  # the branch's three members (one account never used) and the newcomer
    codes = [i.code for i in issued]
    assert len(set(codes)) == 4
    for code in codes:
        plain = code.replace("-", "")
        assert len(plain) >= 8 and set(plain) <= set(activation.ALPHABET)
        assert not set(plain) & set("01OIL")
    stored = list(ActivationCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 4 and not any(code.replace("-", "") in h or code in h for code in codes for h in stored)
    for row in ActivationCode.objects.all():
        assert abs(row.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)


def test_signing_in_with_the_code_leads_to_choosing_a_password_before_anything_else(newcomer):
    member = newcomer["member"]
    code = issue(newcomer["secretary"], member)
    client = Client()
    # Typed as it comes: lower case, without the hyphen, full-width digits in the phone.
    typed = code.replace("-", "").lower()
    response = client.post(reverse("login"), {"username": "１３６００００１１１１", "password": typed})
    assert response.status_code == 302 and response["Location"] == reverse("activate")
    assert client.get(reverse("home")).status_code == 302  # not signed in: nothing but the password step
    page = client.get(reverse("activate")).content.decode()
    assert "赵新来" in page and 'name="code"' not in page

    weak = client.post(reverse("activate"), {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 400 and "is-invalid" in weak.content.decode()
    assert activation.code_in_hand(ActivationCode.objects.get().pk) is not None  # a refused password spends nothing

    done = client.post(reverse("activate"), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    user = User.objects.get(username=member.phone)
    member.refresh_from_db()
    assert member.user == user and user.check_password(NEW_PASSWORD) and not user.must_change_password

    # Single use: the code opens nothing any more; the new password does.
    again = Client().post(reverse("login"), {"username": member.phone, "password": code})
    assert again.status_code == 200 and not again.wsgi_request.user.is_authenticated
    assert Client().post(reverse("login"), {"username": member.phone, "password": NEW_PASSWORD}).status_code == 302


def test_the_activation_page_takes_phone_code_and_password_in_one_go(newcomer):
    member = newcomer["member"]
    code = issue(newcomer["secretary"], member)
    client = Client()
    wrong = client.post(
        reverse("activate"), {"username": member.phone, "code": "ABCD-EFGH", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert wrong.status_code == 400 and "激活码不正确" in wrong.content.decode()
    data = {
        "username": f" {member.phone[:3]} {member.phone[3:]}",
        "code": code,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    assert client.post(reverse("activate"), data)["Location"] == reverse("home")
    assert client.get(reverse("home")).wsgi_request.user.username == member.phone
    assert User.objects.get(username=member.phone).last_login is not None


def test_an_expired_or_replaced_code_does_not_work(newcomer):
    member = newcomer["member"]
    first = issue(newcomer["secretary"], member)
    second = issue(newcomer["secretary"], member, replace=True)
    assert first != second
    assert api_post("/api/v1/auth/token", {"username": member.phone, "password": first}).status_code == 401
    assert api_post("/api/v1/auth/token", {"username": member.phone, "password": second}).status_code == 403
    ActivationCode.objects.filter(revoked_at__isnull=True).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_post("/api/v1/auth/token", {"username": member.phone, "password": second}).status_code == 401


def test_the_api_gives_no_token_for_a_code_until_a_password_is_chosen(newcomer):
    member = newcomer["member"]
    code = issue(newcomer["secretary"], member)
    refused = api_post("/api/v1/auth/token", {"username": member.phone, "password": code})
    assert refused.status_code == 403 and "auth/activate" in refused.json()["detail"] and "token" not in refused.json()
    assert not ApiToken.objects.exists()

    weak = api_post("/api/v1/auth/activate", {"username": member.phone, "code": code, "new_password": "12345678"})
    assert weak.status_code == 400 and weak.json()["errors"]
    assert not User.objects.filter(username=member.phone).exists()  # nothing written

    done = api_post("/api/v1/auth/activate", {"username": member.phone, "code": code, "new_password": NEW_PASSWORD})
    assert done.status_code == 200
    me = Client(headers={"Authorization": f"Bearer {done.json()['token']}"}).get("/api/v1/me")
    assert me.status_code == 200 and me.json()["member_id"] == member.pk and me.json()["must_change_password"] is False
    assert api_post("/api/v1/auth/activate", {"username": member.phone, "code": code, "new_password": "An0ther#pass"}).status_code == 401
    assert api_post("/api/v1/auth/token", {"username": member.phone, "password": NEW_PASSWORD}).status_code == 200


def test_an_account_that_must_change_its_password_gets_no_api_access_until_it_does(people):
    user = people["users"]["member"]
    token = services.token_issue(user)
    bearer = Client(headers={"Authorization": f"Bearer {token}"})
    assert bearer.get("/api/v1/me").status_code == 200
    User.objects.filter(pk=user.pk).update(must_change_password=True)

    refused = bearer.get("/api/v1/me")
    assert refused.status_code == 403 and "修改密码" in refused.json()["detail"]
    checkin = bearer.post("/api/v1/checkin", {"session_id": 1, "code": "123456"}, content_type="application/json")
    assert checkin.status_code == 403
    assert api_post("/api/v1/auth/token", {"username": user.username, "password": PASSWORD}).status_code == 403
    # A signed-in page does not open the API either; it is sent to the password form.
    page = Client()
    page.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert page.get("/api/v1/me").status_code == 403
    assert page.get(reverse("home"))["Location"] == reverse("password_change")

    changed = api_post("/api/v1/auth/activate", {"username": user.username, "code": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200
    assert Client(headers={"Authorization": f"Bearer {changed.json()['token']}"}).get("/api/v1/me").status_code == 200


def test_the_secretary_prints_an_activation_sheet_for_her_branch_and_it_is_audited(newcomer, tmp_path, django_assert_max_num_queries):
    secretary, member = newcomer["secretary"], newcomer["member"]
    in_use = newcomer["users"]["member"]
    User.objects.filter(pk=in_use.pk).update(last_login=timezone.now())
    client = login(secretary)
    url = reverse("people:activation_codes")
    with django_assert_max_num_queries(8):
        page = client.get(url)
    assert page.status_code == 200
    assert 'data-count="members">4<' in page.content.decode() and 'data-count="eligible">3<' in page.content.decode()

    response = client.post(url, {"format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    facts = pdf_facts(response.content, tmp_path)
    text = facts["text"]  # poppler's text, whitespace removed
    assert "NotoSansCJK" in facts["fonts"].replace("-", "") and facts["dark"] > 0.01  # the Chinese is drawn
    assert "党员账号激活通知" in text and "赵新来" in text and "136****1111" in text
    assert member.phone not in text  # the phone is masked on paper
    codes = CODE_RE.findall(text)
    assert len(codes) == 3 and ActivationCode.objects.filter(member__organization=newcomer["tree"]["C1-1"]).count() == 3
    event = AuditEvent.objects.get(action="export", object_type="activation_codes")
    assert event.actor == secretary and event.detail["count"] == 3

    # One code on the sheet is the newcomer's; printing again leaves the codes handed out alone.
    works = [c for c in codes if activation.code_for_sign_in(member.phone, c)]
    assert len(works) == 1
    again = client.post(url, {"format": "pdf"})
    assert again.status_code == 302  # nothing to print: everyone holds a live code
    assert activation.code_for_sign_in(member.phone, works[0]) is not None


def test_the_roster_export_carries_an_activation_code_column_and_imports_again(newcomer):
    secretary, member = newcomer["secretary"], newcomer["member"]
    in_use = newcomer["users"]["member"]
    User.objects.filter(pk=in_use.pk).update(last_login=timezone.now())
    client = login(secretary)
    response = client.post(reverse("people:activation_codes") + f"?q={member.name}", {"format": "xlsx"})
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[-2:] == ["激活码", "激活码有效期至"] and len(rows) == 2
    found = dict(zip(header, rows[1]))
    assert found["姓名"] == "赵新来" and CODE_RE.fullmatch(found["激活码"]) and found["激活码有效期至"]
    assert activation.code_for_sign_in(member.phone, found["激活码"]) is not None
    assert AuditEvent.objects.filter(action="export", object_type="roster").count() == 1
    assert AuditEvent.objects.filter(action="export", object_type="member", object_id=str(member.pk)).count() == 1

    whole = client.post(reverse("people:activation_codes"), {"format": "xlsx"})
    by_phone = {
        r[header.index("手机号码")]: r[-2] for r in list(load_workbook(BytesIO(whole.content)).active.iter_rows(values_only=True))[1:]
    }
    assert by_phone[in_use.username] == "已激活" and by_phone[member.phone] == "已发放，未使用"
    again = services.roster_import(secretary, whole.content, dry_run=True)
    assert (again.created, again.updated, again.errors) == (0, 0, [])


def test_a_secretary_reissues_one_members_code_from_their_page(newcomer, django_assert_max_num_queries):
    secretary, member = newcomer["secretary"], newcomer["member"]
    old = issue(secretary, member)
    client = login(secretary)
    # 9 for the page and the account, 8 for the staff record's sections (tests/test_member_record.py).
    with django_assert_max_num_queries(17):
        detail = client.get(reverse("people:member_detail", args=[member.pk])).content.decode()
    assert "重新生成激活码" in detail
    response = client.post(reverse("people:member_activation_code", args=[member.pk]))
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    new = CODE_RE.search(response.content.decode()).group(0)
    assert new != old
    assert activation.code_for_sign_in(member.phone, old) is None and activation.code_for_sign_in(member.phone, new) is not None
    assert AuditEvent.objects.filter(action="export", object_type="member", object_id=str(member.pk)).count() == 2


def test_no_code_for_an_account_in_use_a_staff_account_or_a_member_out_of_scope(newcomer):
    secretary, client = newcomer["secretary"], login(newcomer["secretary"])
    in_use = newcomer["members"]["c1_1"][0]
    User.objects.filter(pk=in_use.user_id).update(last_login=timezone.now())
    refused = client.post(reverse("people:member_activation_code", args=[in_use.pk]))
    assert refused.status_code == 302 and not ActivationCode.objects.exists()
    staff_member = newcomer["members"]["c1_1"][1]
    make_user(member=staff_member, role="teacher", org=newcomer["tree"]["C1"])
    assert activation.activation_codes_issue(secretary, Member.objects.filter(pk=staff_member.pk)) == []
    other_branch = newcomer["members"]["c2_1"][0]
    assert client.post(reverse("people:member_activation_code", args=[other_branch.pk])).status_code == 404
    assert activation.activation_codes_issue(secretary, Member.objects.filter(pk=other_branch.pk)) == []
    member_client = login(newcomer["users"]["member"])
    assert member_client.get(reverse("people:activation_codes")).status_code == 404
    assert not ActivationCode.objects.exists()


def test_a_code_cannot_open_the_admin(newcomer):
    member = newcomer["member"]
    code = issue(newcomer["secretary"], member)
    User.objects.create(username=member.phone, is_staff=True)  # even an account the admin would admit
    response = Client().post(reverse("admin:login"), {"username": member.phone, "password": code})
    assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated


def test_accounts_still_on_the_old_first_password_lose_it_when_migrating(newcomer):
    """people.0004: a member who signed in with the guessable password and never changed it must activate
    again; a chosen password and a random temporary one (grid accounts) are kept."""
    from importlib import import_module

    from django.apps import apps

    member, idn = newcomer["member"], newcomer["id_number"]
    stuck = User.objects.create_user(member.phone, password=idn[-6:], must_change_password=True)
    Member.objects.filter(pk=member.pk).update(user=stuck)
    token = services.token_issue(stuck)
    changed = newcomer["users"]["member"]
    temporary = make_member(newcomer["tree"]["C1-1"])
    random_temp = make_user(member=temporary, must_change_password=True)
    import_module("dangxiao.people.migrations.0004_retire_initial_passwords").retire_initial_passwords(apps, None)
    assert not User.objects.get(pk=stuck.pk).has_usable_password()
    assert ApiToken.objects.get(key_hash=services.token_hash(token)).revoked_at is not None
    assert User.objects.get(pk=changed.pk).check_password(PASSWORD)
    assert User.objects.get(pk=random_temp.pk).check_password(PASSWORD)
    assert activation.activation_codes_issue(newcomer["secretary"], Member.objects.filter(pk=member.pk))  # activates again


def test_a_sheet_too_big_to_print_in_one_go_issues_nothing(newcomer, monkeypatch):
    monkeypatch.setattr("dangxiao.people.views_activation.SHEET_MAX", 2)
    client = login(newcomer["secretary"])
    response = client.post(reverse("people:activation_codes"), {"format": "pdf"})
    assert response.status_code == 302 and not ActivationCode.objects.exists()
    assert "分批打印" in client.get(response["Location"]).content.decode()
    narrowed = client.post(reverse("people:activation_codes") + "?q=赵新来", {"format": "pdf"})
    assert narrowed["Content-Type"] == "application/pdf" and ActivationCode.objects.count() == 1
