"""The board's home page draws its charts from member data that staff type into roster files."""

import json

import pytest
from playwright.sync_api import expect

from tests import factories as f

from .conftest import DESKTOP
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# 27 characters: fits the 行业 column's 30-character limit, so any secretary can import it.
SCRIPT_IN_INDUSTRY = "</script><script>alert(1)//"


def test_industry_text_from_an_import_is_shown_as_text_not_run_on_the_principals_home(live_server, new_page):
    tree = f.make_tree()
    f.make_member(tree["C1-1"], industry=SCRIPT_IN_INDUSTRY)
    principal = f.make_user(role="principal", org=tree["WY"])

    page = new_page(viewport=DESKTOP, base_url=live_server.url)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, principal.username, f.PASSWORD)

    page.wait_for_load_state("networkidle")
    assert dialogs == [], "text typed into a roster file ran as script on the home page"
    expect(page.locator("#chart-industry canvas")).to_have_count(1)
    data = json.loads(page.locator("#chart-data").text_content())
    assert [SCRIPT_IN_INDUSTRY, 1] in data["industry"]
