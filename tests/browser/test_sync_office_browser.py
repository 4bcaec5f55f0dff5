"""The outbox's sync and the office's devices screen in a real Chromium, on both engines.

One browser profile is the association's office (it imports the association's key from the
file ``biotraza keys export-for-browser`` writes and enrols and revokes phones on the
Devices screen); another is a field phone (Envío screen: its short code, its request to be
enrolled, its outbox). The phone goes offline, captures (signing on the phone, through the
app's own ``capture``), reloads offline and finds its outbox intact, comes back online and
syncs: the ledger holds the entries signed by the phone's key, exactly once each, even after
the page was killed in the middle of a sync, and ``biotraza ledger verify`` passes. A refused
capture shows its reason (and the one that depended on it shows why it was not sent); the
office sees the refusals; a revoked phone cannot sync and says why.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from api.app import create_app
from api.services.checkpointer import CheckpointPolicy
from api.services.ledger import LedgerService, projection_key
from api.settings import Settings
from ledger.keys import encode_public_key
from ledger.statements import sign_statement
from tests.api.live_server import serve_in_thread
from tests.browser.office_keys import import_browser_key
from tests.browser.waiting import wait_until
from tests.factories import make_genesis, make_key, make_key_added
from tests.supply_factories import harvest_body, plot_body, point

BIOTRAZA = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "biotraza"
COOP = make_key("org:coop-sync")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots" / "field-app"


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[tuple[str, LedgerService, Path]]:
    """The real app on a fresh ledger: a registrar, the association ``coop-sync``; the log
    signs a checkpoint after every commit so proofs follow each sync at once."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    service = LedgerService.open(
        db_url,
        operator_key=make_key("operator"),
        checkpoint_policy=CheckpointPolicy(1, 3600.0),
        seal_key=projection_key(data_dir),
    )
    registrar = make_key("registrar")
    service.submit(make_genesis(make_key("root"), make_key("operator")))
    service.submit(make_key_added(make_key("root"), registrar, role="registrar", name="reg"))
    org = {
        "org_id": "coop-sync",
        "name": "Cooperativa Sierra Sync",
        "legal_form": "cooperativa",
        "state": "07",
        "public_key": encode_public_key(COOP),
    }
    service.submit(sign_statement(registrar, "org.registered", org))
    settings = Settings(data_dir=data_dir, database_url=db_url)
    try:
        with serve_in_thread(create_app(settings, service)) as url:
            yield url, service, data_dir
    finally:
        service.close()


