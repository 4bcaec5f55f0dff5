"""The field app runs under its Content-Security-Policy without a single violation.

The server sends a strict policy with every app file (``api.web.routes.field_app``: only the
app's own scripts, styles, workers and server). A policy that blocks something the app needs
would not fail loudly — a QR image or a style would just be missing — so this test records
every ``securitypolicyviolation`` event in headless Chromium while it opens each screen, in
both languages, and asserts there were none.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import Served
from tests.browser.test_field_app_browser import SCREENS, phone

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.mark.parametrize("locale", ["es-MX", "en-US"])
def test_every_screen_runs_under_the_policy(browser: Browser, served: Served, locale: str) -> None:
    context = phone(browser, locale=locale)
    try:
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        for path in SCREENS:
            response = page.goto(f"{served.base}/app/{path}")
            assert response is not None and response.ok
            assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
            page.wait_for_selector("h1")
            page.wait_for_load_state("networkidle")
            assert page.evaluate("window.__cspViolations") == [], path
    finally:
        context.close()
