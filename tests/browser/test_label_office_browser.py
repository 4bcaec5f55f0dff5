"""The label office in a real Chromium, on the demo ledger, on SQLite and on PostgreSQL.

The office imports the label-issuer key from the file ``biotraza keys export-for-browser``
writes (opened with WebCrypto and kept in IndexedDB), sees the demo's export lots with the
eligibility API's reasons (the lot whose plots failed shade cover says why, in Spanish), and
what is left to label of the eligible coffee lot. It checks and issues two numbered labels
(``label.issued`` signed in the browser), prints them as a PDF sheet (labels signed in the
browser, drawn by the CLI's renderer on the server): the PDF rendered at 300 dpi gives both QR
codes to zxing-cpp, and each verifies offline against the trust list downloaded with one click
(its signature checked against the pinned root key). It revokes the run with a reason; the
resolver page of a printed label then says it is revoked. Once the issuer key is imported
the navigation shows the label issuer's screens only. The screen is captured in es and en
at 390 and 1280 px into ``tests/browser/screenshots/label-office/`` (git-ignored), and nothing
overflows sideways at 390 px.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pypdfium2
import pytest
from playwright.sync_api import Browser, Locator, Page

from labels.decode import decode_image
from labels.trustlist import TrustList, verify_trust_list
from labels.verify import LabelStatus, check_label
from ledger.keys import public_key_bytes
from ledger.keystore import KeyStore
from tests.browser.conftest import PASSPHRASE, Served, served_on_postgres
from tests.browser.layout import assert_no_sideways_overflow
from tests.browser.office_keys import import_browser_key
from tests.browser.waiting import wait_until

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots" / "label-office"
INELIGIBLE = "cs-export-2526-001"
PHONE_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The demo on each engine: SQLite is the session's shared demo server; PostgreSQL is a
    demo built for this module on a schema of its own (as the sync-office test runs on both)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("served")
        return
    with served_on_postgres(tmp_path_factory.mktemp("label-office-pg")) as info:
        yield info


def _office(browser: Browser, width: int) -> Page:
    context = browser.new_context(
        locale="es-MX", viewport={"width": width, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def _import_key(page: Page, served: Served, tmp_path: Path) -> str:
    key = KeyStore(served.key_dir).load("label-issuer", PASSPHRASE)
    return import_browser_key(
        page, key, tmp_path / "label-issuer.browser-key.json", loaded="#issuer-key"
    )


def _qr_texts(pdf: bytes) -> list[str]:
    found: list[str] = []
    for page in pypdfium2.PdfDocument(pdf):
        png = io.BytesIO()
        page.render(scale=300 / 72, grayscale=True).to_pil().save(png, format="PNG")
        found.extend(decode_image(png.getvalue()))
    return sorted(set(found))


def _root_subjects(api: dict[str, Any]) -> set[str]:
    """The plots, apiaries and lots at the roots of an eligibility answer's reasons."""
    return {c["subject"] for r in api["reasons"] for c in r.get("causes") or [r]}


def _says_briefly(lot: Locator, api: dict[str, Any], lang: str) -> None:
    """The lot's summary names every root failure, translated, with dd/mm/aaaa dates, and
    none of the API's chain wording."""
    summary = lot.locator(".why").inner_text()
    assert summary.strip(), "no summary"
    for subject in _root_subjects(api):
        assert subject.split(":", 1)[1] in summary, (subject, summary)
    assert re.search(r"\b\d{2}/\d{2}/\d{4}\b", summary), summary
    assert not re.search(r"\d{4}-\d{2}-\d{2}", summary), summary
    if lang == "es":
        assert "café" in summary and "coffee" not in summary, summary
        assert "no es elegible" not in summary and "Parcela" in summary, summary
    else:
        assert "coffee" in summary and "is not eligible" not in summary, summary
        assert "Plot" in summary, summary


