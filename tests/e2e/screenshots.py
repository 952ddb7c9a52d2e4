"""Screenshots of the main pages, for looking at them as a user would (not collected by pytest).

    .venv/bin/python -m tests.e2e.screenshots http://127.0.0.1:8123 test-artifacts

Expects the demo data (`manage.py seed_demo`). Prints, per page, console errors, failed requests
and whether the page scrolls sideways.
"""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from .conftest import CHROMIUM_ARGS, DESKTOP, PHONE

PRINCIPAL, MEMBER, PASSWORD = "13900000001", "13900000003", "Demo@2024"


def main(base_url: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)
        sessions: dict[tuple, object] = {}

        def page_for(user: str | None, viewport: tuple[int, int]):
            key = (user, viewport)
            if key not in sessions:
                context = browser.new_context(viewport=dict(zip(("width", "height"), viewport)), base_url=base_url, locale="zh-CN")
                page = context.new_page()
                page.problems = []
                page.on("console", lambda m, page=page: m.type == "error" and page.problems.append(f"console: {m.text}"))
                page.on("pageerror", lambda e, page=page: page.problems.append(f"pageerror: {e}"))
                page.on("requestfailed", lambda r, page=page: page.problems.append(f"requestfailed: {r.url}"))
                page.on("response", lambda r, page=page: r.status >= 400 and page.problems.append(f"HTTP {r.status}: {r.url}"))
                if user:
                    page.goto("/accounts/login/")
                    page.fill("#id_username", user)
                    page.fill("#id_password", PASSWORD)
                    page.get_by_role("button", name="登录").click()
                    page.wait_for_load_state("networkidle")
                sessions[key] = page
            return sessions[key]

        def shot(name: str, user: str | None, viewport: tuple[int, int], path: str) -> None:
            page = page_for(user, viewport)
            page.problems.clear()
            response = page.goto(path)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(800)  # let charts finish their animation
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            page.screenshot(path=out / f"{name}.png", full_page=True)
            status = response.status if response else "?"
            print(f"{name}: {path} → {page.url} [{status}] sideways overflow {overflow}px")
            for problem in page.problems:
                print(f"    {problem}")

        shot("01-login-1280", None, DESKTOP, "/accounts/login/")
        shot("01-login-390", None, PHONE, "/accounts/login/")
        shot("02-home-principal-1280", PRINCIPAL, DESKTOP, "/")
        shot("03-home-principal-390", PRINCIPAL, PHONE, "/")
        shot("04-members-390", PRINCIPAL, PHONE, "/members/")
        shot("05-members-1280", PRINCIPAL, DESKTOP, "/members/")
        first = page_for(PRINCIPAL, DESKTOP).locator("#roster tbody a").first.get_attribute("href")
        shot("06-member-detail-1280", PRINCIPAL, DESKTOP, first)
        shot("06-member-detail-390", PRINCIPAL, PHONE, first)
        shot("07-organizations-1280", PRINCIPAL, DESKTOP, "/organizations/")
        shot("07-organizations-390", PRINCIPAL, PHONE, "/organizations/")
        shot("08-import-1280", PRINCIPAL, DESKTOP, "/members/import/")
        shot("08-import-390", PRINCIPAL, PHONE, "/members/import/")
        shot("09-home-member-390", MEMBER, PHONE, "/")
        page = page_for(PRINCIPAL, PHONE)
        page.goto("/")
        page.locator(".navbar-toggler").click()
        page.wait_for_timeout(500)
        page.screenshot(path=out / "10-nav-open-principal-390.png")
        print("10-nav-open-principal-390: menu opened")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8123", Path(sys.argv[2] if len(sys.argv) > 2 else "test-artifacts"))
