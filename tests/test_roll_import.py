"""The roll as a spreadsheet: the template round-trips without phones, messy cells are read, every
problem is listed by row and column and changes nothing, and a good file marks the roll and the
study-hour ledger together."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from dangxiao.attendance import roll_import, services
from dangxiao.attendance.models import Attendance, StudyHourEntry
from dangxiao.teaching.models import Enrollment, Session

from .conftest import login
from .factories import make_cohort, make_member, make_school, make_user

pytestmark = pytest.mark.django_db
HEADERS = ["编号", "姓名", "所在组织", "考勤状态"]


@pytest.fixture
def lesson(people):
    school, main, _small = make_school(people["tree"])
    cohort = make_cohort(school, people["tree"]["C1-1"], "党章党规学习班")
    start = timezone.now().replace(hour=11, minute=0, second=0, microsecond=0) - timedelta(days=2)
    session = Session.objects.create(
        cohort=cohort, title="学习新修订的党章", starts_at=start, ends_at=start + timedelta(hours=2), venue=main
    )
    roll = people["members"]["c1_1"]
    for member, name in zip(roll, ("王建国", "李秀英", "张伟")):
        member.name = name
        member.save(update_fields=["name"])
        Enrollment.objects.create(cohort=cohort, member=member)
    return {"session": session, "roll": roll, "secretary": people["users"]["secretary"], **people}


def xlsx(rows: list[list], *, header=HEADERS, above: list[list] = ()) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in above:
        ws.append(row)
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(lesson, data: bytes, user=None, name: str = "考勤表.xlsx"):
    client = login(user or lesson["secretary"])
    url = reverse("doc_roll_import", args=[lesson["session"].pk])
    return client.post(url, {"file": SimpleUploadedFile(name, data)})


def test_the_template_lists_the_roll_by_id_and_name_without_phones(lesson):
    services.roll_mark(lesson["session"], {lesson["roll"][1].pk: "excused"}, by=lesson["secretary"])
    response = login(lesson["secretary"]).get(reverse("doc_roll_template", args=[lesson["session"].pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    wb = load_workbook(BytesIO(response.content))
    rows = list(wb["考勤名单"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert {(r[0], r[1], r[2], r[3]) for r in rows[1:]} == {
        (m.pk, m.name, "青山祠社区第一党支部", "请假" if m == lesson["roll"][1] else None) for m in lesson["roll"]
    }
    cells = " ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    assert not any(m.phone in cells or m.phone[-4:] in cells for m in lesson["roll"])
    assert wb["考勤名单"].data_validations.dataValidation[0].formula1 == '"出席,迟到,早退,请假,缺席"'


def test_a_good_file_marks_the_roll_and_credits_study_hours(lesson):
    """The downloaded template, filled in by hand with the usual mess, imports in one go."""
    response = login(lesson["secretary"]).get(reverse("doc_roll_template", args=[lesson["session"].pk]))
    wb = load_workbook(BytesIO(response.content))
    ws = wb["考勤名单"]
    by_name = {ws.cell(row=r, column=2).value: r for r in range(2, ws.max_row + 1)}
    ws.cell(row=by_name["王建国"], column=4).value = " 出 席 "
    ws.cell(row=by_name["李秀英"], column=4).value = "迟到"
    ws.cell(row=by_name["李秀英"], column=2).value = "李 秀英"  # spaced to align, as forms often are
    ws.cell(row=by_name["张伟"], column=4).value = "病假"
    ws.cell(row=by_name["张伟"], column=1).value = "".join(chr(ord(d) + 0xFEE0) for d in str(lesson["roll"][2].pk))  # full-width
    buffer = BytesIO()
    wb.save(buffer)

    client = login(lesson["secretary"])
    url = reverse("doc_roll_import", args=[lesson["session"].pk])
    response = client.post(url, {"file": SimpleUploadedFile("考勤表.xlsx", buffer.getvalue())})
    assert response.status_code == 302 and response.url == reverse("attendance:roll", args=[lesson["session"].pk])
    assert "考勤表已导入：3 人标记考勤" in client.get(response.url).content.decode()
    marks = dict(Attendance.objects.filter(session=lesson["session"]).values_list("member__name", "status"))
    assert marks == {"王建国": "present", "李秀英": "late", "张伟": "excused"}
    assert set(Attendance.objects.values_list("method", flat=True)) == {"import"}
    credits = dict(StudyHourEntry.objects.filter(session=lesson["session"]).values_list("member__name", "hours"))
    assert credits == {"王建国": Decimal("2.0"), "李秀英": Decimal("2.0")}


def test_one_bad_row_changes_nothing_and_is_listed_by_row_and_column(lesson):
    a, b, c = lesson["roll"]
    data = xlsx([[a.pk, a.name, "", "出席"], [b.pk, b.name, "", "到了一半"], [c.pk, c.name, "", "出席"]])
    response = upload(lesson, data)
    body = response.content.decode()
    assert response.status_code == 422
    assert "发现 1 个问题，考勤未做任何修改" in body
    assert "第 3 行" in body and "考勤状态" in body and "到了一半" in body
    assert not Attendance.objects.exists() and not StudyHourEntry.objects.exists()


def test_every_problem_is_listed_with_its_row_and_column(lesson):
    a, b, c = lesson["roll"]
    elsewhere = lesson["members"]["c2_1"][0]  # another community's member: unknown to this secretary
    neighbour = lesson["members"]["c1_2"][0]  # in the committee's reach but not enrolled
    committee = lesson["users"]["committee"]
    data = xlsx(
        [
            [a.pk, a.name, "", "出席"],
            [a.pk, a.name, "", "缺席"],  # 3: the same member again
            [b.pk, "李四", "", "出席"],  # 4: name does not match the id
            [elsewhere.pk, elsewhere.name, "", "出席"],  # 5: out of reach
            [neighbour.pk, neighbour.name, "", "出席"],  # 6: not on this roll
            ["abc", c.name, "", "出席"],  # 7: not an id
            [999999, "某某", "", "出席"],  # 8: no such member
            ["", "", "", "迟到"],  # 9: id and name missing
        ]
    )
    result = roll_import.roll_import(lesson["session"], data, by=committee)
    found = [(e.row, e.column) for e in result.errors]
    assert found == [(3, "编号"), (4, "姓名"), (5, "编号"), (6, "编号"), (7, "编号"), (8, "编号"), (9, "编号"), (9, "姓名")]
    messages = {e.row: e.message for e in result.errors}
    assert "与第2行重复" in messages[3]
    assert "李四" in messages[4] and "李秀英" in messages[4]
    assert messages[5] == f"编号 {elsewhere.pk} 的党员不存在或不在您的管理范围内"
    assert elsewhere.name not in messages[5]
    assert "未报名本班次" in messages[6] and neighbour.name in messages[6]
    assert not result.committed and not Attendance.objects.exists()


def test_a_title_row_and_loosely_spelled_headers_are_read(lesson):
    a, b, _c = lesson["roll"]
    data = xlsx(
        [[a.pk, a.name, None, "√"], [b.pk, b.name, None, None]],
        header=["党员编号", "姓 名", "组织", "出勤情况"],
        above=[["第一党支部考勤表"]],
    )
    result = roll_import.roll_import(lesson["session"], data, by=lesson["secretary"])
    assert result.errors == [] and result.committed and (result.marked, result.skipped) == (1, 1)
    assert dict(Attendance.objects.values_list("member_id", "status")) == {a.pk: "present"}


def test_another_sessions_sheet_is_refused(lesson):
    other = Session.objects.create(
        cohort=lesson["session"].cohort,
        title="第二讲",
        starts_at=lesson["session"].starts_at + timedelta(days=7),
        ends_at=lesson["session"].ends_at + timedelta(days=7),
    )
    response = login(lesson["secretary"]).get(reverse("doc_roll_template", args=[other.pk]))
    wb = load_workbook(BytesIO(response.content))
    wb["考勤名单"]["D2"] = "出席"
    buffer = BytesIO()
    wb.save(buffer)
    response = upload(lesson, buffer.getvalue())
    assert response.status_code == 422 and "另一次课" in response.content.decode()
    assert not Attendance.objects.exists()


def test_changing_a_mark_by_import_withdraws_the_credit(lesson):
    a = lesson["roll"][0]
    roll_import.roll_import(lesson["session"], xlsx([[a.pk, a.name, "", "出席"]]), by=lesson["secretary"])
    assert StudyHourEntry.objects.filter(member=a).exists()
    result = roll_import.roll_import(lesson["session"], xlsx([[a.pk, a.name, "", "缺席"]]), by=lesson["secretary"])
    assert result.changed == 1
    assert Attendance.objects.get(member=a).status == "absent" and not StudyHourEntry.objects.filter(member=a).exists()


def test_another_branchs_secretary_gets_404_and_nothing_changes(lesson):
    a = lesson["roll"][0]
    outsider = make_user("secretary2", role="org_admin", org=lesson["tree"]["C2-1"])
    response = upload(lesson, xlsx([[a.pk, a.name, "", "出席"]]), user=outsider)
    assert response.status_code == 404 and not Attendance.objects.exists()


def test_files_that_cannot_be_used_are_refused_with_a_message(lesson):
    not_excel = upload(lesson, b"%PDF-1.4 not a sheet", name="考勤表.pdf")
    assert not_excel.status_code == 422 and "不支持的文件类型" in not_excel.content.decode()
    fake = upload(lesson, b"PK\x03\x04 but not really a workbook")
    assert fake.status_code == 422 and "文件无法读取" in fake.content.decode()
    headless = upload(lesson, xlsx([["王建国"]], header=["名单"]))
    assert headless.status_code == 422 and "找不到表头" in headless.content.decode()
    empty = upload(lesson, xlsx([]))
    assert empty.status_code == 422 and "没有考勤数据" in empty.content.decode()
    assert not Attendance.objects.exists()


def test_the_import_page_offers_the_template_and_the_sheet(lesson, django_assert_max_num_queries):
    client = login(lesson["secretary"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("doc_roll_import", args=[lesson["session"].pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("doc_roll_template", args=[lesson["session"].pk]) in body
    assert reverse("doc_sign_in_sheet", args=[lesson["session"].pk]) in body


def test_a_walk_in_already_on_the_roll_can_be_marked_by_import(lesson):
    walk_in = make_member(lesson["tree"]["C1-1"], name="陈临时")
    Attendance.objects.create(session=lesson["session"], member=walk_in, status="present", is_walk_in=True)
    result = roll_import.roll_import(lesson["session"], xlsx([[walk_in.pk, "陈临时", "", "早退"]]), by=lesson["secretary"])
    assert result.committed and Attendance.objects.get(member=walk_in).status == "left_early"
