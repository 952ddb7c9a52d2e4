"""Course materials are private uploads: type and size checked, served only to those who may read them."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dangxiao.core.models import AuditEvent
from dangxiao.teaching.models import Course, CourseMaterial, Enrollment

from .conftest import login
from .factories import make_cohort, make_school

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def course(people, settings, tmp_path):
    """The first branch's own course (its secretary is one of its owners), taught to a cohort of it."""
    settings.MEDIA_ROOT = tmp_path
    school, _main, _small = make_school(people["tree"])
    course = Course.objects.create(
        school=school, organization=people["tree"]["C1-1"], title="习近平新时代中国特色社会主义思想概论", kind="theory"
    )
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


# --- Who may change a course's materials ---------------------------------------------------------


@pytest.fixture
def school_wide(people, course):
    """A course of the whole school: no organisation owns it, so only the board changes its materials."""
    return Course.objects.create(school=course.school, title="党的二十大精神专题", kind="theory")


def remove(client, material):
    return client.post(reverse("teaching:material_remove", args=[material.pk]))


def test_a_branch_secretary_cannot_attach_files_to_a_school_wide_course(people, school_wide):
    client = login(people["users"]["secretary"])
    page = client.get(reverse("teaching:course_detail", args=[school_wide.pk]))
    assert page.status_code == 200 and 'type="file"' not in page.content.decode() and "全校课程" in page.content.decode()
    assert upload(client, school_wide, "讲义.pdf", PDF).status_code == 404
    assert not CourseMaterial.objects.exists() and not AuditEvent.objects.exists()


def test_the_board_attaches_files_to_school_wide_courses(people, school_wide):
    client = login(people["users"]["principal"])
    assert 'type="file"' in client.get(reverse("teaching:course_detail", args=[school_wide.pk])).content.decode()
    upload(client, school_wide, "讲义.pdf", PDF)
    assert CourseMaterial.objects.get().course == school_wide


def test_a_secretary_changes_only_the_courses_of_their_own_organisation(people, course):
    other_branch = Course.objects.create(school=course.school, organization=people["tree"]["C1-2"], title="第二支部党课", kind="theory")
    secretary, committee = login(people["users"]["secretary"]), login(people["users"]["committee"])
    assert upload(secretary, other_branch, "讲义.pdf", PDF).status_code == 404
    upload(committee, other_branch, "讲义.pdf", PDF)  # the community committee over both branches
    upload(secretary, course, "讲义.pdf", PDF)
    assert sorted(CourseMaterial.objects.values_list("course__title", flat=True)) == [
        "习近平新时代中国特色社会主义思想概论",
        "第二支部党课",
    ]


def test_uploads_and_removals_are_audited(people, course, django_capture_on_commit_callbacks):
    secretary = people["users"]["secretary"]
    upload(login(secretary), course, "讲义.pdf", PDF)
    material = CourseMaterial.objects.get()
    stored = Path(material.file.path)
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the deletion is committed
        response = remove(login(secretary), material)
    assert response.status_code == 302 and not CourseMaterial.objects.exists() and not stored.exists()
    events = list(AuditEvent.objects.order_by("id").values_list("action", "object_type", "object_id", "actor_id", "summary"))
    assert events == [
        ("material_upload", "course_material", str(material.pk), secretary.pk, f"上传课程资料：《{course.title}》讲义"),
        ("material_remove", "course_material", str(material.pk), secretary.pk, f"删除课程资料：《{course.title}》讲义"),
    ]
    audit = login(people["users"]["principal"]).get(reverse("audit_log")).content.decode()
    assert "上传课程资料" in audit and "删除课程资料" in audit


def test_only_the_owners_remove_materials(people, course, school_wide):
    upload(login(people["users"]["principal"]), school_wide, "讲义.pdf", PDF)
    material = CourseMaterial.objects.get()
    for name in ("secretary", "member", "teacher"):
        assert remove(login(people["users"][name]), material).status_code == 404, name
    page = login(people["users"]["secretary"]).get(reverse("teaching:course_detail", args=[school_wide.pk])).content.decode()
    assert "data-remove" not in page
    assert CourseMaterial.objects.filter(pk=material.pk).exists() and AuditEvent.objects.filter(action="material_remove").count() == 0
    assert remove(login(people["users"]["principal"]), material).status_code == 302
    assert not CourseMaterial.objects.exists()


def test_the_api_names_the_courses_owner(people, course, school_wide):
    client = login(people["users"]["principal"])
    own = client.get(f"/api/v1/courses/{course.pk}").json()
    assert own["organization"] == {"id": people["tree"]["C1-1"].pk, "name": people["tree"]["C1-1"].name}
    assert client.get(f"/api/v1/courses/{school_wide.pk}").json()["organization"] is None
