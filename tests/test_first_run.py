"""From an empty install to a school: the superuser's first-run page, gone once it has been used."""

import pytest
from django.urls import reverse

from dangxiao.core.models import AuditEvent
from dangxiao.people.models import Organization, Role, User
from dangxiao.school.models import School

from .conftest import login
from .factories import make_user

pytestmark = pytest.mark.django_db

FORM = {
    "name": "文源街道党工委",
    "code": "WY",
    "unit_type": "sub_district",
    "school_name": "文源街道党校",
    "school_brand": "源课堂",
    "principal_username": "13900000001",
    "principal_name": "李建国",
}


@pytest.fixture
def root_user(db):
    return make_user("root", is_superuser=True, is_staff=True)


def test_a_superuser_signing_in_to_an_empty_install_lands_on_the_first_run_page(root_user):
    response = login(root_user).get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("school:first_run")
    page = login(root_user).get(reverse("school:first_run"))
    assert page.status_code == 200 and "开始使用" in page.content.decode()


def test_first_run_creates_the_committee_its_school_and_a_new_principal_with_a_one_time_password(root_user, client):
    response = login(root_user).post(reverse("school:first_run"), FORM)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="temporary-password"' in body
    committee = Organization.objects.get(code="WY")
    assert committee.is_root() and committee.kind == "working_committee"
    school = School.objects.get(organization=committee)
    assert (school.name, school.brand) == ("文源街道党校", "源课堂")
    principal = User.objects.get(username="13900000001")
    assert principal.first_name == "李建国" and principal.must_change_password
    assert Role.objects.filter(user=principal, organization=committee, kind="principal").exists()
    password = body.split("<code>")[1].split("</code>")[0]
    assert principal.check_password(password)
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {"org_create", "role_grant"}
    # Gone once done: the page is a 404 and home no longer sends the superuser there.
    assert login(root_user).get(reverse("school:first_run")).status_code == 404
    assert login(root_user).post(reverse("school:first_run"), {**FORM, "code": "WY2"}).status_code == 404
    assert login(root_user).get(reverse("home")).status_code == 200
    assert Organization.objects.count() == 1


def test_first_run_appoints_an_existing_account_without_a_new_password(root_user):
    existing = make_user("13900000009", first_name="王校长")
    response = login(root_user).post(reverse("school:first_run"), {**FORM, "principal_username": "13900000009", "principal_name": ""})
    assert response.status_code == 200 and 'id="temporary-password"' not in response.content.decode()
    assert Role.objects.get(kind="principal").user == existing
    assert not User.objects.filter(username="13900000001").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "W Y"}, "组织编码只能由"),
        ({"name": ""}, "这个字段是必填项"),
        ({"principal_name": ""}, "新账号须填写校长姓名"),
        ({"school_name": ""}, "这个字段是必填项"),
    ],
)
def test_a_bad_first_run_form_is_refused_and_creates_nothing(root_user, change, message):
    response = login(root_user).post(reverse("school:first_run"), {**FORM, **change})
    assert response.status_code == 422 and message in response.content.decode()
    assert not Organization.objects.exists() and not School.objects.exists() and not User.objects.filter(username="13900000001").exists()


def test_only_a_superuser_sees_the_first_run_page(db):
    plain = make_user("someone")
    assert login(plain).get(reverse("school:first_run")).status_code == 404
    assert login(plain).post(reverse("school:first_run"), FORM).status_code == 404
    assert not Organization.objects.exists()


def test_a_superuser_adds_another_working_committee_from_the_organisation_pages(people):
    root = people["users"]["superuser"]
    assert reverse("school:committee_new") in login(root).get(reverse("people:organization_list")).content.decode()
    response = login(root).post(
        reverse("school:committee_new"), {**FORM, "name": "湘江街道党工委", "code": "XJ", "school_name": "湘江党校"}
    )
    assert response.status_code == 200
    assert Organization.objects.get(code="XJ").is_root() and School.objects.filter(name="湘江党校").exists()
    # The code is unique across the install, and a board member cannot create committees.
    again = login(root).post(reverse("school:committee_new"), {**FORM, "code": "XJ"})
    assert again.status_code == 422 and "已被使用" in again.content.decode()
    assert login(people["users"]["principal"]).get(reverse("school:committee_new")).status_code == 404
