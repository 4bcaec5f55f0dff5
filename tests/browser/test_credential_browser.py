"""The public credential verifier page in a real browser (headless Debian Chromium).

Against the demo served by uvicorn: a coffee producer's credential, issued by her
cooperative's key, is uploaded with the file picker on a 360 px phone with JavaScript off
(the page needs none) and reads "Constancia válida" in green with her deliveries; the same
credential with one kilogram changed, pasted on an English phone, reads "Invalid credential"
in red and names the field. Nothing overflows sideways; screenshots are kept in tmp dirs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from api.services.credentials import issue_credential
from api.services.ledger import LedgerService
from ledger.keystore import KeyStore
from tests.browser.conftest import PASSPHRASE, Served

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 740}
GREEN = "rgb(30, 107, 53)"
RED = "rgb(155, 28, 28)"


@pytest.fixture(scope="module")
def credential(served: Served) -> dict[str, object]:
    """cs-p01's credential, issued on the served ledger with the cooperative's key."""
    data_dir = served.key_dir.parent
    service = LedgerService.open(f"sqlite:///{data_dir / 'ledger.db'}", migrate=False)
    try:
        key = KeyStore(served.key_dir).load("org-cafe-sierra", PASSPHRASE)
        host = served.base.removeprefix("http://")
        return issue_credential(service, "cs-p01", key, host=host).credential
    finally:
        service.close()


def _page(browser: Browser, locale: str, *, javascript: bool) -> Page:
    context = browser.new_context(
        locale=locale, viewport=PHONE, is_mobile=True, has_touch=True,
        java_script_enabled=javascript,
    )  # fmt: skip
    return context.new_page()


def _verdict(page: Page) -> tuple[str, str]:
    box = page.locator("#verdict")
    return box.locator("h1").inner_text(), box.evaluate(
        "node => getComputedStyle(node).borderTopColor"
    )


def _no_overflow(page: Page) -> None:
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, (width, inner)


def test_upload_on_a_phone_without_javascript(
    browser: Browser, served: Served, credential: dict[str, object], tmp_path: Path
) -> None:
    file = tmp_path / "constancia.json"
    file.write_text(json.dumps(credential, ensure_ascii=False), encoding="utf-8")
    page = _page(browser, "es-MX", javascript=False)
    page.goto(f"{served.base}/credentials/verify")
    assert page.locator("h1").inner_text() == "Verificar una constancia de producción"
    page.set_input_files("#credential-file", str(file))
    page.click("#credential-submit")
    page.wait_for_selector("#verdict")
    assert _verdict(page) == ("Constancia válida", GREEN)
    assert "cs-p01" in page.locator("#credential-facts").inner_text()
    assert "kg en" in page.locator("#credential-deliveries").inner_text()
    box = page.locator("#credential-submit").bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb-sized target
    _no_overflow(page)
    page.screenshot(path=str(tmp_path / "credential-valid-es.png"), full_page=True)
    page.context.close()


def test_changed_credential_pasted_in_english(
    browser: Browser, served: Served, credential: dict[str, object], tmp_path: Path
) -> None:
    text = json.dumps(credential, ensure_ascii=False)
    subject = credential["credentialSubject"]
    assert isinstance(subject, dict)
    kg = subject["seasons"][0]["deliveries"][0]["quantityKg"]
    changed = text.replace(f'"quantityKg": "{kg}"', f'"quantityKg": "{kg}1"', 1)
    assert changed != text
    page = _page(browser, "en-US", javascript=True)
    page.goto(f"{served.base}/credentials/verify?lang=en")
    page.fill("#credential-text", changed)
    page.click("#credential-submit")
    page.wait_for_selector("#verdict")
    assert _verdict(page) == ("Invalid credential", RED)
    assert "proof.proofValue" in page.locator("#verdict-field").inner_text()
    _no_overflow(page)
    page.screenshot(path=str(tmp_path / "credential-invalid-en.png"), full_page=True)
    page.context.close()
