"""The certifier's screen in Chromium against the demo server (docs/certifier-app.md).

A browser asks to be enrolled, the root grants its key the certifier role for ``certimex``
(as ``biotraza keys grant-browser`` does), the inspector downloads the plan of Café Sierra
Azul against ``coffee-ab@1``, goes offline and records evidence with a photo for the demo's
two failing plots: ``cs-plot07`` now at 45 % shade cover (passes), ``cs-plot14`` still at
25 % (fails); a cold start without network keeps the plan and the observations. The
findings show on the device, and still offline a verification of ``cs-plot07`` is signed on
the device key (findings version 2: it lists its evidence by id) and waits in the outbox
behind its evidence. Online again, the sync sends the evidence, the photos and then the
verification, which the ledger admits (it recomputed the findings from the listed
evidence). The export lot ``cs-export-2526-001`` then names only ``cs-plot14`` among its
uncertified plots. Screens in es and en at 390 and 1280 px.

On a phone the findings fold per plot: only the plot being inspected is open, each other one
is a large header button (``aria-expanded``, keyboard operable, es/en) that says how many of
its findings fail, lack evidence and pass; the page's height is measured folded and opened.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from api.app import create_app
from api.demo.scenario import DEMO_ORGS
from ledger.keystore import KeyStore
from ledger.read_auth import sign_read
from ledger.statements import sign_statement
from tests.browser.conftest import PASSPHRASE, Served, _free_port, _prepare
from tests.browser.waiting import wait_until

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots" / "certifier"
CAFE = str(DEMO_ORGS["org-cafe-sierra"]["org_id"])
EXPORT_LOT = "cs-export-2526-001"
PHOTO = b"\xff\xd8\xff\xe0" + b"JPEG bytes of the canopy over cs-plot07" * 40 + b"\xff\xd9"


@pytest.fixture(scope="module")
def own_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A demo server of this module's own: the inspection changes the demo's certification
    (the resolver's page tests expect the demo as built), so it does not share theirs."""
    port = _free_port()
    cfg, info = _prepare(tmp_path_factory.mktemp("certifier-demo"), port)
    server = uvicorn.Server(
        uvicorn.Config(create_app(cfg), host="127.0.0.1", port=port, log_level="warning", ws="none")
    )
    thread = threading.Thread(target=server.run, name="uvicorn-certifier-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    try:
        yield info
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _get(served: Served, path: str) -> Any:
    with urllib.request.urlopen(f"{served.base}{path}", timeout=10) as answer:  # noqa: S310
        return json.loads(answer.read())


def _context(browser: Browser, width: int, locale: str = "es-MX") -> BrowserContext:
    viewport: ViewportSize = {"width": width, "height": 900}
    return browser.new_context(
        locale=locale,
        viewport=viewport,
        service_workers="allow",
        geolocation={"latitude": 15.6012, "longitude": -92.5991, "accuracy": 6},
        permissions=["geolocation"],
    )


def _grant(served: Served, public_key: str) -> None:
    """What `biotraza keys grant-browser CODE --role certifier --scope certifier_id=certimex`
    signs, submitted to the served ledger."""
    root = KeyStore(served.key_dir).load("root", PASSPHRASE)
    body = {
        "name": "Inspectora Certimex (navegador)",
        "public_key": public_key,
        "role": "certifier",
        "scope": {"certifier_id": "certimex"},
    }
    data = json.dumps(sign_statement(root, "key.added", body).to_dict()).encode()
    request = urllib.request.Request(  # noqa: S310
        f"{served.base}/api/v1/entries", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        assert answer.status == 201


def _enrol(page: Page, served: Served) -> None:
    page.locator("#certifier-label").fill("Inspectora Certimex")
    page.locator("#certifier-request").click()
    wait_until(page, "document.querySelector('#certifier-enrol-message') !== null")
    assert "código" in page.locator("#certifier-enrol-message").inner_text()
    code = page.locator("#certifier-code").inner_text()
    request = _get(served, f"/api/v1/device-requests/{code}")
    _grant(served, request["public_key"])
    deadline = time.monotonic() + 60  # the trust list follows the next checkpoint (≤ 10 s)
    while page.locator("#certifier-body").count() == 0:
        assert time.monotonic() < deadline, "the trust list never listed the certifier key"
        page.locator("#certifier-recheck").click()
        page.wait_for_timeout(1000)


def _record(page: Page, plot: str, values: dict[str, str], photo: Path | None) -> None:
    page.locator(f"#subject-plot-{plot} summary").click()
    for field, value in values.items():
        box = page.locator(f"#subject-plot-{plot} [data-field='{field}']")
        if box.evaluate("e => e.tagName") == "SELECT":
            box.select_option(value)
        else:
            box.fill(value)
    if photo is not None:
        page.locator(f"#photo-{plot}").set_input_files(str(photo))
    page.locator(f"#save-{plot}").click()
    wait_until(page, f"document.querySelector('#subject-plot-{plot} [role=status]') !== null")


PASSING = {
    "shade_cover_pct": "45",
    "native_woody_species_count": "12",
    "canopy_height_m": "14.5",
    "canopy_strata_count": "3",
    "stream_buffer_m": "8",
    "river_buffer_m": "12",
    "agrochemicals_used": "",
    "deforestation_free_since_2020_12_31": "true",
    "leaf_litter_present": "true",
    "herbaceous_layer_present": "true",
}


def test_an_inspection_offline_signed_on_the_device(
    browser: Browser, own_demo: Served, tmp_path: Path
) -> None:
    served = own_demo
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = _get(served, f"/api/v1/lots/{EXPORT_LOT}/eligibility")
    assert not before["eligible"]
    assert "plot:cs-plot07" in json.dumps(before) and "plot:cs-plot14" in json.dumps(before)
    photo = tmp_path / "sombra-cs-plot07.jpg"
    photo.write_bytes(PHOTO)
    context = _context(browser, 390)
    try:
        page = context.new_page()
        page.goto(f"{served.base}/app/")
        wait_until(page, "navigator.serviceWorker.controller !== null")
        page.goto(f"{served.base}/app/inspection")
        assert page.locator("h1").inner_text() == "Inspección"
        _enrol(page, served)

        page.locator("#plan-association").fill(CAFE)
        page.locator("#plan-submit").click()
        wait_until(page, "document.querySelector('#inspection') !== null")
        context.set_offline(True)
        wait_until(page, "!navigator.onLine")
        _record(page, "cs-plot07", PASSING, photo)
        _record(page, "cs-plot14", {**PASSING, "shade_cover_pct": "25"}, None)
        # A cold start without network keeps the role, the plan and the observations.
        page.reload()
        wait_until(page, "document.querySelector('#stored-plans') !== null")
        assert page.locator("#plan-submit").is_disabled()
        page.locator("#stored-plans button").first.click()
        wait_until(page, "document.querySelector('#inspection') !== null")
        wait_until(page, "document.querySelector('#findings') !== null")
        # On a phone the findings are cards (the table is for wide screens).
        shade = "#findings li.finding-card[data-criterion='CAB-SHADE-COVER'][data-subject='{}']"
        wait_until(page, f'document.querySelector("{shade.format("cs-plot14")}") !== null')
        assert page.locator(shade.format("cs-plot07")).get_attribute("data-status") == "pass"
        failing = page.locator(shade.format("cs-plot14"))
        assert failing.get_attribute("data-status") == "fail"
        assert failing.is_visible() and not page.locator("#findings table.findings").is_visible()
        card = failing.inner_text()
        assert "No cumple" in card and "25 %" in card and "≥ 40 %" in card, card
        assert page.locator("#findings").get_attribute("data-result") == "fail"
        page.screenshot(path=str(SCREENSHOTS / "findings-es-390.png"), full_page=True)

        # Only the passing plot goes into this verification.
        page.locator("#choose-cs-plot14").uncheck()
        wait_until(page, "document.querySelector('#findings')?.dataset.result === 'pass'")
        assert page.locator("#presign-ok").count() == 1
        page.locator("#verification-id").fill("cs-ver-browser-07")
        page.locator("#valid-from").fill("2025-12-01")
        page.locator("#valid-until").fill("2026-12-31")
        # Signed with no network at all: no seq is needed, nothing asks for a connection.
        page.locator("#sign-verification").click()
        wait_until(page, "document.querySelector('#certifier-message') !== null")
        message = page.locator("#certifier-message").inner_text()
        assert "cs-ver-browser-07" in message and "firmada" in message, message
        assert "en Envío" in message and "señal" in message, message
        assert "conexión" not in page.locator("#inspection").inner_text()
        outbox = page.evaluate(
            """() => new Promise((done, fail) => {
                const open = indexedDB.open('biotraza-outbox');
                open.onerror = () => fail(open.error);
                open.onsuccess = () => {
                  const items = open.result.transaction('items').objectStore('items');
                  const read = items.getAll();  // by capture order
                  read.onsuccess = () => done(read.result.map(
                    (i) => [i.signed.statement.type, i.signed.statement.body]));
                };
              })"""
        )
        types = [entry_type for entry_type, _ in outbox]
        typed = sum(1 for value in PASSING.values() if value)  # an empty box records nothing
        assert types.count("evidence.recorded") == 2 * typed, types
        assert types[-1] == "verification.issued", types  # after its evidence
        signed_body = outbox[-1][1]
        assert signed_body["findings_version"] == 2
        listed = set(signed_body["evidence_ids"])
        mine = {b["evidence_id"] for t, b in outbox if t == "evidence.recorded"}
        plot07 = {b["evidence_id"] for t, b in outbox[:-1] if b["subject_id"] == "cs-plot07"}
        assert plot07 <= listed and not (listed & (mine - plot07)), "lists cs-plot07's only"
        with pytest.raises(urllib.error.HTTPError):
            _get(served, "/api/v1/verifications/cs-ver-browser-07")
        # Signal returns: the outbox syncs by itself, the evidence first.
        context.set_offline(False)
        wait_until(page, "navigator.onLine")
        deadline = time.monotonic() + 60
        while True:
            try:
                verification = _get(served, "/api/v1/verifications/cs-ver-browser-07")
                break
            except urllib.error.HTTPError:
                assert time.monotonic() < deadline, "the verification never reached the ledger"
                page.wait_for_timeout(1000)
        assert verification["result"] == "pass"
        assert verification["scope"]["plots"] == ["cs-plot07"]
        photo_hash = hashlib.sha256(PHOTO).hexdigest()
        path = f"/api/v1/blobs/{photo_hash}"
        root = KeyStore(served.key_dir).load("root", PASSPHRASE)
        request = urllib.request.Request(
            served.base + path, headers={"Authorization": sign_read(root, path)}
        )
        with urllib.request.urlopen(request, timeout=10) as got:  # noqa: S310
            assert got.read() == PHOTO
        with pytest.raises(urllib.error.HTTPError) as unsigned:  # evidence files are private
            urllib.request.urlopen(served.base + path, timeout=10)  # noqa: S310
        assert unsigned.value.code == 401
        after = _get(served, f"/api/v1/lots/{EXPORT_LOT}/eligibility")
        assert not after["eligible"]
        assert "plot:cs-plot14" in json.dumps(after)
        assert "plot:cs-plot07" not in json.dumps(after), after
        for lang, width in (("es", 1280), ("en", 390), ("en", 1280)):
            page.evaluate(f"localStorage.setItem('biotraza.lang', '{lang}')")
            page.set_viewport_size({"width": width, "height": 900})
            page.reload()
            wait_until(page, "document.querySelector('#stored-plans') !== null")
            page.locator("#stored-plans button").first.click()
            wait_until(page, "document.querySelector('#findings') !== null")
            widths = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert widths[0] <= widths[1], f"overflows at {width}px: {widths}"
            assert "certifier." not in page.locator("body").inner_text()
            wait_until(page, "document.querySelector('#findings [data-subject]') !== null")
            cards = page.locator("#findings .finding-groups")
            table = page.locator("#findings table.findings")
            assert (cards.is_visible(), table.is_visible()) == (width < 768, width >= 768)
            passing = "[data-criterion='CAB-SHADE-COVER'][data-subject='cs-plot07']"
            shown = page.locator(f"#findings {'li' if width < 768 else 'tr'}{passing}")
            assert ("Pass" if lang == "en" else "Cumple") in shown.inner_text()
            page.locator("#findings").screenshot(
                path=str(SCREENSHOTS / f"findings-{lang}-{width}.png")
            )
            page.screenshot(
                path=str(SCREENSHOTS / f"inspection-{lang}-{width}.png"), full_page=True
            )
    finally:
        context.close()


def _height(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


def test_findings_fold_per_plot_on_a_phone(
    browser: Browser, own_demo: Served, tmp_path: Path
) -> None:
    """Three plots inspected at 390 px: the last one inspected is open, the two others are
    folded; opening them by keyboard (Enter, Space) grows the page by their cards and
    folding them back returns it to its height. The heights are written next to the
    screenshots (``heights.json``)."""
    served = own_demo
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = _context(browser, 390)
    try:
        page = context.new_page()
        page.goto(f"{served.base}/app/inspection")
        _enrol(page, served)
        page.locator("#plan-association").fill(CAFE)
        page.locator("#plan-submit").click()
        wait_until(page, "document.querySelector('#inspection') !== null")
        plots = ("cs-plot03", "cs-plot05", "cs-plot09")
        for plot in plots[:-1]:
            _record(page, plot, PASSING, None)
        _record(page, plots[-1], {**PASSING, "shade_cover_pct": "25"}, None)
        for plot in plots:  # the forms fold again: only the findings are measured
            page.locator(f"#subject-plot-{plot} summary").click()
        wait_until(page, "document.querySelectorAll('#findings .finding-group').length >= 3")
        toggles = {plot: page.locator(f"#toggle-plot-{plot}") for plot in plots}
        wait_until(page, f"document.querySelector('#toggle-plot-{plots[-1]}') !== null")
        expanded = {plot: toggle.get_attribute("aria-expanded") for plot, toggle in toggles.items()}
        assert expanded == {plots[0]: "false", plots[1]: "false", plots[2]: "true"}, expanded
        cards = "#finding-group-plot-{} li.finding-card"
        assert page.locator(cards.format(plots[2])).first.is_visible()
        assert not page.locator(cards.format(plots[0])).first.is_visible()
        header = toggles[plots[2]].inner_text()
        assert "Parcela cs-plot09" in header and "No cumple: 1" in header, header
        assert "Cumple: 9" in header and "Falta" not in header, header  # the demo's survey
        box = toggles[plots[0]].bounding_box()
        assert box is not None and box["height"] >= 48 and box["width"] >= 300, box
        # Each plot of the plan is one row: its include box (named for the plot, a 48 px
        # target) left of its folded form.
        include = page.get_by_label(f"Incluir {plots[0]} en la verificación")
        assert include.is_checked()  # observed, so included
        target = page.locator(f"label:has(#choose-{plots[0]})").bounding_box()
        assert target is not None and min(target["width"], target["height"]) >= 48, target
        row = page.locator("#inspection .subject-row").nth(3).bounding_box()
        assert row is not None and row["height"] <= 110, row
        folded = _height(page)
        page.screenshot(path=str(SCREENSHOTS / "folded-es-390.png"), full_page=True)

        toggles[plots[0]].focus()
        page.keyboard.press("Enter")
        wait_until(page, f"document.querySelector('#toggle-plot-{plots[0]}')"
                         ".getAttribute('aria-expanded') === 'true'")  # fmt: skip
        toggles[plots[1]].focus()
        page.keyboard.press("Space")
        wait_until(page, f"document.querySelector('#toggle-plot-{plots[1]}')"
                         ".getAttribute('aria-expanded') === 'true'")  # fmt: skip
        assert page.locator(cards.format(plots[0])).first.is_visible()
        opened = _height(page)
        per_card = page.locator(cards.format(plots[0])).first.bounding_box()
        assert per_card is not None
        shown = page.locator(cards.format(plots[0])).count()
        assert shown >= 9
        # Two plots' cards appear: the page grows by at least their height.
        assert opened - folded >= 2 * shown * per_card["height"], (folded, opened)
        page.screenshot(path=str(SCREENSHOTS / "opened-es-390.png"), full_page=True)
        for plot in plots[:2]:
            toggles[plot].click()
        wait_until(page, "document.querySelectorAll('[aria-expanded=true].finding-toggle')"
                         ".length === 1")  # fmt: skip
        assert _height(page) == folded

        page.evaluate("localStorage.setItem('biotraza.lang', 'en')")
        page.reload()
        wait_until(page, "document.querySelector('#stored-plans') !== null")
        page.locator("#stored-plans button").first.click()
        wait_until(page, f"document.querySelector('#toggle-plot-{plots[0]}') !== null")
        english = toggles[plots[0]].inner_text()
        assert "Plot cs-plot03" in english and "Pass: 10" in english, english
        assert toggles[plots[0]].get_attribute("aria-expanded") == "false"
        assert "certifier." not in page.locator("body").inner_text()
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"overflows at 390px: {widths}"
        measured = {"folded_px": folded, "opened_two_px": opened, "row_px": row["height"],
                    "card_px": per_card["height"], "cards_per_plot": shown}  # fmt: skip
        (SCREENSHOTS / "heights.json").write_text(json.dumps(measured))
    finally:
        context.close()
