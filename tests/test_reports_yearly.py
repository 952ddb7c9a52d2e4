"""The yearly work report (年度党员教育培训工作报告): asked for in a page or the API, built on the task
queue into a PDF whose text carries the figures computed from the records; private to whoever asked,
within their subtree."""

import subprocess
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.attendance.models import Attendance, StudyHourEntry
from dangxiao.liaison import services as liaison_services
from dangxiao.reports import yearly_jobs
from dangxiao.reports.svg_charts import bar_chart
from dangxiao.reports.yearly import yearly_figures
from dangxiao.teaching.models import Course, Enrollment, Session

from .conftest import login
from .factories import make_cohort, make_school, make_teacher

pytestmark = pytest.mark.django_db
# .ci/run installs poppler-utils; without pdftotext these tests fail rather than skip (a skip would hide them).
needs_pdftotext = pytest.mark.usefixtures()


@pytest.fixture
def year_of_school(liaison, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    tree, members = liaison["tree"], liaison["members"]
    school, main, small = make_school(tree)
    teacher = make_teacher(school, "刘老师")
    course = Course.objects.create(school=school, title="党的理论", kind=Course.Kind.THEORY)
    today = timezone.localdate()
    cohort = make_cohort(school, tree["C1"], name="青山祠学习班")
    other = make_cohort(school, tree["C2"], name="赤岭路学习班")
    sessions = []
    for i, (c, venue) in enumerate([(cohort, main), (cohort, small), (cohort, main), (other, small)]):
        start = timezone.make_aware(datetime.combine(today - timedelta(days=2 + i), time(9)))
        sessions.append(
            Session.objects.create(
                cohort=c, course=course if i < 2 else None, title=f"课{i}", starts_at=start, ends_at=start + timedelta(hours=2),
                venue=venue, teacher=teacher,
            )
        )  # fmt: skip
    start = timezone.make_aware(datetime.combine(today - timedelta(days=1), time(9)))
    Session.objects.create(cohort=cohort, title="取消的课", starts_at=start, ends_at=start + timedelta(hours=2), status="cancelled")
    for m in members["c1_1"] + members["c1_2"]:
        Enrollment.objects.create(cohort=cohort, member=m)
    for m in members["c2_1"]:
        Enrollment.objects.create(cohort=other, member=m)
    for s in sessions[:3]:
        for m in members["c1_1"]:
            Attendance.objects.create(session=s, member=m, status=Attendance.Status.PRESENT)
    Attendance.objects.create(session=sessions[0], member=members["c1_2"][0], status=Attendance.Status.ABSENT)
    Attendance.objects.create(session=sessions[3], member=members["c2_1"][0], status=Attendance.Status.LATE)
    for m in members["c1_1"]:
        StudyHourEntry.objects.create(member=m, date=today, hours=Decimal("40"), source="session", reference=f"y:{m.pk}")
    cat = next(iter(liaison["categories"].values()))
    matter = liaison_services.matter_report(
        liaison["a"], category=cat, description="飞线充电", source="grid", recorded_by=liaison["users"]["principal"]
    )
    liaison_services.matter_resolve(matter, liaison["users"]["principal"], households_benefited=37)
    return {**liaison, "school": school, "year": today.year}


def test_the_figures_are_counted_from_the_records(year_of_school):
    d = year_of_school
    f = yearly_figures(d["users"]["principal"], d["tree"]["WY"], d["year"])
    assert f.members == 9
    assert f.person_times == 3 * 3 + 1  # C1-1's three at three sessions, one late in C2-1; the absence is not counted
    assert f.sessions_held == 4  # the cancelled one is not
    assert {k.label: k.count for k in f.by_kind}["理论课堂"] == 2
    assert f.compliance.total.met == 3
    assert f.liaison.households == 37 and f.resolved == 1
    assert f.teachers[0].label == "刘老师" and f.teachers[0].count == 4


def test_an_organisations_report_counts_its_subtree_only(year_of_school):
    d = year_of_school
    f = yearly_figures(d["users"]["principal"], d["tree"]["C2"], d["year"])
    assert (f.members, f.person_times, f.sessions_held) == (2, 1, 1)
    assert f.liaison.total == 0  # the matter lies in C1's compound


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@needs_pdftotext
def test_the_queued_job_produces_a_pdf_carrying_the_computed_figures(year_of_school, tmp_path):
    d = year_of_school
    client = login(d["users"]["principal"])
    root = d["tree"]["WY"]
    response = client.post(reverse("yearly_report:new"), {"organization": root.pk, "year": d["year"]})
    assert response.status_code == 302
    status = client.get(response["Location"])
    assert status.status_code == 200 and status.context["job"].status == "done"
    pdf = client.get(reverse("yearly_report:download", args=[root.pk, d["year"]]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    data = b"".join(pdf.streaming_content)
    assert data.startswith(b"%PDF")
    text = _pdf_text(data, tmp_path)
    f = yearly_figures(d["users"]["principal"], root, d["year"])
    assert f"{d['year']}年度党员教育培训工作报告" in text.replace(" ", "").replace("\n", "")
    compact = " ".join(text.split())
    assert f"共有党员 {f.members} 名" in compact
    assert f"培训党员 {f.person_times} 人次" in compact
    assert f"培训课次 {f.sessions_held} 次" in compact
    assert f"受益 {f.liaison.households} 户" in compact
    assert "青山祠社区党委" in compact and "刘老师" in compact


def test_the_report_file_is_kept_private_under_var(year_of_school, settings):
    d = year_of_school
    client = login(d["users"]["principal"])
    client.post(reverse("yearly_report:new"), {"organization": d["tree"]["C1"].pk, "year": d["year"]})
    job = yearly_jobs.load(d["users"]["principal"].pk, d["tree"]["C1"].pk, d["year"])
    assert job.ready and job.pdf_path.is_relative_to(settings.VAR_DIR)
    assert not job.pdf_path.is_relative_to(settings.MEDIA_ROOT)


def test_a_secretary_may_not_report_on_another_subtree_nor_fetch_anothers_report(year_of_school):
    d = year_of_school
    principal, secretary = login(d["users"]["principal"]), login(d["users"]["secretary"])
    c2, c1_1, year = d["tree"]["C2"], d["tree"]["C1-1"], d["year"]
    principal.post(reverse("yearly_report:new"), {"organization": c2.pk, "year": year})
    assert secretary.post(reverse("yearly_report:new"), {"organization": c2.pk, "year": year}).status_code == 404
    assert secretary.get(reverse("yearly_report:status", args=[c2.pk, year])).status_code == 404
    assert secretary.get(reverse("yearly_report:download", args=[c2.pk, year])).status_code == 404
    # the principal's report of the secretary's own branch is still the principal's
    principal.post(reverse("yearly_report:new"), {"organization": c1_1.pk, "year": year})
    assert secretary.get(reverse("yearly_report:download", args=[c1_1.pk, year])).status_code == 404
    assert login(d["users"]["member"]).get(reverse("yearly_report:request")).status_code == 404


def test_a_year_to_come_is_refused_with_a_message_and_nothing_is_queued(year_of_school):
    d = year_of_school
    client = login(d["users"]["principal"])
    root = d["tree"]["WY"]
    response = client.post(reverse("yearly_report:new"), {"organization": root.pk, "year": d["year"] + 1}, follow=True)
    assert "年度须在" in response.content.decode()
    assert yearly_jobs.load(d["users"]["principal"].pk, root.pk, d["year"] + 1) is None
    assert client.post(reverse("yearly_report:new"), {"organization": "abc", "year": "x"}).status_code == 404


def test_the_request_page_lists_the_users_reports(year_of_school, django_assert_max_num_queries):
    d = year_of_school
    client = login(d["users"]["principal"])
    client.post(reverse("yearly_report:new"), {"organization": d["tree"]["C1"].pk, "year": d["year"]})
    with django_assert_max_num_queries(8):
        body = client.get(reverse("yearly_report:request")).content.decode()
    assert "青山祠社区党委" in body and reverse("yearly_report:download", args=[d["tree"]["C1"].pk, d["year"]]) in body


def test_a_lost_job_may_be_asked_for_again_and_old_reports_are_purged(year_of_school):
    d = year_of_school
    user, org = d["users"]["principal"], d["tree"]["C1"]
    long_ago = timezone.now() - timedelta(days=8)
    yearly_jobs.save(yearly_jobs.Job(user.pk, org.pk, d["year"], "running", 10, long_ago.isoformat(), organization_name=org.name))
    job = yearly_jobs.report_request(user, org, d["year"])
    assert job.status == "done"
    assert yearly_jobs.purge_old_reports(now=timezone.now() + timedelta(days=8)) == 1
    assert not job.pdf_path.exists()


# --- The API ---------------------------------------------------------------------------------------


def test_the_api_queues_the_report_follows_it_and_serves_the_pdf(year_of_school):
    d = year_of_school
    client = login(d["users"]["principal"])
    org = d["tree"]["C1"]
    response = client.post("/api/v1/reports/yearly", {"organization_id": org.pk, "year": d["year"]}, content_type="application/json")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "done" and body["progress"] == 100 and body["organization"] == org.name
    state = client.get(f"/api/v1/reports/yearly/{org.pk}/{d['year']}")
    assert state.status_code == 200 and state.json()["pdf_url"] == body["pdf_url"]
    pdf = client.get(body["pdf_url"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_the_api_answers_409_before_the_pdf_exists_and_404_out_of_scope(year_of_school):
    d = year_of_school
    user, org = d["users"]["principal"], d["tree"]["C1"]
    yearly_jobs.save(yearly_jobs.Job(user.pk, org.pk, d["year"], "queued", 0, timezone.now().isoformat(), organization_name=org.name))
    client = login(user)
    assert client.get(f"/api/v1/reports/yearly/{org.pk}/{d['year']}/pdf").status_code == 409
    secretary = login(d["users"]["secretary"])
    c2 = d["tree"]["C2"]
    for response in (
        secretary.post("/api/v1/reports/yearly", {"organization_id": c2.pk, "year": d["year"]}, content_type="application/json"),
        secretary.get(f"/api/v1/reports/yearly/{c2.pk}/{d['year']}"),
        secretary.get(f"/api/v1/reports/yearly/{org.pk}/{d['year']}/pdf"),
        client.get(f"/api/v1/reports/yearly/{org.pk}/99999"),
    ):
        assert response.status_code == 404
    future = client.post("/api/v1/reports/yearly", {"organization_id": org.pk, "year": d["year"] + 1}, content_type="application/json")
    assert future.status_code == 422


def test_charts_are_svg_drawn_on_the_server_with_escaped_labels():
    svg = bar_chart([("1月", 3), ("<b>", 0)])
    assert svg.startswith("<svg") and "1月" in svg and "&lt;b&gt;" in svg and "<b>" not in svg
