"""The pages of frontline projects and mentorships: staff run them in their subtree, a member sees their
own and writes logs and meetings on the phone, photos stay private, bad input changes nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.practice import projects_services as S
from dangxiao.practice.models.projects import FrontlineProject, Mentorship, MentorshipMeeting, ProjectLog

from .conftest import login
from .factories import make_member, make_user

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def url(name, *args):
    return reverse(f"practice_projects:{name}", args=args)


@pytest.fixture
def site(people, settings, tmp_path):
    """A running project of branch C1-1 (lead: c1_1[1], trainee: the member with an account), a pair of the
    same two, and a project of C2-1 that C1-1's secretary does not manage."""
    settings.MEDIA_ROOT = tmp_path
    tree, members = people["tree"], people["members"]
    today = timezone.localdate()
    project = S.project_create(
        tree["C1-1"],
        name="湘林家园老旧小区改造",
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=30),
        lead=members["c1_1"][1],
    )
    S.phase_add(project, name="需求征集", starts_on=project.starts_on, ends_on=today)
    S.trainee_assign(project, members["c1_1"][0], role="协调员", starts_on=project.starts_on, ends_on=project.ends_on)
    pair = S.mentorship_create(
        Mentorship.Kind.CADRE, tree["C1-1"], mentor=members["c1_1"][1], mentee=members["c1_1"][0], goals="学会群众工作",
        starts_on=today - timedelta(days=30), project=project,
    )  # fmt: skip
    other = S.project_create(
        tree["C2-1"], name="赤岭路飞线充电整治", starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=10)
    )
    third = make_user(member=members["c1_1"][2])  # a member of the same branch on neither
    return {**people, "project": project, "pair": pair, "other": other, "third": third, "today": today}


def add_logs(project, author, n, today):
    for i in range(n):
        S.log_write(project, author, written_on=today - timedelta(days=i % 30), text=f"日志{i}", today=today)


# --- Staff pages ----------------------------------------------------------------------------------------------


def test_the_staff_list_is_paged_filtered_and_scoped_within_a_fixed_query_budget(site, django_assert_max_num_queries):
    client = login(site["users"]["secretary"])
    for i in range(25):
        S.project_create(site["tree"]["C1-1"], name=f"小项目{i}", starts_on=site["today"] - timedelta(days=90), ends_on=site["today"])
    with django_assert_max_num_queries(8):
        page = client.get(url("project_list")).content.decode()
    assert "湘林家园老旧小区改造" in page and "赤岭路飞线充电整治" not in page and "第 1 / 2 页" in page
    found = client.get(url("project_list"), {"q": "湘林"}).content.decode()
    assert "湘林家园" in found and "小项目3" not in found
    assert "赤岭路" in login(site["users"]["principal"]).get(url("project_list"), {"q": "赤岭"}).content.decode()


def test_the_detail_page_keeps_its_query_budget_as_logs_trainees_and_phases_grow(site, django_assert_max_num_queries):
    client = login(site["users"]["secretary"])
    project, today = site["project"], site["today"]
    add_logs(project, site["members"]["c1_1"][0], 3, today)
    with django_assert_max_num_queries(14):
        assert client.get(url("project_detail", project.pk)).status_code == 200
    for i in range(6):
        member = make_member(site["tree"]["C1-1"])
        S.trainee_assign(project, member, role=f"岗位{i}", starts_on=project.starts_on, ends_on=project.ends_on)
        S.phase_add(project, name=f"阶段{i}", starts_on=project.starts_on, ends_on=today)
    add_logs(project, site["members"]["c1_1"][0], 30, today)
    with django_assert_max_num_queries(14):
        page = client.get(url("project_detail", project.pk)).content.decode()
    assert "岗位5" in page and "阶段5" in page


def test_staff_create_edit_close_assess_and_retire_a_project_through_the_pages(site):
    client = login(site["users"]["secretary"])
    today = site["today"]
    response = client.post(
        url("project_new"),
        {"organization": site["tree"]["C1-1"].pk, "name": "青山祠小区道路降坡", "lead": site["members"]["c1_1"][1].phone,
         "starts_on": (today - timedelta(days=5)).isoformat(), "ends_on": (today + timedelta(days=5)).isoformat()},
    )  # fmt: skip
    project = FrontlineProject.objects.get(name="青山祠小区道路降坡")
    assert response.status_code == 302 and project.lead == site["members"]["c1_1"][1]
    client.post(url("project_edit", project.pk), {"name": "青山祠道路降坡", "starts_on": project.starts_on, "ends_on": project.ends_on})
    client.post(
        url("trainee_add", project.pk),
        {"member": site["members"]["c1_1"][0].name, "role": "协调员", "starts_on": project.starts_on, "ends_on": project.ends_on},
    )
    trainee = project.trainees.get()
    refused = client.post(url("trainee_assess", trainee.pk), {"grade": "good", "comment": "好"}, follow=True)
    assert "结束后才能考核" in refused.content.decode()
    client.post(url("project_close", project.pk))
    client.post(url("trainee_assess", trainee.pk), {"grade": "good", "comment": "认真负责"})
    trainee.refresh_from_db()
    project.refresh_from_db()
    assert (project.name, project.status, trainee.grade) == ("青山祠道路降坡", "closed", "good")
    client.post(url("project_retire", project.pk))
    assert client.get(url("project_detail", project.pk)).status_code == 404
    actions = set(AuditEvent.objects.filter(object_type="frontlineproject", object_id=str(project.pk)).values_list("action", flat=True))
    assert actions == {"record_create", "record_update", "record_retire"}


