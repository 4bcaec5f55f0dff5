"""The field app (``/app/``) in a real browser, served by the real server with the demo ledger.

What each test proves, in headless Debian Chromium driven by Playwright:

* The app loads at ``/app/`` in Spanish, and Chromium finds it installable: the manifest
  parses with name, start URL, standalone display and icons, and the service worker is
  registered, activated and controlling the page, with the whole build in its cache.
* Offline cold start: with the network off and every service worker stopped, a new page
  opens the app (at its home and at a deep link) from the cache, and says it is offline.
* The office's list of lots, read once online, still shows offline, marked as stored.
* The language switch changes ``<html lang>`` and every text, and survives a reload.
* Every screen at 360 and 390 px, in Spanish and English: no sideways scrolling, every
  control at least 48 px both ways; a screenshot of each lands in
  ``tests/browser/screenshots/field-app/`` (git-ignored) for people to look at, with the
  offline start and (from the update test) the update notice.

The update flow (a new version waits, applies on request, keeps IndexedDB) is in
``test_field_app_update.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from api.web.app_files import DEFAULT_DIST
from tests.browser.conftest import Served
from tests.browser.waiting import wait_until

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots" / "field-app"
SCREENS = {
    "": ("Inicio", "Home"),
    "members": ("Socios", "Members"),
    "plots": ("Parcelas", "Plots"),
    "apiaries": ("Apiarios", "Apiaries"),
    "deliveries": ("Entregas", "Deliveries"),
    "outbox": ("Envío", "Outbox"),
    "devices": ("Dispositivos", "Devices"),
    "credentials": ("Constancias", "Credentials"),
    "lots": ("Lotes", "Lots"),
}


@pytest.fixture(scope="module", autouse=True)
def _built() -> None:
    if not (DEFAULT_DIST / "index.html").is_file():
        pytest.fail(f"{DEFAULT_DIST} is not built: run `make webapp` first")


def phone(browser: Browser, width: int = 390, locale: str = "es-MX") -> BrowserContext:
    viewport: ViewportSize = {"width": width, "height": 780}
    return browser.new_context(
        locale=locale,
        viewport=viewport,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        service_workers="allow",
    )


def open_controlled(context: BrowserContext, url: str) -> Page:
    """Open the app and wait until its service worker controls the page (first visit)."""
    page = context.new_page()
    response = page.goto(url)
    assert response is not None and response.status == 200
    wait_until(page, "navigator.serviceWorker.controller !== null")
    return page


@pytest.fixture
def installed(browser: Browser, served: Served) -> Iterator[tuple[BrowserContext, Page]]:
    context = phone(browser)
    try:
        yield context, open_controlled(context, f"{served.base}/app/")
    finally:
        context.close()


def test_app_loads_and_is_installable(installed: tuple[BrowserContext, Page]) -> None:
    context, page = installed
    assert page.locator("h1").inner_text() == "Inicio"
    assert page.evaluate("document.documentElement.lang") == "es"
    manifest = page.evaluate(
        """async () => {
            const link = document.querySelector('link[rel=manifest]');
            return (await fetch(link.href)).json();
        }"""
    )
    assert manifest["start_url"] == "/app/" and manifest["scope"] == "/app/"
    assert manifest["display"] == "standalone"
    assert manifest["name"] and manifest["theme_color"] == "#1f5130"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert page.request.get(page.url.split("/app/")[0] + icon["src"]).ok, icon["src"]

    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope.endswith("/app/")
    assert page.evaluate("navigator.serviceWorker.controller.state") == "activated"
    cached = page.evaluate(
        """async () => {
            const names = await caches.keys();
            const app = names.find(n => n.startsWith('biotraza-app-'));
            const keys = await (await caches.open(app)).keys();
            return keys.map(r => new URL(r.url).pathname);
        }"""
    )
    assert "/app/index.html" in cached and "/app/manifest.webmanifest" in cached
    assert any(p.startswith("/app/assets/") and p.endswith(".js") for p in cached)
    assert page.locator("#offline-ready").inner_text() == "Lista para usarse sin conexión"

    cdp = context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's contexts are off-the-record profiles, which Chromium never installs from;
    # any other reason (manifest, icons, worker, scope) would be listed here too.
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == [], errors


def test_offline_cold_start(installed: tuple[BrowserContext, Page], served: Served) -> None:
    context, page = installed
    context.set_offline(True)
    cdp = context.new_cdp_session(page)
    cdp.send("ServiceWorker.enable")
    cdp.send("ServiceWorker.stopAllWorkers")
    page.close()
    for path, heading in (("", "Inicio"), ("plots", "Parcelas")):
        cold = context.new_page()
        response = cold.goto(f"{served.base}/app/{path}")
        assert response is not None and response.ok
        assert response.from_service_worker
        assert cold.locator("h1").inner_text() == heading
        assert cold.locator("#network").inner_text() == "Sin conexión"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        cold.screenshot(path=str(SCREENSHOTS / f"offline-{path or 'home'}-es-390.png"))
        cold.reload()
        assert cold.locator("h1").inner_text() == heading
        cold.close()


def test_lots_stay_readable_offline(installed: tuple[BrowserContext, Page], served: Served) -> None:
    context, page = installed
    page.goto(f"{served.base}/app/lots")
    page.locator("#lots li").first.wait_for()
    online_count = page.locator("#lots li").count()
    assert online_count > 0
    assert page.locator("#lots-stored").count() == 0
    assert " kg de " in page.locator("#lots li").first.inner_text()

    context.set_offline(True)
    page.reload()
    page.locator("#lots-stored").wait_for()
    page.locator("#lots li").first.wait_for()
    assert page.locator("#lots li").count() == online_count
    assert page.locator("#lots-stored").inner_text().startswith("Sin conexión: datos guardados el")


def test_language_switch_is_remembered(installed: tuple[BrowserContext, Page]) -> None:
    _context, page = installed
    switch = page.locator("#lang-switch")
    assert switch.inner_text() == "English"
    switch.click()
    assert page.locator("h1").inner_text() == "Home"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title() == "Home · Biotraza"
    page.reload()
    assert page.locator("h1").inner_text() == "Home"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#lang-switch").inner_text() == "Español"
    page.locator("#lang-switch").click()
    page.reload()
    assert page.locator("h1").inner_text() == "Inicio"


def test_menu_leads_to_every_screen(installed: tuple[BrowserContext, Page]) -> None:
    _context, page = installed
    for path, (spanish, _english) in SCREENS.items():
        page.locator("#menu-button").click()
        page.locator(f"#nav a[href='/app/{path}']").click()
        assert page.locator("h1").inner_text() == spanish
        assert page.url.endswith(f"/app/{path}")
    page.go_back()  # back to the screen opened before the last one
    assert page.locator("h1").inner_text() == list(SCREENS.values())[-2][0]


SMALL_TARGETS = """() => [...document.querySelectorAll('a, button')]
    .filter(e => e.offsetParent !== null)
    .map(e => [e.textContent.trim(), e.getBoundingClientRect()])
    .filter(([, r]) => r.height < 48 || r.width < 48)
    .map(([text, r]) => `${text}: ${Math.round(r.width)}x${Math.round(r.height)}`)"""


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_screen_fits_a_phone(browser: Browser, served: Served, width: int, lang: str) -> None:
    context = phone(browser, width)
    try:
        page = open_controlled(context, f"{served.base}/app/")
        page.evaluate(f"localStorage.setItem('biotraza.lang', '{lang}')")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for path, titles in SCREENS.items():
            page.goto(f"{served.base}/app/{path}")
            page.wait_for_load_state("networkidle")
            assert page.locator("h1").inner_text() == titles[0 if lang == "es" else 1]
            widths = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert widths[0] <= widths[1], f"{path or 'home'} overflows at {width}px: {widths}"
            assert page.evaluate(SMALL_TARGETS) == [], path
            assert "shell." not in page.locator("body").inner_text(), "a raw message key shows"
            name = f"{path or 'home'}-{lang}-{width}.png"
            page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
            assert (SCREENSHOTS / name).stat().st_size > 5_000
        page.locator("#menu-button").click()
        assert page.evaluate(SMALL_TARGETS) == []
        page.screenshot(path=str(SCREENSHOTS / f"menu-{lang}-{width}.png"), full_page=True)
    finally:
        context.close()
