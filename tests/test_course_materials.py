"""Course materials are private uploads: type and size checked, served only to those who may read them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dangxiao.teaching.models import Course, CourseMaterial, Enrollment

from .conftest import login
from .factories import make_cohort, make_school

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def course(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    school, _main, _small = make_school(people["tree"])
    course = Course.objects.create(school=school, title="习近平新时代中国特色社会主义思想概论", kind="theory")
    cohort = make_cohort(school, people["tree"]["C1-1"])
    cohort.courses.add(course)
    Enrollment.objects.create(cohort=cohort, member=people["members"]["c1_1"][0])
    return course


def upload(client, course, name, content):
    return client.post(
        reverse("teaching:course_detail", args=[course.pk]), {"file": SimpleUploadedFile(name, content), "title": "讲义"}, follow=True
    )


def test_staff_upload_a_pdf_and_enrolled_members_download_it(people, course):
    upload(login(people["users"]["secretary"]), course, "讲义.pdf", PDF)
    material = CourseMaterial.objects.get()
    assert material.content_type == "application/pdf" and material.size == len(PDF)
    response = login(people["users"]["member"]).get(reverse("teaching:material_download", args=[material.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


def test_members_not_enrolled_and_anonymous_users_cannot_download(people, course):
    upload(login(people["users"]["secretary"]), course, "讲义.pdf", PDF)
    material = CourseMaterial.objects.get()
    from .factories import make_member, make_user

    stranger = make_user(member=make_member(people["tree"]["C2-1"]))
    assert login(stranger).get(reverse("teaching:material_download", args=[material.pk])).status_code == 404
    assert Client().get(reverse("teaching:material_download", args=[material.pk])).status_code == 302


@pytest.mark.parametrize(
    "name, content, message",
    [("病毒.exe", b"MZ...", "不支持的文件类型"), ("假的.pdf", b"<html>not a pdf</html>", "文件内容与扩展名不符"), ("空.pdf", b"", "空")],
)
def test_wrong_type_or_content_is_refused_with_a_clear_message(people, course, name, content, message):
    response = upload(login(people["users"]["secretary"]), course, name, content)
    assert message in response.content.decode()
    assert not CourseMaterial.objects.exists()


def test_oversized_files_are_refused(people, course, monkeypatch):
    from dangxiao.core import uploads

    monkeypatch.setitem(uploads.KINDS, "pdf", uploads.Kind((".pdf",), "application/pdf", (b"%PDF-",), 10))
    response = upload(login(people["users"]["secretary"]), course, "大.pdf", PDF)
    assert "文件过大" in response.content.decode() and not CourseMaterial.objects.exists()


def test_members_cannot_upload(people, course):
    response = login(people["users"]["member"]).post(
        reverse("teaching:course_detail", args=[course.pk]), {"file": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert response.status_code == 404 and not CourseMaterial.objects.exists()