def test_bad_input_on_the_project_form_is_told_in_chinese_and_saves_nothing(site):
    client = login(site["users"]["secretary"])
    base = {"organization": site["tree"]["C1-1"].pk, "name": "倒序项目", "starts_on": "2026-05-01", "ends_on": "2026-04-01"}
    for data, message in (
        (base, "结束日期不能早于开始日期"),
        ({**base, "ends_on": "9999-12-31"}, "2100"),
        ({**base, "ends_on": "2026-06-01", "lead": "不存在的人"}, "找不到党员"),
        ({**base, "ends_on": "2026-06-01", "organization": site["tree"]["C2-1"].pk}, "选择一个有效的选项"),
        ({**base, "ends_on": "2026-06-01", "organization": "99999999999999999999999"}, "选择一个有效的选项"),
    ):
        response = client.post(url("project_new"), data)
        assert response.status_code == 422 and message in response.content.decode(), data
    assert not FrontlineProject.objects.filter(name="倒序项目").exists()


def test_out_of_scope_projects_and_pairs_are_404_for_staff_and_members(site):
    secretary, third = login(site["users"]["secretary"]), login(site["third"])
    other = site["other"]
    for name in ("project_detail", "project_edit", "log_new"):
        assert secretary.get(url(name, other.pk)).status_code == 404, name
    for name in ("project_close", "project_retire", "phase_add", "trainee_add"):
        assert secretary.post(url(name, other.pk)).status_code == 404, name
    other.refresh_from_db()
    assert other.status == "active" and other.retired_at is None
    # A member on neither the project nor the pair: not found, whatever the id.
    for name, pk in (
        ("project_detail", site["project"].pk),
        ("log_new", site["project"].pk),
        ("mentorship_detail", site["pair"].pk),
        ("meeting_new", site["pair"].pk),
    ):
        assert third.get(url(name, pk)).status_code == 404, name
    assert third.get(url("project_list")).status_code == 404
    assert third.get(url("project_detail", 2**70)).status_code == 404


# --- The member's phone pages ------------------------------------------------------------------------------


def test_a_trainee_sees_my_practice_and_writes_a_log_with_a_photo_on_the_phone(site, django_assert_max_num_queries):
    client = login(site["users"]["member"])
    with django_assert_max_num_queries(10):
        page = client.get(url("my_practice")).content.decode()
    assert "湘林家园老旧小区改造" in page and "协调员" in page and "我是结对对象" in page
    photo = SimpleUploadedFile("IMG_0001.png", PNG, content_type="image/png")
    response = client.post(
        url("log_new", site["project"].pk), {"written_on": site["today"].isoformat(), "text": "入户走访 5 户", "photo": photo}
    )
    assert response.status_code == 302
    log = ProjectLog.objects.get()
    assert log.author == site["members"]["c1_1"][0] and log.photo and "IMG_0001" not in log.photo.name
    # The photo: for who may see the project; a third member is told it does not exist.
    assert client.get(url("log_photo", log.pk))["Content-Type"] == "image/png"
    assert login(site["users"]["secretary"]).get(url("log_photo", log.pk)).status_code == 200
    assert login(site["third"]).get(url("log_photo", log.pk)).status_code == 404
    assert login(site["users"]["secretary"]).get(url("log_photo", log.pk + 1)).status_code == 404


def test_a_photo_that_is_not_one_is_refused_and_nothing_is_saved(site):
    client = login(site["users"]["member"])
    fake = SimpleUploadedFile("photo.png", b"MZ not an image at all", content_type="image/png")
    response = client.post(url("log_new", site["project"].pk), {"written_on": site["today"].isoformat(), "text": "日志", "photo": fake})
    assert response.status_code == 422 and "文件内容与扩展名不符" in response.content.decode()
    future = client.post(
        url("log_new", site["project"].pk), {"written_on": (site["today"] + timedelta(days=1)).isoformat(), "text": "日志"}
    )
    assert future.status_code == 422 and "不能晚于今天" in future.content.decode()
    assert not ProjectLog.objects.exists()


