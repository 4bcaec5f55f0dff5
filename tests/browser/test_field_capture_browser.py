"""A field technician's day in the real app, offline, in Chromium (issue 17).

The phone opens the app once online and shows its key on "Este teléfono"; the association
enrols it (a ``device.enrolled`` signed with the demo coffee cooperative's key, sent to the
real server). Then, with the network cut: register a member (with consent: personal data
kept apart), walk a plot with emulated geolocation around a square, register an apiary at
the GPS position, record two deliveries — the first with its farm-gate purchase (price,
quality deduction, biodiversity premium; the amount shown exactly as the server computes
it) signed on the phone as ``purchase.recorded`` — open a receipt (its QR decodes, with the real
zxing-cpp decoder, to exactly the signed statement in the outbox), reload the page still
offline and find the outbox intact, in capture order, with its dependencies. Back online, the
app syncs by itself: the ledger holds exactly the six statements signed on the phone and
verifies, the member's name sits in the server's side table only, and the phone forgets it.
Screenshots of each screen in es and en at 390 px go to
``tests/browser/screenshots/field-app/capture-*``.
"""

from __future__ import annotations

import json
import math
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Geolocation, Page

from api.demo.scenario import CAFE
from api.services.ledger import LedgerService
from api.services.supply import personal_data
from labels.decode import decode_image
from labels.receipt import decode_receipt
from ledger.keystore import KeyStore
from ledger.statements import sign_statement
from tests.browser.conftest import PASSPHRASE, Served
from tests.browser.test_field_app_browser import SCREENSHOTS, open_controlled, phone
from tests.browser.waiting import wait_until

START = (-92.6, 15.6)  # Ángel Albino Corzo, Chiapas: the coffee cooperative's state (07)
OUTBOX = """(async () => {
  const open = indexedDB.open("biotraza-outbox");
  const db = await new Promise((ok, ko) => {
    open.onsuccess = () => ok(open.result);
    open.onerror = ko;
  });
  const tx = db.transaction("items", "readonly");
  const all = await new Promise((ok) => {
    const r = tx.objectStore("items").getAll();
    r.onsuccess = () => ok(r.result);
  });
  db.close();
  return JSON.stringify(all);
})()"""


WALK_DRAFT_VERTICES = """(async () => {
  const open = indexedDB.open("biotraza-walk");
  const db = await new Promise((ok, ko) => {
    open.onsuccess = () => ok(open.result);
    open.onerror = ko;
  });
  const tx = db.transaction("drafts", "readonly");
  const draft = await new Promise((ok) => {
    const r = tx.objectStore("drafts").get("plots");
    r.onsuccess = () => ok(r.result);
  });
  db.close();
  return draft ? String(draft.walk.vertices.length) : "none";
})()"""


PERSONAL_PENDING = """(async () => {
  const open = indexedDB.open("biotraza-personal");
  const db = await new Promise((ok, ko) => {
    open.onsuccess = () => ok(open.result);
    open.onerror = ko;
  });
  const tx = db.transaction("pending", "readonly");
  const n = await new Promise((ok) => {
    const r = tx.objectStore("pending").count();
    r.onsuccess = () => ok(r.result);
  });
  db.close();
  return n;
})()"""


def outbox(page: Page) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(page.evaluate(OUTBOX))
    return items


def offset(metres_east: float, metres_north: float) -> Geolocation:
    lat = START[1] + metres_north / 111_320
    lon = START[0] + metres_east / (111_320 * math.cos(math.radians(START[1])))
    return {"longitude": lon, "latitude": lat, "accuracy": 4}


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"capture-{name}"), full_page=True)


def go(page: Page, path: str) -> None:
    page.locator(f'#nav a[data-screen="{path}"]').first.evaluate("a => a.click()")
    page.locator("h1").first.wait_for()


@pytest.fixture
def field_phone(browser: Browser) -> Iterator[BrowserContext]:
    context = phone(browser)
    context.grant_permissions(["geolocation"])
    context.set_geolocation(offset(0, 0))
    try:
        yield context
    finally:
        context.close()


