"""Steps that several journeys take, phrased as a user would."""

import re

from playwright.sync_api import Page, expect


def sign_in(page: Page, username: str, password: str) -> None:
    """Sign in through the login form and wait until the home page has answered."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.wait_for_load_state("load")


def stylesheet_applied(page: Page) -> bool:
    """True when Bootstrap and the site stylesheet are in effect (the navbar is the site's red). Both are
    inlined in one <style> element (core/critical_css.py)."""
    return page.evaluate(
        """() => {
            const nav = document.querySelector('.dx-navbar');
            const sheets = [...document.styleSheets].filter(s => { try { return s.cssRules.length > 0 } catch (e) { return false } });
            return !!nav && getComputedStyle(nav).backgroundColor === 'rgb(179, 20, 28)'
                && getComputedStyle(nav).display === 'flex' && sheets.length >= 1;
        }"""
    )
