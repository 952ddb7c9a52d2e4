"""Reflections (学习心得): a member writes one on the phone linked to a class they attended, with photos;
the secretary of their organisation approves or returns it with a comment; a returned one is revised;
approved ones the secretary chooses are shown to the organisation. Out of scope is 404."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dangxiao.attendance.models import Attendance
from dangxiao.practice import reflections_selectors, reflections_services
from dangxiao.practice.models import Reflection

from .conftest import login
from .factories import make_cohort, make_member, make_reflection, make_school, make_session, make_user

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def png(name="p.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def setting(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    school, _m, _s = make_school(people["tree"])
    cohort = make_cohort(school, people["tree"]["C1-1"])
    member = people["members"]["c1_1"][0]
    session = make_session(cohort, timezone.now() - timedelta(days=2))
    Attendance.objects.create(session=session, member=member, status="present")
    return {**people, "school": school, "session": session, "member": member}


def test_a_member_writes_a_reflection_on_the_phone_with_photos_and_a_link(setting):
    client = login(setting["users"]["member"])
    page = client.get(reverse("reflections:new"))
    assert f"session:{setting['session'].pk}" in page.content.decode()
    response = client.post(
        reverse("reflections:new"),
        {"title": "学习体会", "text": "深受教育", "link": f"session:{setting['session'].pk}", "photo_1": png(), "photo_2": png("b.png")},
    )
    reflection = Reflection.objects.get()
    assert response.status_code == 302
    assert reflection.status == "pending" and reflection.session == setting["session"] and reflection.photos.count() == 2
    photo = reflection.photos.first()
    assert client.get(reverse("reflections:photo", args=[reflection.pk, photo.pk])).status_code == 200
    assert login(setting["users"]["secretary"]).get(reverse("reflections:photo", args=[reflection.pk, photo.pk])).status_code == 200


@pytest.mark.parametrize(
    "data, message",
    [
        ({"title": "", "text": "x"}, "请填写标题"),
        ({"title": "t", "text": "   "}, "请写一写您的学习心得"),
        ({"title": "t", "text": "x", "link": "session:99999999"}, "只能关联您报名或参加过的课次"),
        ({"title": "t", "text": "x", "link": "bogus:1"}, "关联的学习活动无效"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message_and_nothing_saved(setting, data, message):
    with pytest.raises(reflections_services.ReflectionError, match=message):
        reflections_services.reflection_submit(setting["member"], **data)
    assert not Reflection.objects.exists()


def test_a_fourth_photo_or_a_fake_image_is_refused(setting):
    with pytest.raises(reflections_services.ReflectionError, match="最多上传 3 张照片"):
        reflections_services.reflection_submit(setting["member"], title="t", text="x", photos=[png() for _ in range(4)])
    fake = SimpleUploadedFile("a.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(reflections_services.ReflectionError, match="文件内容与扩展名不符"):
        reflections_services.reflection_submit(setting["member"], title="t", text="x", photos=[fake])
    assert not Reflection.objects.exists()


def test_the_secretary_returns_with_a_comment_the_member_revises_and_it_is_approved_and_shown(setting):
    member, secretary = setting["member"], setting["users"]["secretary"]
    reflection = make_reflection(member)
    assert reflections_selectors.duties(secretary, timezone.localdate())[0].count == 1
    client = login(secretary)
    assert client.post(reverse("reflections:review", args=[reflection.pk]), {"decision": "return", "note": ""}).status_code == 302
    assert Reflection.objects.get().status == "pending"  # a return needs a comment
    client.post(reverse("reflections:review", args=[reflection.pk]), {"decision": "return", "note": "请结合工作实际"})
    reflection.refresh_from_db()
    assert reflection.status == "returned" and reflection.review_note == "请结合工作实际"

    mine = login(setting["users"]["member"])
    assert "请结合工作实际" in mine.get(reverse("reflections:edit", args=[reflection.pk])).content.decode()
    mine.post(reverse("reflections:edit", args=[reflection.pk]), {"title": "修改后的体会", "text": "结合社区工作谈谈"})
    reflection.refresh_from_db()
    assert reflection.status == "pending" and reflection.title == "修改后的体会"

    client.post(reverse("reflections:review", args=[reflection.pk]), {"decision": "approve", "note": "很好", "show": "on"})
    reflection.refresh_from_db()
    assert reflection.status == "approved" and reflection.shown_to_organization and reflection.approved_on == timezone.localdate()
    assert reflections_selectors.approved_reflections([member.pk], timezone.localdate().year) == {member.pk: 1}
    assert mine.get(reverse("reflections:edit", args=[reflection.pk])).status_code == 404  # approved is final

    colleague = make_member(setting["tree"]["C1-1"])
    shared = login(make_user(member=colleague)).get(reverse("reflections:organization", args=[setting["tree"]["C1-1"].pk]))
    assert "修改后的体会" in shared.content.decode()


def test_a_member_of_another_branch_does_not_see_a_shared_reflection(setting):
    reflection = make_reflection(setting["member"], status="approved", by=setting["users"]["secretary"], show=True)
    reflections_services.reflection_show(reflection, shown=True)
    outsider = login(make_user(member=setting["members"]["c2_1"][0]))
    assert outsider.get(reverse("reflections:detail", args=[reflection.pk])).status_code == 404
    assert outsider.get(reverse("reflections:organization", args=[setting["tree"]["C1-1"].pk])).status_code == 404


def test_staff_outside_the_members_subtree_cannot_review_it(setting):
    reflection = make_reflection(setting["members"]["c2_1"][0])
    client = login(setting["users"]["secretary"])  # secretary of C1-1
    assert client.get(reverse("reflections:detail", args=[reflection.pk])).status_code == 404
    assert client.post(reverse("reflections:review", args=[reflection.pk]), {"decision": "approve"}).status_code == 404
    assert Reflection.objects.get().status == "pending"
    assert reflection.pk not in [r.pk for r in reflections_selectors.review_queue(setting["users"]["secretary"])]


def test_another_member_cannot_open_or_revise_my_reflection(setting):
    reflection = make_reflection(setting["member"])
    other = login(make_user(member=setting["members"]["c1_1"][1]))
    assert other.get(reverse("reflections:detail", args=[reflection.pk])).status_code == 404
    assert other.get(reverse("reflections:edit", args=[reflection.pk])).status_code == 404


def test_the_review_queue_keeps_to_a_query_budget(setting, django_assert_max_num_queries):
    for m in setting["members"]["c1_1"]:
        for _ in range(3):
            make_reflection(m, photos=[png()])
    client = login(setting["users"]["committee"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reflections:queue"))
    assert response.status_code == 200 and response.content.decode().count("data-reflection=") == 9


def test_my_reflections_page_keeps_to_a_query_budget(setting, django_assert_max_num_queries):
    for _ in range(5):
        make_reflection(setting["member"], link=f"session:{setting['session'].pk}")
    client = login(setting["users"]["member"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("reflections:mine"))
    assert response.content.decode().count("data-reflection=") == 5


def test_api_create_revise_approve_and_return(setting):
    member_client = login(setting["users"]["member"])
    created = member_client.post("/api/v1/reflections", {"title": "API 心得", "text": "内容"}, content_type="application/json")
    assert created.status_code == 201
    pk = created.json()["id"]
    staff = login(setting["users"]["secretary"])
    assert staff.post(f"/api/v1/reflections/{pk}/return", {"note": ""}, content_type="application/json").status_code == 400
    assert (
        staff.post(f"/api/v1/reflections/{pk}/return", {"note": "再写具体些"}, content_type="application/json").json()["status"]
        == "returned"
    )
    revised = member_client.patch(
        f"/api/v1/reflections/{pk}", {"title": "API 心得（修改）", "text": "更具体"}, content_type="application/json"
    )
    assert revised.json()["status"] == "pending"
    approved = staff.post(f"/api/v1/reflections/{pk}/approve", {"note": "", "show": True}, content_type="application/json")
    assert approved.json()["status"] == "approved" and approved.json()["shown_to_organization"]
    assert member_client.post(f"/api/v1/reflections/{pk}/approve", {}, content_type="application/json").status_code == 404
    outsider = login(make_user(role="org_admin", org=setting["tree"]["C2"]))
    assert outsider.get(f"/api/v1/reflections/{pk}").status_code == 404
    assert staff.get("/api/v1/reflections?review=true").json()["count"] == 1


def test_the_organisations_shared_page_keeps_to_a_query_budget(setting, django_assert_max_num_queries):
    for m in setting["members"]["c1_1"]:
        make_reflection(
            m,
            status="approved",
            by=setting["users"]["secretary"],
            show=True,
            link=f"session:{setting['session'].pk}" if m == setting["member"] else None,
        )
    client = login(setting["users"]["member"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("reflections:organization", args=[setting["tree"]["C1-1"].pk]))
    assert response.content.decode().count("data-reflection=") == 3


def test_api_adds_photos_up_to_three_checked_on_their_bytes(setting):
    reflection = make_reflection(setting["member"])
    client = login(setting["users"]["member"])
    url = f"/api/v1/reflections/{reflection.pk}/photos"
    for i in range(3):
        assert client.post(url, {"file": png(f"{i}.png")}).status_code == 201
    assert client.post(url, {"file": png()}).json()["detail"] == "最多上传 3 张照片"
    fake = SimpleUploadedFile("x.png", b"GIF89a....", content_type="image/png")
    other = make_reflection(setting["member"])
    assert client.post(f"/api/v1/reflections/{other.pk}/photos", {"file": fake}).status_code == 400
    assert login(setting["users"]["secretary"]).post(url, {"file": png()}).status_code == 404
    assert reflection.photos.count() == 3 and not other.photos.exists()
