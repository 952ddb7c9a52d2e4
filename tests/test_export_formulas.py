"""No export can carry a formula: text from user data that starts with =, +, -, @, a tab or a carriage
return is written as text (the OWASP "CSV injection" rule) in every Excel file we produce — roster
export and template, roll template, households export and template, liaison figures — unchanged, so an
exported file still imports back as it was."""

import re
import zipfile
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangxiao.people import services as people_services
from dangxiao.teaching.models import Enrollment, Session

from .conftest import login
from .factories import make_cohort, make_school
from .test_api_liaison import report

pytestmark = pytest.mark.django_db
HOSTILE = ["=1+1", "+8613800000000", "-2+3", "@SUM(A1:A9)", "\t=cmd|' /C calc'!A0", "\r=2+5"]


def formula_free(data: bytes) -> dict[str, tuple[str, bool]]:
    """Every text cell of every sheet, with its Excel quote prefix; fails if any cell is a formula."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", archive.read(name)), f"a formula in {name}"
    cells = {}
    for ws in load_workbook(BytesIO(data)).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    cells[cell.value] = cell.quotePrefix
    return cells


def assert_kept_as_text(data: bytes, values) -> None:
    cells = formula_free(data)
    for value in values:
        value = value.replace("\r", "\n")  # XML reads a carriage return in text back as a line feed
        assert value in cells, f"{value!r} is missing from the file"
        assert cells[value], f"{value!r} has no quote prefix: editing the cell in Excel would run it"


def test_the_roster_export_and_template_write_formula_like_text_as_text(people):
    member = people["members"]["c1_1"][0]
    member.name, member.occupation, member.industry, member.address = HOSTILE[:4]
    member.save()
    branch = people["tree"]["C1-1"]
    branch.name = '=HYPERLINK("http://example.com","点此")'
    branch.save()
    client = login(people["users"]["secretary"])
    exported = client.get(reverse("people:member_export")).content
    assert_kept_as_text(exported, HOSTILE[:4] + [branch.name])
    assert_kept_as_text(client.get(reverse("people:import_template")).content, [branch.name])
    # … and the export imports back unchanged (a leading tab or line break would be trimmed as a stray space).
    again = people_services.roster_import(people["users"]["secretary"], exported)
    assert (again.created, again.updated, again.errors) == (0, 0, [])


def test_the_api_roster_export_writes_formula_like_text_as_text(people):
    from .test_api import api

    member = people["members"]["c1_1"][1]
    member.name = "@cmd"
    member.save()
    assert_kept_as_text(api(people["users"]["secretary"]).get("/api/v1/members/export").content, ["@cmd"])


def test_the_roll_template_writes_formula_like_names_as_text(people):
    school, main, _small = make_school(people["tree"])
    cohort = make_cohort(school, people["tree"]["C1-1"], "+班次")
    start = timezone.now() + timedelta(days=1)
    session = Session.objects.create(cohort=cohort, title="-课次", starts_at=start, ends_at=start + timedelta(hours=1), venue=main)
    member = people["members"]["c1_1"][0]
    member.name = "=1+1"
    member.save()
    Enrollment.objects.create(cohort=cohort, member=member)
    data = login(people["users"]["secretary"]).get(reverse("doc_roll_template", args=[session.pk])).content
    assert_kept_as_text(data, ["=1+1", "-课次", "+班次"])


def test_the_households_export_and_template_write_formula_like_text_as_text(liaison):
    compound = liaison["a"]
    compound.name = "=青山苑"
    compound.save()
    household = liaison["households"]["1栋"][0]
    household.room, household.contact_name, household.note = "+1单元101", HOSTILE[4], HOSTILE[5]
    household.save()
    client = login(liaison["users"]["committee"])
    exported = client.get(reverse("grid:household_export"), {"full": "1"}).content
    assert_kept_as_text(exported, ["=青山苑", "+1单元101", HOSTILE[4], HOSTILE[5]])
    assert_kept_as_text(client.get(reverse("grid:household_template")).content, ["=青山苑"])


def test_the_figures_export_writes_formula_like_names_as_text(liaison):
    report(liaison)
    compound, community = liaison["a"], liaison["tree"]["C1"]
    compound.name, community.name = "=青山苑", "-青山祠社区党委"
    compound.save()
    community.save()
    data = login(liaison["users"]["principal"]).get(reverse("liaison_figures:figures_export")).content
    assert_kept_as_text(data, ["=青山苑", "-青山祠社区党委"])