def _open(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    # The service worker controls the page: it can reload offline.
    wait_until(page, "navigator.serviceWorker.controller !== null")
    return page


def _enrol(office: Page, phone: Page) -> str:
    """The phone asks, the office types its code and enrols it; returns the key id."""
    phone.locator("#device-code").get_by_text(re.compile(r"[0-9a-f]{4}-")).wait_for()
    code = re.findall(
        r"[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}", phone.locator("#device-code").inner_text()
    )[0]
    phone.locator("#device-label").fill("Técnico Siltepec 1")
    phone.locator("#request-enrolment").click()
    phone.get_by_text(f"Dé el código {code} a la oficina").wait_for()
    office.locator("#enrol-code").fill("ffff-ffff-ffff")
    office.locator("#enrol-find").click()
    office.get_by_text("Ningún teléfono con ese código pidió alta").wait_for()
    office.locator("#enrol-code").fill(code)
    office.locator("#enrol-find").click()
    office.locator("#enrol-label").wait_for()
    assert office.locator("#enrol-label").input_value() == "Técnico Siltepec 1"
    office.locator("#enrol-submit").click()
    office.get_by_text("Teléfono Técnico Siltepec 1 dado de alta").wait_for()
    device = office.locator("#devices li.device").first
    device.wait_for()
    assert device.get_attribute("data-status") == "active"
    key_id = str(device.get_attribute("data-key-id"))
    assert key_id.startswith(code.replace("-", ""))
    return key_id


CAPTURE = """async ([member, plot, stray, harvest, strayHarvest]) => {
  const b = globalThis.biotraza;
  const m = await b.capture("producer.registered", member);
  const p = await b.capture("plot.registered", plot, { dependsOn: [m.item.key] });
  const s = await b.capture("plot.registered", stray);
  const h = await b.capture("lot.harvested", harvest, { dependsOn: [p.item.key] });
  const sh = await b.capture("lot.harvested", strayHarvest, { dependsOn: [s.item.key] });
  const all = [m, p, s, h, sh];
  return { keys: all.map((c) => c.item.key), signedMs: all.map((c) => c.signedMs) };
}"""

STATES = """async () => Object.fromEntries((await (await globalThis.biotraza.outbox()).list())
  .map((i) => [i.key, [i.state, i.refusal ? i.refusal.code : null]]))"""


def _confirmed(count: int) -> str:
    """A JS expression: exactly ``count`` outbox items are confirmed."""
    return (
        f"({STATES})().then((s) => Object.values(s).filter(([st]) => st === 'confirmed')"
        f".length === {count})"
    )


def _bodies(n: int) -> list[dict[str, Any]]:
    return [
        {"producer_id": f"p-{n}"},
        plot_body(f"pl-{n}", f"p-{n}", geometry=point()),
        plot_body(f"pl-stray-{n}", "nobody", geometry=point()),
        harvest_body(f"lot-{n}", {f"pl-{n}": 120}),
        harvest_body(f"lot-stray-{n}", {f"pl-stray-{n}": 80}),
    ]


def _ledger_verify(db_url: str, data_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    env.update({"BIOTRAZA_DATA_DIR": str(data_dir), "BIOTRAZA_DATABASE_URL": db_url})
    verified = subprocess.run(  # noqa: S603 - our own CLI
        [str(BIOTRAZA), "ledger", "verify", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["ok"] is True


def _by_device(service: LedgerService, key_id: str) -> Counter[str]:
    entries = service.entries(0, 1000)
    return Counter(e.signed.statement.nonce for e in entries if e.signed.statement.actor == key_id)


def _correct_stray_plot(phone: Page) -> None:
    """On the plots form "Corregir" opened: everything as signed, the producer wrong; pick
    the registered member and sign again."""
    phone.locator("#correcting .correcting-why").wait_for()
    why = phone.locator("#correcting").inner_text()
    assert "El registro no cumple una regla." in why and "statement.body.producer_id" in why
    form = phone.locator("#plot-form")
    assert form.locator("input[name=plot_id]").input_value() == "pl-stray-1"
    form.locator("#plot-captured").wait_for()  # the boundary came along
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "correct-plot-es-390.png"), full_page=True)
    form.locator("select[name=producer_id]").select_option("p-1")
    form.locator(".save").click()
    phone.locator("#saved").wait_for()
    phone.locator("#correcting").wait_for(state="detached")


def test_offline_capture_sync_refusals_and_revocation(
    browser: Browser, server: tuple[str, LedgerService, Path], db_url: str, tmp_path: Path
) -> None:
    base, service, data_dir = server
    office_context = browser.new_context()
    phone_context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        office = _open(office_context, f"{base}/app/devices")
        phone = _open(phone_context, f"{base}/app/outbox")
        import_browser_key(
            office, COOP, tmp_path / "coop.browser-key.json", wrong_passphrase_first=True
        )
        assert "Cooperativa Sierra Sync" in office.locator("#key-loaded").inner_text()
        key_id = _enrol(office, phone)
        # The phone pinned the log operator's key on its first contact.
        wait_until(phone, "localStorage.getItem('biotraza.operatorKey') !== null")
        # ... and the root key, from the served trust list's genesis, for offline receipts.
        wait_until(phone, "localStorage.getItem('biotraza.rootKeys') !== null")

        # Offline: capture, then reload, still offline: the outbox is intact.
        phone_context.set_offline(True)
        captured = phone.evaluate(CAPTURE, _bodies(1))
        keys: list[str] = captured["keys"]
        assert all(ms < 1000 for ms in captured["signedMs"]), captured["signedMs"]
        phone.reload()
        phone.locator("#outbox-pending li.outbox-item").nth(4).wait_for()
        assert phone.locator("#outbox-counts [data-count=queued] strong").inner_text() == "5"
        assert phone.locator("#network").inner_text() == "Sin conexión"
        assert phone.evaluate(STATES) == {k: ["queued", None] for k in keys}

        # Online: the app syncs by itself; three admitted and proved, two refused.
        phone_context.set_offline(False)
        wait_until(
            phone,
            _confirmed(3),
            timeout_ms=60_000,
        )
        states = phone.evaluate(STATES)
        assert states[keys[2]] == ["refused", "rule_violation"]
        assert states[keys[4]] == ["refused", "dependency_refused"]
        refused = phone.locator("#outbox-refused li.outbox-item")
        refused.nth(1).wait_for()
        rule = phone.locator("#outbox-refused li[data-code=rule_violation]")
        assert "El registro no cumple una regla." in rule.inner_text()
        assert "statement.body.producer_id" in rule.inner_text()
        dependent = phone.locator("#outbox-refused li[data-code=dependency_refused]")
        assert "Depende de un registro que fue rechazado" in dependent.inner_text()
        mine = _by_device(service, key_id)
        assert len(mine) == 3 and set(mine.values()) == {1}
        # The dependent has no button (it follows its plot); the refused plot has "Corregir".
        assert dependent.locator("button.correct").count() == 0
        rule.locator("button.correct").click()
        _correct_stray_plot(phone)
        phone.goto(f"{base}/app/outbox")
        phone.locator("#sync-now").click()
        wait_until(phone, _confirmed(5), timeout_ms=60_000)
        states = phone.evaluate(STATES)
        assert states[keys[2]] == ["refused", "rule_violation"]  # kept, marked corrected
        assert states[keys[4]] == ["confirmed", None]  # the harvest followed its plot
        assert "Corregido por un registro nuevo" in rule.inner_text()
        assert rule.locator("button.correct").count() == 0
        mine = _by_device(service, key_id)
        assert len(mine) == 5 and set(mine.values()) == {1}

        # The page is killed in the middle of a sync: the batch reached the server and was
        # recorded, the answer never came back. A new page resends; nothing is duplicated.
        reached: list[bool] = []

        def hold(route: Any) -> None:
            route.fetch()  # the server commits the batch; the page never hears back
            reached.append(True)

        phone.route("**/api/v1/batches", hold)
        phone.evaluate(CAPTURE, _bodies(2))
        phone.evaluate("void globalThis.biotraza.syncNow().catch(() => null)")
        for _ in range(600):
            if reached:
                break
            phone.wait_for_timeout(50)
        assert reached, "the batch never left"
        sending = [st for st, _ in phone.evaluate(STATES).values() if st == "sending"]
        assert len(sending) == 5
        phone.close()
        assert len(_by_device(service, key_id)) == 8  # the server has the batch already
        phone = _open(phone_context, f"{base}/app/outbox")  # syncs at start
        wait_until(
            phone,
            _confirmed(8),
            timeout_ms=60_000,
        )
        again = _by_device(service, key_id)
        assert len(again) == 8 and set(again.values()) == {1}

        # The office sees what each phone synced and what was refused, and why.
        office.reload()
        device = office.locator(f"#devices li[data-key-id='{key_id}']")
        device.locator(".device-entries").get_by_text("Registros enviados: 8").wait_for()
        # Refusals come from their own request after the device list: wait for two of them.
        device.locator(".refusal[data-code=rule_violation]").nth(1).wait_for()
        assert "El registro no cumple una regla." in device.inner_text()

        # Revoked: the phone cannot sync and says why.
        device.locator("select.revoke-reason").select_option("lost")
        device.locator("button.revoke").click()
        office.get_by_text("Teléfono dado de baja").wait_for()
        office.locator(f"#devices li[data-key-id='{key_id}'][data-status=revoked]").wait_for()
        late = phone.evaluate(
            """async () => (await globalThis.biotraza.capture("producer.registered",
                 { producer_id: "p-late" })).item.key"""
        )
        phone.locator("#sync-now").click()
        phone.locator("#sync-stopped[data-code=device_revoked]").wait_for(timeout=60_000)
        assert (
            "La asociación dio de baja este dispositivo"
            in phone.locator("#sync-stopped").inner_text()
        )
        assert phone.evaluate(STATES)[late] == ["refused", "device_revoked"]
        assert len(_by_device(service, key_id)) == 8
    finally:
        office_context.close()
        phone_context.close()
    _ledger_verify(db_url, data_dir)
