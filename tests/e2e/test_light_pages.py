"""Light pages in the browser: the inlined, purged stylesheet (core/critical_css.py) draws every main page
exactly as the whole of Bootstrap and site.css would, and a member's phone pages work before their scripts
arrive (on slow 3G they come about 3 s after the page has painted)."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from dangxiao.core.critical_css import SHEETS

from .conftest import PHONE
from .test_accessibility import PASSWORD, pages, school  # noqa: F401 - `school` is a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROPERTIES = [
    "display", "position", "float", "visibility", "box-sizing", "width", "height", "color", "background-color",
    "font-size", "font-weight", "line-height", "text-align", "text-decoration-line", "white-space", "flex-direction",
    "flex-wrap", "justify-content", "align-items", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding-top", "padding-right", "padding-bottom", "padding-left", "border-top-width", "border-bottom-width",
    "border-left-width", "border-top-color", "border-radius", "box-shadow", "list-style-type", "opacity", "overflow-x",
]  # fmt: skip
STYLES = """(props) => [...document.body.querySelectorAll('*')].map((el, i) => {
    const s = getComputedStyle(el);
    return `${i} ${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')} ` + props.map(p => p + ':' + s.getPropertyValue(p)).join(';');
})"""
# Bootstrap animates colours for 0.15 s: swapping stylesheets would be read mid-transition.
STILL = "*, *::before, *::after { transition: none !important; animation: none !important; }"
WHOLE = [Path(finders.find(name)).read_text(encoding="utf-8") for name in SHEETS]


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")


def test_the_inlined_stylesheet_draws_each_main_page_as_the_whole_stylesheets_would(school, live_server, new_page):  # noqa: F811
    different = []
    signed_in = {}
    # The lobby screen (大屏) is a standalone page for a wall screen, with its own linked stylesheets.
    for who, url, viewport in [p for p in pages(school) if not p[1].startswith("/lobby/")]:
        key = f"{who}-{viewport}"
        if key not in signed_in:
            signed_in[key] = page = new_page(viewport=viewport, base_url=live_server.url)
            if who is not None:
                sign_in(page, school["users"][who].username)
        page = signed_in[key]
        assert page.goto(url).status == 200, url
        page.wait_for_load_state("networkidle")
        page.add_style_tag(content=STILL)
        inlined = page.evaluate(STYLES, PROPERTIES)
        assert page.locator("head link[rel=stylesheet]").count() == 0, url
        page.evaluate("() => document.querySelector('head style').remove()")
        for css in [*WHOLE, STILL]:
            page.add_style_tag(content=css)
        whole = page.evaluate(STYLES, PROPERTIES)
        assert len(whole) == len(inlined) > 20, url
        different += [f"{who} {url}\n  inlined {a}\n  whole   {b}" for a, b in zip(inlined, whole, strict=True) if a != b][:3]
    assert different == [], "\n".join(different)


def test_a_members_phone_pages_work_before_their_scripts_arrive(school, live_server, new_page):  # noqa: F811
    page = new_page(viewport=PHONE, base_url=live_server.url)
    sign_in(page, school["users"]["member"].username)
    page.route("**/*.js", lambda route: route.abort())  # as if the scripts were still on their way
    for url in ["/", "/me/schedule/", "/me/hours/", "/checkin/"]:
        assert page.goto(url).status == 200, url
        assert page.evaluate("() => typeof window.bootstrap === 'undefined' && typeof window.htmx === 'undefined'")
        nav = page.locator("#dx-nav")
        assert not nav.is_visible(), url  # folded on a phone
        page.locator(".navbar-toggler").click()
        assert nav.is_visible() and page.locator(".navbar-toggler").get_attribute("aria-expanded") == "true", url
    # The check-in form is a plain form: a wrong code is answered without any script.
    page.goto("/checkin/")
    page.fill("#digits", "000000")  # the session starts in 10 minutes: its check-in is open
    page.locator("main form button").click()
    page.wait_for_load_state("load")
    assert page.locator("main").inner_text().strip() and page.locator("h1").count() == 1
    assert page.locator(".dx-bad, .alert-danger, .alert-warning").count() > 0  # the wrong code, answered
