"""The resolver and lot pages in a real browser (headless Debian Chromium via Playwright).

What each test proves, against the real app served by uvicorn on loopback:

* A genuine label opens a green "genuine" verdict in Spanish for a Spanish phone and in
  English for an English one; a revoked label opens a red "revoked" verdict with its reason
  in both languages; the colour is computed by the browser, not just a class name.
* The visible language switch leads to the other language and keeps the label's query.
* With JavaScript disabled the page is complete (it has no script at all).
* On a small phone viewport nothing overflows sideways.
* The lot page shows eligibility and the lineage picture.

Every test saves a screenshot into its own tmp dir (kept by pytest for inspection).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from tests.browser.conftest import Served
from tests.browser.phone import phone_page

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 740}
GREEN = "rgb(30, 107, 53)"
RED = "rgb(155, 28, 28)"


def _page(browser: Browser, locale: str, *, javascript: bool = True) -> Page:
    return phone_page(browser, locale, PHONE, javascript=javascript)


def _verdict(page: Page) -> tuple[str, str, str]:
    """Headline, reason and the border colour the browser computed for the verdict box."""
    box = page.locator("#verdict")
    colour = box.evaluate("node => getComputedStyle(node).borderTopColor")
    return box.locator("h1").inner_text(), page.locator("#verdict-reason").inner_text(), colour


@pytest.mark.parametrize(
    ("locale", "headline", "reason"),
    [
        ("es-MX", "Etiqueta auténtica", "firmada por el emisor de etiquetas"),
        ("en-US", "Genuine label", "signed by the label issuer"),
    ],
)
def test_genuine_label(
    browser: Browser, served: Served, tmp_path: Path, locale: str, headline: str, reason: str
) -> None:
    page = _page(browser, locale)
    response = page.goto(served.base + served.genuine)
    assert response is not None and response.status == 200
    shown, why, colour = _verdict(page)
    assert shown == headline and reason in why
    assert colour == GREEN
    assert page.locator("#product").is_visible() and page.locator("#proof-link").is_visible()
    page.screenshot(path=str(tmp_path / f"genuine-{locale}.png"), full_page=True)
    assert (tmp_path / f"genuine-{locale}.png").stat().st_size > 10_000
    page.context.close()


@pytest.mark.parametrize(
    ("locale", "headline", "reason"),
    [
        ("es-MX", "Etiqueta revocada", "Motivo: misprinted batch, destroyed"),
        ("en-US", "Revoked label", "Reason: misprinted batch, destroyed"),
    ],
)
def test_revoked_label(
    browser: Browser, served: Served, tmp_path: Path, locale: str, headline: str, reason: str
) -> None:
    page = _page(browser, locale)
    page.goto(served.base + served.revoked)
    shown, why, colour = _verdict(page)
    assert shown == headline and reason in why
    assert colour == RED
    page.screenshot(path=str(tmp_path / f"revoked-{locale}.png"), full_page=True)
    page.context.close()


def test_language_switch_keeps_the_label(browser: Browser, served: Served, tmp_path: Path) -> None:
    page = _page(browser, "es-MX")
    page.goto(served.base + served.genuine)
    assert _verdict(page)[0] == "Etiqueta auténtica"
    switch = page.locator("#lang-switch")
    assert switch.inner_text() == "English"
    switch.click()
    page.wait_for_load_state()
    assert _verdict(page)[0] == "Genuine label"
    query = dict(parse_qsl(urlsplit(page.url).query))
    original = dict(parse_qsl(urlsplit(served.genuine).query))
    assert query == {**original, "lang": "en"}
    page.locator("#lang-switch").click()
    page.wait_for_load_state()
    assert _verdict(page)[0] == "Etiqueta auténtica"
    page.screenshot(path=str(tmp_path / "switched.png"))
    page.context.close()


def test_works_without_javascript(browser: Browser, served: Served, tmp_path: Path) -> None:
    page = _page(browser, "en-US", javascript=False)
    page.goto(served.base + served.revoked)
    assert page.locator("#verdict h1").inner_text() == "Revoked label"
    assert page.locator("script").count() == 0
    page.goto(served.base + served.genuine)
    assert page.locator("#verdict h1").inner_text() == "Genuine label"
    assert page.locator("#practices li").count() > 3
    page.screenshot(path=str(tmp_path / "no-javascript.png"), full_page=True)
    page.context.close()


def test_phone_viewport_does_not_overflow(browser: Browser, served: Served, tmp_path: Path) -> None:
    page = _page(browser, "es-MX")
    for path in (served.genuine, f"/lots/{served.lot_id}", "/"):
        page.goto(served.base + path)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (path, widths)
    page.screenshot(path=str(tmp_path / "index-phone.png"), full_page=True)
    page.context.close()


def test_lot_page_shows_eligibility_and_lineage(
    browser: Browser, served: Served, tmp_path: Path
) -> None:
    page = _page(browser, "en-US")
    page.goto(f"{served.base}/lots/{served.lot_id}")
    assert page.locator("#eligibility h2").inner_text() == (
        "Eligible for the biodiversity-friendly seal"
    )
    lineage = page.locator("#lineage")
    assert lineage.locator("svg").count() + lineage.locator("li").count() > 0
    page.screenshot(path=str(tmp_path / "lot.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize(
    ("locale", "reason", "failed"),
    [
        ("es-MX", "Cobertura de sombra: 25 %; se requiere al menos 40 %", "no cumplido en 2 de"),
        ("en-US", "Shade cover: 25 %; at least 40 % required", "not met on 2 of"),
    ],
)
def test_ineligible_lot_page_reasons_fit_a_phone(
    browser: Browser, served: Served, tmp_path: Path, locale: str, reason: str, failed: str
) -> None:
    """One reason per line, in the reader's language, and the failed criterion marked ✗, on a
    phone-width screen with nothing overflowing sideways."""
    page = _page(browser, locale)
    page.goto(f"{served.base}/lots/cs-export-2526-001")
    # A value and its unit are held together by a no-break space ("25 %" never splits).
    items = [t.replace("\u00a0", " ") for t in page.locator("#reasons li").all_inner_texts()]
    assert len(items) == 2 and all(reason in item for item in items), items
    assert failed in page.locator("#practices li.failed").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    page.screenshot(path=str(tmp_path / f"ineligible-{locale}.png"), full_page=True)
    page.context.close()
