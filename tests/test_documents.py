"""Printed documents: the sign-in sheet and the 学时证明 really draw their Chinese, stay in scope, and
the public check of a certificate tells nothing but the name, the year and the hours."""

import json
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from dangxiao.attendance import services
from dangxiao.attendance.models import StudyHourCertificate
from dangxiao.teaching.models import Enrollment, Session

from .conftest import login
from .factories import make_cohort, make_school, make_teacher, make_user

pytestmark = pytest.mark.django_db
NAMES = ("王建国", "李秀英", "张伟")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the verification throttle counts misses per address in the cache
    yield
    cache.clear()


@pytest.fixture
def lesson(people):
    school, main, _small = make_school(people["tree"])
    teacher_user = make_user("lecturer")
    teacher = make_teacher(school, "刘红梅", user=teacher_user, title="党校讲师")
    cohort = make_cohort(school, people["tree"]["C1-1"], "党章党规学习班")
    start = timezone.now().replace(hour=11, minute=0, second=0, microsecond=0) - timedelta(days=3)
    session = Session.objects.create(
        cohort=cohort,
        title="学习新修订的党章",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        venue=main,
        teacher=teacher,
        hours=Decimal("2.0"),
    )
    roll = people["members"]["c1_1"]
    for member, name in zip(roll, NAMES):
        member.name = name
        member.save(update_fields=["name"])
        Enrollment.objects.create(cohort=cohort, member=member)
    outsider_secretary = make_user("secretary2", role="org_admin", org=people["tree"]["C2-1"])
    return {"session": session, "roll": roll, "teacher_user": teacher_user, "outsider_secretary": outsider_secretary, **people}


def pdf_facts(content: bytes, tmp_path: Path) -> dict:
    """What poppler sees in a PDF: embedded fonts, the text, and page 1 as an image."""
    assert content.startswith(b"%PDF-")
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    image = Image.open(png).convert("RGB")
    raw = image.tobytes()
    pixels = [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]
    dark = sum(1 for r, g, b in pixels if r + g + b < 300) / len(pixels)
    red = sum(1 for r, g, b in pixels if r > 150 and g < 90 and b < 90) / len(pixels)
    return {"fonts": fonts, "text": "".join(text.split()), "dark": dark, "red": red, "png": png, "pages": text.count("\f")}


