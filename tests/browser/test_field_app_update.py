"""A new version of the field app replaces the old one without losing anything.

The real build is copied to a temporary folder and served by the real app (empty SQLite
ledger). After a first visit has installed version A, the test writes an outbox record to
IndexedDB and stores reference data, then publishes version B (the same files, a new
precache version in ``sw.js``, as a rebuild with any change produces). What must hold:

* B installs beside A and waits while a page of A is open: both app caches exist, the page
  keeps running A and offers "Actualizar ahora" (it never reloads by itself in the middle
  of a form);
* applying it reloads the page under B, removes A's cache only then, and keeps the
  IndexedDB record and the reference-data cache untouched.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from api.app import create_app
from api.settings import Settings
from api.web.app_files import DEFAULT_DIST
from tests.api.live_server import serve_in_thread
from tests.browser.test_field_app_browser import SCREENSHOTS, open_controlled, phone
from tests.browser.waiting import wait_until

pytestmark = pytest.mark.browser

NEW_VERSION = "feedfacefeedface"
WRITE_OUTBOX = """() => new Promise((resolve, reject) => {
    const open = indexedDB.open('biotraza-update-test', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('outbox', { keyPath: 'id' });
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
        const tx = open.result.transaction('outbox', 'readwrite');
        tx.objectStore('outbox').put({ id: 1, statement: 'signed on the phone' });
        tx.oncomplete = () => { open.result.close(); resolve(true); };
        tx.onerror = () => reject(tx.error);
    };
})"""
READ_OUTBOX = """() => new Promise((resolve, reject) => {
    const open = indexedDB.open('biotraza-update-test', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
        const get = open.result.transaction('outbox').objectStore('outbox').get(1);
        get.onsuccess = () => { open.result.close(); resolve(get.result ?? null); };
    };
})"""


@pytest.fixture
def served_copy(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    if not (DEFAULT_DIST / "index.html").is_file():
        pytest.fail(f"{DEFAULT_DIST} is not built: run `make webapp` first")
    dist = tmp_path / "dist"
    shutil.copytree(DEFAULT_DIST, dist)
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        webapp_dir=dist,
    )
    with serve_in_thread(create_app(settings)) as url:
        yield url, dist


def _caches(page: object) -> list[str]:
    return sorted(page.evaluate("caches.keys()"))  # type: ignore[attr-defined]


def test_update_waits_then_applies_without_losing_data(
    browser: Browser, served_copy: tuple[str, Path]
) -> None:
    base, dist = served_copy
    context = phone(browser)
    try:
        page = open_controlled(context, f"{base}/app/")
        page.evaluate(WRITE_OUTBOX)
        page.goto(f"{base}/app/lots")
        page.locator("#main p").nth(1).wait_for()
        wait_until(page, "caches.has('biotraza-data-v1')")
        (old_app,) = [name for name in _caches(page) if name.startswith("biotraza-app-")]

        worker = dist / "sw.js"
        text = worker.read_text()
        worker.write_text(re.sub(r'"version":"[0-9a-f]+"', f'"version":"{NEW_VERSION}"', text))
        # No navigation in between: the open page stays controlled, so B has to wait. (A
        # navigation with no other tab open lets Chromium activate B straight away, which is
        # just as safe: no page of A is left running.)
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        page.locator("#update").wait_for(timeout=30_000)
        assert "Lo que guardó en este teléfono se conserva" in page.locator("#update").inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "update-waiting-es-390.png"))
        waiting = _caches(page)
        assert old_app in waiting and f"biotraza-app-{NEW_VERSION}" in waiting

        with page.expect_navigation():
            page.locator("#update button").click()
        wait_until(page, "navigator.serviceWorker.controller !== null")
        assert page.locator("h1").inner_text() == "Lotes"
        assert page.locator("#update").count() == 0
        assert _caches(page) == ["biotraza-app-" + NEW_VERSION, "biotraza-data-v1"]
        assert page.evaluate(READ_OUTBOX) == {"id": 1, "statement": "signed on the phone"}
    finally:
        context.close()
