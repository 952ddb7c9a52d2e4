"""Browser fixtures for journeys: one Chromium per test session, a fresh context and page per test.

Debian's Chromium is used as installed (`/usr/bin/chromium`); no browser is ever downloaded.
A journey that fails leaves a full-page screenshot in `test-artifacts/`.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the main thread; Django would otherwise refuse the
# ORM calls the tests make to set up data ("You cannot call this from an async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = (1280, 800)
PHONE = (390, 844)


def launch_chromium(playwright):
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is not installed (expected /usr/bin/chromium; .ci/run installs it)")
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def playwright_session():
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session):
    browser = launch_chromium(playwright_session)
    yield browser
    browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser, request) -> Iterator[Callable]:
    """Open a page in a fresh context: `new_page(viewport=(390, 844), base_url=live_server.url)`.

    Each call gets its own cookies, so two users can be signed in within one test.
    """
    contexts = []

    def open_page(viewport: tuple[int, int] = DESKTOP, base_url: str | None = None):
        width, height = viewport
        context = browser.new_context(
            viewport={"width": width, "height": height},
            base_url=base_url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(int(os.environ.get("E2E_TIMEOUT_MS", "10000")))  # longer on a loaded machine
        contexts.append(context)
        return context.new_page()

    yield open_page

    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, context in enumerate(contexts):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for j, page in enumerate(context.pages):
                try:
                    page.screenshot(path=ARTIFACTS / f"FAILED-{request.node.name}-{i}-{j}.png", full_page=True)
                except Exception:  # a crashed page must not hide the test's own failure
                    pass
        context.close()