def test_the_sign_in_sheet_draws_the_title_and_every_enrolled_name_in_a_cjk_font(lesson, tmp_path, django_assert_max_num_queries):
    client = login(lesson["users"]["secretary"])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("doc_sign_in_sheet", args=[lesson["session"].pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "inline" in response["Content-Disposition"]
    facts = pdf_facts(response.content, tmp_path)
    assert "NotoSansCJK" in facts["fonts"].replace("-", "")
    for words in (
        "签到表",
        "学习新修订的党章",
        "党章党规学习班",
        "刘红梅",
        "源课堂",
        "序号",
        "姓名",
        "所在组织",
        "签名",
        "第1页/共1页",
        *NAMES,
    ):
        assert words in facts["text"], words
    assert "青山祠社区第一党支部" in facts["text"]
    assert facts["dark"] > 0.01, "page 1 is blank"


def test_a_long_roll_runs_onto_more_pages_with_page_numbers(lesson, tmp_path):
    from .factories import make_member

    cohort = lesson["session"].cohort
    for i in range(40):
        Enrollment.objects.create(cohort=cohort, member=make_member(lesson["tree"]["C1-1"], name=f"党员甲{i:02d}"))
    response = login(lesson["users"]["secretary"]).get(reverse("doc_sign_in_sheet", args=[lesson["session"].pk]))
    facts = pdf_facts(response.content, tmp_path)
    assert facts["pages"] >= 2 and "第2页/共" in facts["text"] and "党员甲39" in facts["text"]


def test_the_sessions_own_teacher_may_print_the_sheet_but_a_member_on_the_roll_may_not(lesson):
    url = reverse("doc_sign_in_sheet", args=[lesson["session"].pk])
    assert login(lesson["teacher_user"]).get(url).status_code == 200
    assert login(lesson["users"]["member"]).get(url).status_code == 404


def test_another_branchs_secretary_gets_404_for_the_sheet_the_roll_and_a_member_certificate(lesson):
    client = login(lesson["outsider_secretary"])
    session = lesson["session"]
    member = lesson["roll"][0]
    year = timezone.localtime(session.starts_at).year
    assert client.get(reverse("doc_sign_in_sheet", args=[session.pk])).status_code == 404
    assert client.get(reverse("doc_roll_template", args=[session.pk])).status_code == 404
    assert client.get(reverse("doc_roll_import", args=[session.pk])).status_code == 404
    assert client.get(reverse("doc_member_certificate", args=[member.pk, year])).status_code == 404
    assert not StudyHourCertificate.objects.exists()


def test_a_secretary_enrolled_in_another_branchs_class_cannot_print_its_sheet(lesson):
    """Seeing a session as a member is not managing it."""
    from .factories import make_member

    secretary = lesson["outsider_secretary"]
    own = make_member(lesson["tree"]["C2-1"], name="赵书记")
    own.user = secretary
    own.save(update_fields=["user"])
    Enrollment.objects.create(cohort=lesson["session"].cohort, member=own)
    assert login(secretary).get(reverse("doc_sign_in_sheet", args=[lesson["session"].pk])).status_code == 404


def _attend(lesson):
    session = lesson["session"]
    services.roll_mark(session, {m.pk: "present" for m in lesson["roll"]}, by=lesson["users"]["secretary"])
    services.ledger_credit(
        lesson["roll"][0],
        hours=Decimal("1.5"),
        date=timezone.localtime(session.starts_at).date(),
        source="online",
        reference="lesson:1",
    )
    return timezone.localtime(session.starts_at).year


def test_a_member_downloads_a_certificate_with_the_hours_by_source_a_code_and_a_qr(lesson, tmp_path):
    year = _attend(lesson)
    member = lesson["roll"][0]  # the `member` user's own record
    client = login(lesson["users"]["member"])
    response = client.get(reverse("doc_my_certificate", args=[year]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    certificate = StudyHourCertificate.objects.get(member=member, year=year)
    assert certificate.hours == Decimal("3.5")
    facts = pdf_facts(response.content, tmp_path)
    assert "NotoSansCJK" in facts["fonts"].replace("-", "")
    for words in ("学时证明", "文源街道党校", "王建国", "青山祠社区第一党支部", str(year), "3.5", "集中培训", "2.0", "网上学习", "1.5"):
        assert words in facts["text"], words
    assert certificate.code in facts["text"]
    assert f"http://testserver/verify/{certificate.code}/" in facts["text"]
    assert facts["dark"] > 0.01 and facts["red"] > 0.002, "no text or no red border on page 1"

    # Printing again the same day reuses the certificate; new hours get a new code.
    client.get(reverse("doc_my_certificate", args=[year]))
    assert StudyHourCertificate.objects.filter(member=member).count() == 1
    services.ledger_credit(
        member, hours=Decimal("2"), date=timezone.localtime(lesson["session"].starts_at).date(), source="external", reference="x:1"
    )
    client.get(reverse("doc_my_certificate", args=[year]))
    assert list(StudyHourCertificate.objects.filter(member=member).order_by("pk").values_list("hours", flat=True)) == [
        Decimal("3.5"),
        Decimal("5.5"),
    ]


def test_staff_print_a_certificate_for_a_member_they_manage(lesson, tmp_path):
    year = _attend(lesson)
    member = lesson["roll"][1]
    response = login(lesson["users"]["secretary"]).get(reverse("doc_member_certificate", args=[member.pk, year]))
    assert response.status_code == 200
    assert "李秀英" in pdf_facts(response.content, tmp_path)["text"]
    assert StudyHourCertificate.objects.get(member=member).issued_by == lesson["users"]["secretary"]


def test_certificates_need_a_member_record_and_a_year_that_has_begun(lesson):
    this_year = timezone.localdate().year
    assert login(lesson["users"]["secretary"]).get(reverse("doc_my_certificate", args=[this_year])).status_code == 404
    member_client = login(lesson["users"]["member"])
    assert member_client.get(reverse("doc_my_certificate", args=[this_year + 1])).status_code == 404
    assert member_client.get(reverse("doc_my_certificate", args=[1999])).status_code == 404
    # A plain member is not staff: another member's certificate is not found.
    other = lesson["roll"][1]
    assert member_client.get(reverse("doc_member_certificate", args=[other.pk, this_year])).status_code == 404


def test_the_public_check_shows_only_the_name_year_and_hours(lesson, django_assert_max_num_queries):
    year = _attend(lesson)
    member = lesson["roll"][0]
    certificate = services.certificate_issue(member, year)
    anonymous = Client()
    with django_assert_max_num_queries(2):
        response = anonymous.get(reverse("doc_verify_code", args=[certificate.code]))
    body = response.content.decode()
    assert response.status_code == 200 and "证明有效" in body
    assert 'data-field="name">王建国<' in body and f'data-field="year">{year}<' in body and 'data-field="hours">3.5<' in body
    for secret in (member.phone, member.phone[-4:], member.organization.name, "青山祠", "集中培训", "网上学习", "文源街道党校"):
        assert secret not in body, secret
    assert response["X-Robots-Tag"].startswith("noindex")


def test_the_check_accepts_what_people_type_and_says_when_nothing_is_found(lesson):
    certificate = services.certificate_issue(lesson["roll"][0], timezone.localdate().year)
    anonymous = Client()
    typed = " ".join(certificate.code[i : i + 5] for i in (0, 5)).lower()
    response = anonymous.get(reverse("doc_verify"), {"code": typed})
    assert response.status_code == 302 and response.url == reverse("doc_verify_code", args=[certificate.code])
    assert anonymous.get(reverse("doc_verify")).status_code == 200
    missing = anonymous.get(reverse("doc_verify_code", args=["ABCDEFGHJK"]))
    assert missing.status_code == 404 and "未找到该证明" in missing.content.decode() and "王建国" not in missing.content.decode()


def test_guessing_codes_is_refused_for_a_while(lesson):
    certificate = services.certificate_issue(lesson["roll"][0], timezone.localdate().year)
    anonymous = Client()
    for i in range(20):
        assert anonymous.get(reverse("doc_verify_code", args=[f"ZZZZZZZZ{i:02d}"])).status_code == 404
    refused = anonymous.get(reverse("doc_verify_code", args=[certificate.code]))
    assert refused.status_code == 429 and "王建国" not in refused.content.decode()
    assert anonymous.get(f"/api/v1/certificates/{certificate.code}").status_code == 429
    assert Client(REMOTE_ADDR="10.0.0.9").get(reverse("doc_verify_code", args=[certificate.code])).status_code == 200


def test_the_api_checks_a_code_without_signing_in(lesson):
    year = _attend(lesson)
    certificate = services.certificate_issue(lesson["roll"][0], year)
    response = Client().get(f"/api/v1/certificates/{certificate.code.lower()}")
    assert response.status_code == 200
    assert json.loads(response.content) == {"name": "王建国", "year": year, "hours": 3.5}
    missing = Client().get("/api/v1/certificates/ABCDEFGHJK")
    assert missing.status_code == 404 and "未找到" in json.loads(missing.content)["detail"]
