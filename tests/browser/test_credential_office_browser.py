"""Constancias in the office screen of the web app, in a real Chromium, on the demo ledger.

The office imports the cooperative's key from the file ``biotraza keys export-for-browser``
writes; the member list is the association's. Issuing a member's credential shows a progress
bar naming each step (the server's answer to the last step is held back a moment so that the
bar can be seen), and the credential — signed in the browser with ``eddsa-jcs-2022`` —
downloads as JSON that the project's verifier accepts as valid and not revoked, and as the
printable PDF. A too-short reason is refused in Spanish; revoking with a reason makes the
server's verifier read it revoked. The screen is captured at 390 px in Spanish and English into
``tests/browser/screenshots/credentials/`` (git-ignored), and nothing overflows sideways.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route

from ledger.keystore import KeyStore
from tests.browser.conftest import PASSPHRASE, Served
from tests.browser.layout import assert_no_sideways_overflow
from tests.browser.office_keys import import_browser_key
from tests.browser.waiting import wait_until
from verifiers.credentials import verify_credential

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots" / "credentials"
MEMBER = "cs-p01"


def _office(browser: Browser) -> Page:
    context = browser.new_context(
        locale="es-MX", viewport={"width": 390, "height": 844}, accept_downloads=True
    )
    return context.new_page()


def _slow_record(route: Route) -> None:
    if route.request.method == "POST":
        time.sleep(1.5)  # hold the last step so the progress bar is on screen
    route.continue_()


def test_issue_download_and_revoke(browser: Browser, served: Served, tmp_path: Path) -> None:
    page = _office(browser)
    page.goto(served.base + "/app/credentials")
    assert page.locator("h1").inner_text() == "Constancias"
    key = KeyStore(served.key_dir).load("org-cafe-sierra", PASSPHRASE)
    import_browser_key(page, key, tmp_path / "org.browser-key.json")
    member = page.locator(f'li.member[data-id="{MEMBER}"]')
    member.wait_for()
    org_id = page.request.get(f"{served.base}/api/v1/producers/{MEMBER}").json()["org_id"]
    api_members = page.request.get(f"{served.base}/api/v1/producers?org_id={org_id}")
    listed = page.locator("li.member").evaluate_all("items => items.map(i => i.dataset.id)")
    assert listed == sorted(p["producer_id"] for p in api_members.json()["data"])

    page.route("**/api/v1/credentials", _slow_record)
    member.locator("button.issue").click()
    progress = member.locator(".issue-progress")
    progress.get_by_text("Paso 3 de 3").wait_for()
    assert progress.locator("progress").get_attribute("value") == "3"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "issuing-es-390.png"), full_page=True)
    member.get_by_text("Constancia emitida").wait_for()
    assert progress.count() == 0
    page.unroute("**/api/v1/credentials")
    card = member.locator("li.issued").first
    assert card.get_attribute("data-status") == "active"

    with page.expect_download() as got:
        card.locator("button.download-json").click()
    credential = json.loads(Path(got.value.path()).read_text(encoding="utf-8"))
    verdict = verify_credential(credential)
    assert verdict.producer_id == MEMBER and verdict.org_id == org_id
    assert credential["id"] == card.get_attribute("data-credential-id")
    answer = page.request.post(f"{served.base}/api/v1/credentials/verify", data=credential)
    assert answer.ok and answer.json()["revoked"] is False
    with page.expect_download() as got_pdf:
        card.locator("button.download-pdf").click()
    assert Path(got_pdf.value.path()).read_bytes().startswith(b"%PDF")

    card.locator("input.revoke-reason").fill("no")
    card.locator("button.revoke").click()
    card.get_by_text("de 3 a 200 caracteres").wait_for()
    assert_no_sideways_overflow(page)
    page.screenshot(path=str(SCREENSHOTS / "issued-es-390.png"), full_page=True)

    card.locator("input.revoke-reason").fill("datos de entregas corregidos")
    card.locator("button.revoke").click()
    wait_until(
        page,
        f"document.querySelector('li.issued[data-credential-id=\"{credential['id']}\"]')"
        "?.dataset.status === 'revoked'",
    )
    assert "Revocada: datos de entregas corregidos" in card.inner_text()
    answer = page.request.post(f"{served.base}/api/v1/credentials/verify", data=credential)
    assert answer.ok and answer.json()["revoked"] is True

    page.locator("#lang-switch").click()
    page.get_by_text("Issue credential").first.wait_for()
    assert page.locator("h1").inner_text() == "Credentials"
    assert "Revoked: datos de entregas corregidos" in card.inner_text()
    # Messages already on screen are said again in the new language.
    assert "Credential revoked" in card.locator(".credential-message").inner_text()
    assert "Credential issued" in member.locator(".issue-message").inner_text()
    assert_no_sideways_overflow(page)
    page.screenshot(path=str(SCREENSHOTS / "issued-en-390.png"), full_page=True)
