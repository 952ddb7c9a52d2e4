"""The organisation tree from Excel: template, preview with row errors, all or nothing, idempotent; and the export."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dangxiao.core.models import AuditEvent
from dangxiao.people.models import Organization

from .conftest import login

pytestmark = pytest.mark.django_db

HEADERS = ["组织编码", "名称", "简称", "类别", "所在单位类型", "上级组织编码"]
NEW = [
    ["C3", "东塘社区党委", "东塘", "党委", "社区", "WY"],
    ["C3-1", "东塘社区第一党支部", "", "党支部", "社区", "C3"],  # its parent is the row above
    ["C3-1-1", "东塘第一党小组", "", "党小组", "社区", "C3-1"],
    ["C1-3", "青山祠社区第三党支部", "", "党支部", "社区", "C1"],  # under an existing organisation
]


def xlsx(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes):
    return client.post(reverse("people:organization_import"), {"file": _file(data)})


def _file(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("tree.xlsx", data)


def confirm(client, preview):
    return client.post(reverse("people:organization_import"), {"token": preview.context["token"]})


def test_preview_then_confirm_builds_the_tree_with_parents_by_code(people):
    client = login(people["users"]["principal"])
    preview = upload(client, xlsx(NEW))
    assert preview.status_code == 200 and not Organization.objects.filter(code="C3").exists()  # a preview writes nothing
    assert preview.context["result"].created == 4
    response = confirm(client, preview)
    assert response.status_code == 302
    c3_1 = Organization.objects.get(code="C3-1")
    assert Organization.objects.get_parent(c3_1).code == "C3" and c3_1.kind == "branch"
    assert Organization.objects.get_parent(Organization.objects.get(code="C3-1-1")) == c3_1
    assert Organization.objects.get(code="C3").short_name == "东塘"
    assert AuditEvent.objects.get(action="org_import").organization_id == people["tree"]["WY"].pk


def test_importing_the_same_file_again_changes_nothing_and_an_edited_one_updates_and_moves(people):
    client = login(people["users"]["principal"])
    confirm(client, upload(client, xlsx(NEW)))
    before = list(Organization.objects.order_by("pk").values())
    again = upload(client, xlsx(NEW))
    assert again.context["result"].unchanged == 4 and "token" not in again.context
    assert "文件中的组织与系统一致" in again.content.decode()
    assert list(Organization.objects.order_by("pk").values()) == before
    edited = [r[:] for r in NEW]
    edited[0][1] = "东塘街社区党委"
    edited[3][5] = "C2"  # 第三党支部 moves under 赤岭路社区党委
    preview = upload(client, xlsx(edited))
    result = preview.context["result"]
    assert (result.updated, result.moved, result.unchanged) == (1, 1, 2)
    confirm(client, preview)
    assert Organization.objects.get(code="C3").name == "东塘街社区党委"
    assert Organization.objects.get_parent(Organization.objects.get(code="C1-3")).code == "C2"


def test_every_row_problem_is_listed_and_nothing_is_imported(people):
    rows = NEW + [
        ["C3", "重复", "", "党委", "社区", "WY"],
        ["C9", "某党支部", "", "支委会", "社区", "WY"],
        ["C8", "某党支部", "", "党支部", "社区", "NOPE"],
        ["C7", "某党支部", "", "党支部", "社区", "C9"],  # a parent whose own row failed
        ["", "无编码", "", "党支部", "社区", "WY"],
        ["C6", "某党委", "", "党委", "社区", ""],
        ["N1", "美团党支部", "", "党委", "企业", "C1-1"],  # a branch may not sit under a branch
    ]
    response = upload(login(people["users"]["principal"]), xlsx(rows))
    assert response.status_code == 422
    errors = [(e.row, e.column, e.message) for e in response.context["result"].errors]
    assert (6, "组织编码", "组织编码“C3”与第 2 行重复") in errors
    assert (7, "类别", "类别“支委会”无法识别") in errors
    assert (8, "上级组织编码", "上级组织编码“NOPE”不存在或不在您的管理范围内") in errors
    assert (9, "上级组织编码", "上级组织（编码“C9”）所在行有问题") in errors
    assert (10, "组织编码", "组织编码不能为空") in errors
    assert (11, "上级组织编码", "上级组织编码不能为空（新建党工委请在组织架构页面办理）") in errors
    assert (12, "类别", "党支部下不能设立党支部") in errors  # moved first, as it is
    assert "未导入任何数据" in response.content.decode()
    assert not Organization.objects.filter(code__in=["C3", "C3-1", "C1-3"]).exists()
    assert Organization.objects.get(code="N1").kind == "branch"


def test_an_administrator_imports_only_within_their_subtree(people):
    rows = [["C2-9", "赤岭路社区第九党支部", "", "党支部", "社区", "C2"], ["C2-1", "改名", "", "党支部", "社区", "C2"]]
    response = upload(login(people["users"]["committee"]), xlsx(rows))
    messages = [e.message for e in response.context["result"].errors]
    assert "上级组织编码“C2”不存在或不在您的管理范围内" in messages
    assert Organization.objects.get(code="C2-1").name == "赤岭路社区第一党支部"


def test_a_file_without_the_columns_is_refused_as_a_whole(people):
    response = upload(login(people["users"]["principal"]), xlsx([["x"]], headers=["名称"]))
    assert response.status_code == 422 and "表头缺少必需的列：组织编码、类别、所在单位类型" in response.content.decode()


def test_the_export_imports_back_unchanged_and_its_cells_are_formula_safe(people):
    client = login(people["users"]["principal"])
    Organization.objects.filter(code="N1").update(name="=HYPERLINK(1)")
    response = client.get(reverse("people:organization_export"))
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and len(rows) == 1 + Organization.objects.count()
    assert rows[1][0] == "WY" and rows[1][5] is None
    n1 = next(r for r in sheet.iter_rows() if r[0].value == "N1")
    assert n1[1].data_type == "s" and n1[1].value == "=HYPERLINK(1)"
    result = upload(client, response.content).context["result"]
    assert result.unchanged == Organization.objects.count() and not result.errors


def test_the_administrators_export_and_template_hold_their_subtree_only(people):
    client = login(people["users"]["committee"])
    rows = list(load_workbook(BytesIO(client.get(reverse("people:organization_export")).content)).active.iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == {"C1", "C1-1", "C1-2"} and rows[1][5] == "WY"
    template = load_workbook(BytesIO(client.get(reverse("people:organization_template")).content))
    assert template.sheetnames == ["组织架构", "填写说明", "已有组织"]
    assert {r[0] for r in template["已有组织"].iter_rows(min_row=2, values_only=True)} == {"C1", "C1-1", "C1-2"}
    assert login(people["users"]["teacher"]).get(reverse("people:organization_export")).status_code == 404