def test_issue_print_revoke_and_resolve(browser: Browser, demo: Served, tmp_path: Path) -> None:
    served = demo
    page = _office(browser, 390)
    page.goto(served.base + "/app/labels")
    key_id = _import_key(page, served, tmp_path)
    assert key_id[:12] in page.locator("#issuer-key").inner_text()
    assert page.locator("#not-issuer").count() == 0
    # The navigation now shows this browser's role only: the label issuer's screens.
    wait_until(page, "!document.querySelector('#nav a[data-screen=\"members\"]')")
    shown = page.locator("#nav a[data-screen]").evaluate_all(
        "links => links.map(a => a.dataset.screen)"
    )
    assert shown == ["home", "setup", "lots", "labels"]

    # The ineligible export lot says briefly why: the plots at fault, the product in Spanish,
    # Mexican dates; the eligibility API's whole sentence chain is behind "Detalles".
    ineligible = page.locator(f'li.lot[data-lot-id="{INELIGIBLE}"]')
    assert ineligible.get_attribute("data-eligible") == "false"
    api = page.request.get(f"{served.base}/api/v1/lots/{INELIGIBLE}/eligibility").json()
    _says_briefly(ineligible, api, "es")
    assert not ineligible.locator(".reasons").is_visible()
    ineligible.locator(".why-details summary").click()
    shown = ineligible.locator(".reasons li").all_inner_texts()
    assert shown == [r["message_es"] for r in api["reasons"]] and shown

    lot = page.locator(f'li.lot[data-lot-id="{served.lot_id}"]')
    assert lot.get_attribute("data-eligible") == "true"
    before = page.request.get(f"{served.base}/api/v1/labels/lots").json()
    [doc] = [d for d in before["data"] if d["lot_id"] == served.lot_id]
    assert "Quedan" in lot.locator(".remaining").inner_text()
    lot.locator(".lot-open").click()

    # Check, then issue two numbered labels signed by the browser's key.
    page.locator("#issue-units").fill("2")
    page.locator("#issue-serials").check()
    page.locator("#issue-serial-from").fill("7001")
    page.locator("#issue-check").click()
    page.get_by_text("Se puede emitir").wait_for()
    page.locator("#issue-submit").click()
    page.get_by_text("Emisión registrada").wait_for()
    seq = int(
        page.locator("#issue-status").inner_text().split("n.º ")[1].rstrip(").").replace(",", "")
    )
    issued = page.request.get(f"{served.base}/api/v1/labels/{seq}").json()
    assert issued["key_id"] == key_id and issued["serial_from"] == 7001 and issued["units"] == 2
    after = page.request.get(f"{served.base}/api/v1/labels/lots").json()
    [now] = [d for d in after["data"] if d["lot_id"] == served.lot_id]
    assert now["available_g"] == doc["available_g"] - 2 * doc["unit_g"]
    page.locator(".remaining").first.wait_for()

    run = page.locator(f'li.run[data-seq="{seq}"]')
    run.wait_for()
    run.locator(".run-preview").click()
    preview = run.locator("img.label-preview")
    preview.wait_for()
    wait_until(
        page,
        "[...document.querySelectorAll('img.label-preview')]"
        ".every(i => i.complete && i.naturalWidth > 0)",
    )
    page.screenshot(path=str(SCREENSHOTS / "issued-es-390.png"), full_page=True)
    assert_no_sideways_overflow(page)

    # Print the A4 sheet: both QR codes decode and verify offline against the trust list.
    with page.expect_download() as sheet_download:
        run.locator(".run-print").click()
    pdf = Path(sheet_download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    texts = _qr_texts(pdf)
    assert len(texts) == 2 and all(f"/21/700{n}?" in t for n, t in zip((1, 2), texts, strict=True))
    with page.expect_download() as list_download:
        page.locator("#trustlist").click()
    trust_list = TrustList.from_bytes(Path(list_download.value.path()).read_bytes())
    root = KeyStore(served.key_dir).load("root", PASSPHRASE)
    verify_trust_list(trust_list, [public_key_bytes(root)])
    for text in texts:
        verdict = check_label(text, trust_list)
        assert verdict.status in (LabelStatus.VALID, LabelStatus.VALID_UNTRUSTED_HOST), verdict

    # Scans: the resolver counts a look at a printed label; the office sees it.
    target = urlsplit(texts[0])
    phone = browser.new_context(locale="es-MX", user_agent=PHONE_AGENT)  # a person, not a bot
    resolver = phone.new_page()
    resolver.goto(f"{served.base}{target.path}?{target.query}")
    assert resolver.locator("#verdict h1").inner_text() == "Etiqueta auténtica"
    deadline = time.monotonic() + 15  # the resolver writes scans just after its response
    while run.locator(".scans tr[data-serial='7001']").count() == 0:
        assert time.monotonic() < deadline, "the scan never showed in the office"
        run.locator(".run-scans").click()
        time.sleep(0.3)
    row = run.locator(".scans tr[data-serial='7001'] td").all_inner_texts()
    assert row[1:4] == ["1", "1", "1"] and row[4] == "Normal"

    # Revoke the run with a reason; the resolver then says the label is revoked.
    run.locator(".run-reason").fill("Impresión con tinta corrida")
    run.locator(".run-revoke").click()
    page.locator(f'li.run[data-seq="{seq}"][data-status="revoked"]').wait_for()
    assert (
        "Impresión con tinta corrida"
        in page.locator(f'li.run[data-seq="{seq}"] .run-status').inner_text()
    )
    resolver.goto(f"{served.base}{target.path}?{target.query}")
    assert resolver.locator("#verdict h1").inner_text() == "Etiqueta revocada"
    assert "Impresión con tinta corrida" in resolver.locator("#verdict-reason").inner_text()
    phone.close()
    page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_screens_in_both_languages(
    browser: Browser, demo: Served, tmp_path: Path, width: int
) -> None:
    served = demo
    page = _office(browser, width)
    page.goto(served.base + "/app/labels")
    _import_key(page, served, tmp_path)
    page.locator(f'li.lot[data-lot-id="{served.lot_id}"] .lot-open').click()
    page.locator("li.run").first.wait_for()
    for lang in ("es", "en"):
        if lang == "en":
            page.locator("#lang-switch").click()
            page.get_by_text("Labels issued").wait_for()
        else:
            page.get_by_text("Etiquetas emitidas").wait_for()
        ineligible = page.locator(f'li.lot[data-lot-id="{INELIGIBLE}"]')
        api = page.request.get(f"{served.base}/api/v1/lots/{INELIGIBLE}/eligibility").json()
        _says_briefly(ineligible, api, lang)
        page.screenshot(path=str(SCREENSHOTS / f"labels-{lang}-{width}.png"), full_page=True)
        ineligible.screenshot(path=str(SCREENSHOTS / f"ineligible-{lang}-{width}.png"))
        assert_no_sideways_overflow(page)
    # Every button is a large touch target.
    small = page.evaluate(
        "[...document.querySelectorAll('.label-office button, .label-office a.button')]"
        ".filter(b => b.offsetParent !== null && b.getBoundingClientRect().height < 44).length"
    )
    assert small == 0
    page.context.close()