def enrol(served: Served, public_key: str) -> None:
    """The office's side, as the association's key signs it (the demo coffee cooperative)."""
    key = KeyStore(served.key_dir).load(CAFE, PASSPHRASE)
    body = {
        "org_id": "cafe-sierra",
        "public_key": public_key,
        "label": "Técnico Siltepec 1",
        "entry_types": [
            "producer.registered",
            "plot.registered",
            "apiary.registered",
            "lot.harvested",
            "purchase.recorded",
        ],
    }
    request = urllib.request.Request(
        f"{served.base}/api/v1/entries",
        data=json.dumps(sign_statement(key, "device.enrolled", body).to_dict()).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310 - the local test server
        assert answer.status == 201


def test_a_day_of_field_work_offline(field_phone: BrowserContext, served: Served) -> None:
    page = open_controlled(field_phone, f"{served.base}/app/setup")
    page.locator("#public-key").wait_for()
    public_key = page.locator("#public-key").inner_text()
    code = page.locator("#short-code").inner_text()
    assert len(code) == 14 and code[4] == "-" and code[9] == "-"
    wait_until(page, "document.querySelector('#enrolment')?.dataset.status === 'not_enrolled'")
    enrol(served, public_key)
    page.locator("#refresh-enrolment").click()
    wait_until(page, "document.querySelector('#enrolment')?.dataset.status === 'active'")
    assert "cafe-sierra" in page.locator("#association").inner_text()
    # The references the pickers read, once online, so the worker keeps copies.
    shot(page, "setup-es-390.png")

    field_phone.set_offline(True)
    wait_until(page, "!navigator.onLine")

    # A member, with consent: personal data goes to the side store, never into the body.
    go(page, "members")
    # A half-filled form is a draft: it survives a reload; discarding asks first.
    page.fill("#f-community", "Borrador de prueba")
    page.reload()
    page.locator("#f-community").wait_for()
    assert page.locator("#f-community").input_value() == "Borrador de prueba"
    page.locator(".discard").click()
    page.locator(".discard-no").click()
    assert page.locator("#f-community").input_value() == "Borrador de prueba"
    page.locator(".discard").click()
    page.locator(".discard-yes").click()
    assert page.locator("#f-community").input_value() == ""
    # Bad input is refused at the field, in the user's language; nothing is signed.
    page.locator("#f-consent").check()
    page.locator(".save").click()
    assert "nombre completo" in page.locator('[data-field="name"]').inner_text()
    assert outbox(page) == []
    page.locator("#f-consent").uncheck()
    page.fill("#f-producer_id", "p-campo-01")
    page.fill("#f-community", "Ejido Nueva Esperanza")
    page.locator("#f-consent").check()
    page.fill("#f-name", "Rosa Hernández Gómez")
    page.fill("#f-phone", "+52 961 555 0101")
    # Sex, year of birth and language are personal data: asked only with consent.
    page.select_option("#f-gender", "female")
    page.fill("#f-birth_year", "1994")
    page.select_option("#f-speaker", "yes")
    page.locator("#f-statistics").check()
    page.locator(".save").click()
    page.locator("#saved").wait_for()
    page.locator('#members [data-id="p-campo-01"]').wait_for()
    shot(page, "members-es-390.png")

    # A plot walked around a 100 m square, a fix every 10 m.
    go(page, "plots")
    page.select_option("#f-producer_id", "p-campo-01")
    page.fill("#f-plot_id", "pl-campo-01")
    page.locator(".plot-start").click()
    corners = [(0, 0), (100, 0), (100, 100), (0, 100), (0, 0)]
    for side, ((x0, y0), (x1, y1)) in enumerate(zip(corners, corners[1:], strict=False)):
        if side == 2:
            # Half way round the battery dies (a reload, still offline): the walk is kept
            # and goes on from the same vertices after "Continuar recorrido".
            walked = page.locator(".plot-vertices").inner_text()
            assert int(walked) >= 10
            wait_until(page, f"{WALK_DRAFT_VERTICES}.then((n) => n === '{walked}')")
            page.reload()
            page.locator("#walk-resume").wait_for()
            assert f"{walked} vértices" in page.locator("#walk-resume").inner_text()
            shot(page, "plots-resume-es-390.png")
            page.locator(".walk-continue").click()
            assert page.locator(".plot-vertices").inner_text() == walked
            page.locator(".plot-stop").wait_for()  # still walking
        for step in range(1, 11):
            field_phone.set_geolocation(
                offset(x0 + (x1 - x0) * step / 10, y0 + (y1 - y0) * step / 10)
            )
            page.wait_for_timeout(60)
    page.locator(".plot-stop").click()
    page.locator(".plot-valid").wait_for()
    shot(page, "plots-es-390.png")
    page.locator(".plot-done").click()
    page.locator("#plot-captured").wait_for()
    # Handed to the form: no longer kept apart.
    wait_until(page, f"{WALK_DRAFT_VERTICES}.then((n) => n === 'none')")
    page.locator(".save").click()
    page.locator("#saved").wait_for()

    # An apiary at the GPS position, 24 hives.
    go(page, "apiaries")
    field_phone.set_geolocation(offset(300, 300))
    page.select_option("#f-producer_id", "p-campo-01")
    page.fill("#f-hive_count", "24")
    page.locator(".apiary-use-gps").click()
    page.locator("#apiary-position").wait_for()
    page.locator(".save").click()
    page.locator("#saved").wait_for()
    shot(page, "apiaries-es-390.png")

    # Two deliveries: coffee cherry from the plot, raw honey from the apiary.
    go(page, "deliveries")
    page.select_option("#f-producer_id", "p-campo-01")
    page.select_option("#f-origin", "plot:pl-campo-01")
    page.fill("#f-lot_id", "h-campo-01")
    page.fill("#f-quantity_kg", "1,250.5")
    page.fill("#f-notes", "Cereza madura, bien seleccionada")
    page.check("#f-buy")
    page.fill("#f-price_per_kg_mxn", "7.35")
    page.locator('[id="f-deductions.0.amount_mxn"]').fill("120.5")
    page.locator('[id="f-premiums.0.amount_mxn"]').fill("1,000")
    assert page.locator("#purchase-amount").inner_text() == "Importe a pagar: $ 10,070.68 MXN"
    shot(page, "deliveries-purchase-es-390.png")
    page.locator(".save").click()
    page.locator("#saved").wait_for()
    page.select_option("#f-producer_id", "p-campo-01")
    apiary_value = page.locator("#f-origin option[value^='apiary:']").first.get_attribute("value")
    assert apiary_value is not None
    page.select_option("#f-origin", apiary_value)
    page.fill("#f-lot_id", "h-campo-02")
    page.fill("#f-quantity_kg", "80")
    page.locator(".save").click()
    page.locator("#saved").wait_for()
    shot(page, "deliveries-es-390.png")

    # The receipt of the first delivery: its QR is the signed statement in the outbox.
    page.goto(f"{served.base}/app/receipts?lot=h-campo-01")
    page.locator("#receipt-qr").wait_for()
    assert "1,250.5 kg" in page.locator('[data-fact="weight"]').inner_text()
    # Verified on screen, offline, against the trust list the worker kept and the root key
    # pinned from its genesis (as `biotraza receipt verify`).
    page.locator("#receipt-verdict[data-status=valid]").wait_for()
    assert "Recibo válido" in page.locator("#receipt-verdict").inner_text()
    assert "Recibo auténtico" in page.locator("#receipt-verdict").inner_text()
    assert page.evaluate("JSON.parse(localStorage.getItem('biotraza.rootKeys')).length") >= 1
    shot(page, "receipt-es-390.png")
    # A receipt pasted in: the same text verifies; one with a digit changed does not.
    page.locator("#receipt-text").fill(page.locator("#receipt-code").text_content() or "")
    page.locator("#receipt-check").click()
    page.locator("#pasted-verdict[data-status=valid]").wait_for()
    assert "h-campo-01" in page.locator("#pasted-verdict").inner_text()
    text = page.locator("#receipt-code").text_content() or ""
    forged = text[:-3] + ("1" if text[-3] != "1" else "2") + text[-2:]
    page.locator("#receipt-text").fill(forged)
    page.locator("#receipt-check").click()
    page.locator("#pasted-verdict.invalid").wait_for()
    assert "Recibo no válido" in page.locator("#pasted-verdict").inner_text()
    shot(page, "receipt-check-es-390.png")
    decoded = decode_image(page.locator("#receipt-qr").screenshot())
    assert len(decoded) == 1, "the receipt QR does not decode"
    signed = decode_receipt(decoded[0])

    items = outbox(page)
    assert [i["signed"]["statement"]["type"] for i in items] == [
        "producer.registered",
        "plot.registered",
        "apiary.registered",
        "lot.harvested",
        "purchase.recorded",
        "lot.harvested",
    ]
    assert signed.to_dict() == items[3]["signed"]
    member, plot, apiary, first, purchase, second = items
    assert purchase["dependsOn"] == [first["key"]]
    assert purchase["signed"]["statement"]["body"]["amount_mxn"] == "10070.68"
    assert purchase["signed"]["statement"]["actor"] == first["signed"]["statement"]["actor"]
    assert (
        "Hernández" not in json.dumps(member["signed"], ensure_ascii=False)
        and "gender" not in member["signed"]["statement"]["body"]
        and len(member["signed"]["statement"]["body"]["pii_hash"]) == 64
    )
    assert plot["dependsOn"] == [member["key"]] and apiary["dependsOn"] == [member["key"]]
    assert plot["signed"]["statement"]["body"]["geometry"]["type"] == "Polygon"
    assert 0.9 < plot["signed"]["statement"]["body"]["area_ha"] < 1.1
    assert first["dependsOn"] == [plot["key"], member["key"]]
    assert first["signed"]["statement"]["body"]["quantity_kg"] == 1250.5
    assert first["meta"]["notes"] == "Cereza madura, bien seleccionada"
    assert "notes" not in json.dumps(first["signed"])
    assert second["signed"]["statement"]["body"]["form"] == "raw"
    assert {i["state"] for i in items} == {"queued"}

    # Reload while still offline: the app starts from the worker, the outbox is intact.
    page.reload()
    page.locator("#receipt-qr").wait_for()
    assert outbox(page) == items
    assert page.locator("#outbox-count").inner_text().endswith("6")

    # The same screens in English.
    page.locator(".topbar .button", has_text="English").first.click()
    for screen in ["setup", "members", "plots", "apiaries", "deliveries"]:
        go(page, screen)
        page.wait_for_timeout(200)
        shot(page, f"{screen}-en-390.png")
    page.goto(f"{served.base}/app/receipts?lot=h-campo-01")
    page.locator("#receipt-qr").wait_for()
    assert "Delivery receipt" in page.locator("#receipt").inner_text()
    page.locator("#receipt-verdict[data-status=valid]").wait_for()
    assert "Valid receipt" in page.locator("#receipt-verdict").inner_text()
    assert "Genuine receipt" in page.locator("#receipt-verdict").inner_text()
    shot(page, "receipt-en-390.png")

    # Back online: the member's personal data goes to the producers route (never the ledger)
    # and the phone forgets it once the server has it; the outbox syncs by itself.
    assert page.evaluate(PERSONAL_PENDING) == 1, "the personal data waits on the phone"
    field_phone.set_offline(False)
    wait_until(page, PERSONAL_PENDING + ".then((n) => n === 0)")
    # The app syncs by itself once online: every item is admitted, as signed on the phone.
    wait_until(
        page,
        OUTBOX
        + ".then((t) => JSON.parse(t).every((i) => ['accepted', 'confirmed'].includes(i.state)))",
        timeout_ms=60_000,
    )
    service = LedgerService.open(f"sqlite:///{served.key_dir.parent / 'ledger.db'}")
    try:
        device = items[0]["signed"]["statement"]["actor"]
        mine = [
            e for e in service.entries(0, service.head().size) if e.signed.statement.actor == device
        ]
        assert [e.signed.to_dict() for e in mine] == [i["signed"] for i in items]
        assert service.verify().size == service.head().size
        stored = personal_data(service, "p-campo-01")
        assert stored is not None and stored.data["name"] == "Rosa Hernández Gómez"
        assert (stored.data["gender"], stored.data["birth_year"]) == ("female", 1994)
        assert stored.data["indigenous_language_speaker"] is True
        assert stored.data["consent_to_statistics"] is True
        producer = service.store.state_get("producer", "p-campo-01")
        assert producer is not None and producer["org_id"] == "cafe-sierra"
        assert producer["pii_hash"] == member["signed"]["statement"]["body"]["pii_hash"]
        recorded = service.entries(0, service.head().size)
        # The surname with its accent: "Rosa" alone turns up by chance in base64 signatures
        # and nonces of a ledger this size (one run in a few dozen).
        assert "Hernández" not in json.dumps([e.to_dict() for e in recorded], ensure_ascii=False)
        lot = service.store.state_get("lot", "h-campo-01")
        assert lot is not None and lot["quantity_g"] == 1_250_500 and lot["form"] == "cherry"
        bought = service.store.state_get("purchase", "c-h-campo-01")
        assert bought is not None and bought["amount_cents"] == 1_007_068
    finally:
        service.close()
