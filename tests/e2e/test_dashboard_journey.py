"""The principal opens the home page, sees the organisation with the lowest 学时 compliance first, drills
into its members at risk, exports them to Excel, and opens the lobby screen."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from dangxiao.attendance.models import StudyHourEntry
from dangxiao.reports import aggregates
from tests import factories as f

from .conftest import DESKTOP
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "e2e"


def test_the_principal_drills_from_the_worst_organisation_to_its_members_at_risk_and_opens_the_lobby(live_server, new_page):
    tree = f.make_tree()
    f.make_school(tree)
    principal = f.make_user(role="principal", org=tree["WY"])
    today = timezone.localdate()
    on = max(today.replace(month=1, day=1), today - timedelta(days=1))
    lagging = [f.make_member(tree["C2-1"], name=n) for n in ("赵落后", "钱落后")]
    for i, m in enumerate(f.make_member(tree["C1-1"], name=n) for n in ("孙达标", "李达标")):
        StudyHourEntry.objects.create(member=m, date=on, hours=Decimal("60"), source="session", reference=f"e2e{i}")
    aggregates.aggregates_refresh(today.year)

    page = new_page(viewport=DESKTOP, base_url=live_server.url)
    sign_in(page, principal.username, f.PASSWORD)
    first = page.locator("#compliance-table tbody tr").first
    expect(first).to_contain_text("赤岭路")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-home.png"), full_page=True)

    first.locator("a[data-at-risk]").click()
    expect(page.locator("#at-risk")).to_contain_text("赵落后")
    with page.expect_download() as download:
        page.locator("#at-risk-export").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(BytesIO(Path(download.value.path()).read_bytes()))
    names = {row[0] for row in book.active.iter_rows(min_row=2, values_only=True)}
    assert {m.name for m in lagging} <= names and "孙达标" not in names

    page.goto("/")
    page.locator("#open-lobby").click()
    expect(page.locator("h1")).to_contain_text("文源街道党校")
    expect(page.locator("#lobby-chart-months canvas")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "dashboard-lobby.png"), full_page=True)