def test_staff_who_are_not_on_the_project_may_read_it_but_not_write_its_log(site):
    client = login(site["users"]["secretary"])
    assert "写工作日志" not in client.get(url("project_detail", site["project"].pk)).content.decode()
    assert client.get(url("log_new", site["project"].pk)).status_code == 403
    assert client.get(url("meeting_new", site["pair"].pk)).status_code == 403


def test_either_side_of_a_pair_logs_a_meeting_and_only_the_mentor_or_staff_close_it(site):
    mentee, mentor = login(site["users"]["member"]), login(make_user(member=site["members"]["c1_1"][1]))
    pair, today = site["pair"], site["today"].isoformat()
    assert mentee.post(url("meeting_new", pair.pk), {"met_on": today, "minutes": "汇报入户情况"}).status_code == 302
    assert mentor.post(url("meeting_new", pair.pk), {"met_on": today, "minutes": "点评日志", "notes": "下周再见"}).status_code == 302
    assert MentorshipMeeting.objects.filter(mentorship=pair).count() == 2
    assert mentee.post(url("mentorship_close", pair.pk), {"grade": "good", "assessment": "自评"}).status_code == 403
    assert login(site["third"]).post(url("mentorship_close", pair.pk), {"grade": "good", "assessment": "旁人"}).status_code == 404
    page = mentor.get(url("mentorship_detail", pair.pk)).content.decode()
    assert "汇报入户情况" in page and "结束结对" in page
    mentor.post(url("mentorship_close", pair.pk), {"grade": "excellent", "assessment": "目标达到"})
    pair.refresh_from_db()
    assert (pair.status, pair.grade) == ("closed", "excellent")


def test_staff_create_and_retire_pairs_in_their_subtree_and_the_list_keeps_its_budget(site, django_assert_max_num_queries):
    client = login(site["users"]["secretary"])
    elder = make_member(site["tree"]["C1-1"], name="赵老")
    response = client.post(
        url("mentorship_new"),
        {"kind": "intergenerational", "organization": site["tree"]["C1-1"].pk, "mentor": "赵老", "mentee": site["members"]["c1_1"][0].phone,
         "goals": "老带青", "starts_on": site["today"].isoformat()},
    )  # fmt: skip
    assert response.status_code == 302
    pair = Mentorship.objects.get(mentor=elder)
    outsider = client.post(
        url("mentorship_new"),
        {"kind": "cadre", "organization": site["tree"]["C1-1"].pk, "mentor": site["members"]["c2_1"][0].phone, "mentee": "赵老",
         "goals": "越界", "starts_on": site["today"].isoformat()},
    )  # fmt: skip
    assert outsider.status_code == 422 and "找不到党员" in outsider.content.decode()
    for _ in range(12):
        S.mentorship_create(
            "cadre", site["tree"]["C1-1"], mentor=make_member(site["tree"]["C1-1"]), mentee=elder, goals="g", starts_on=site["today"]
        )
    with django_assert_max_num_queries(8):
        page = client.get(url("mentorship_list"), {"kind": "intergenerational"}).content.decode()
    assert "赵老" in page
    client.post(url("mentorship_retire", pair.pk))
    assert client.get(url("mentorship_detail", pair.pk)).status_code == 404
    assert login(site["users"]["secretary"]).get(url("mentorship_detail", 10**30)).status_code == 404


def test_a_trainee_reads_their_own_assessment_but_not_the_other_trainees(site):
    project = site["project"]
    other = make_member(site["tree"]["C1-1"], name="钱同学")
    S.trainee_assign(project, other, role="宣传员", starts_on=project.starts_on, ends_on=project.ends_on)
    S.project_close(project)
    for trainee, comment in zip(project.trainees.order_by("pk"), ("协调细致周到", "宣传很有感染力"), strict=True):
        S.trainee_assess(trainee, grade="excellent", comment=comment, by=None)
    client = login(site["users"]["member"])
    page = client.get(url("project_detail", project.pk)).content.decode()
    assert "协调细致周到" in page and "宣传很有感染力" not in page
    answer = client.get(f"/api/v1/practice/projects/{project.pk}").json()
    assert sorted((t["grade"] or "", t["comment"]) for t in answer["trainees"]) == [("", ""), ("excellent", "协调细致周到")]
    assert "宣传很有感染力" in login(site["users"]["secretary"]).get(url("project_detail", project.pk)).content.decode()
