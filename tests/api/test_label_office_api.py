"""The label office's reads and its print route, on SQLite and PostgreSQL.

* ``GET /api/v1/labels/lots``: the labellable lots, eligible first, with the eligibility
  API's reasons (es/en) and what the mass balance leaves to label, before and after an
  issuance.
* ``POST /api/v1/labels/sheet``: labels signed elsewhere (as the office's browser does) printed
  as PDF on A4, Letter and thermal stock; every QR on the page decodes to its label; a revoked
  or forged label, labels of two lots and an unknown stock are 4xx naming the field.
* ``GET /api/v1/labels/{seq}/scans``: per-serial scans, places, devices and the copied-label
  alarm once a label was scanned from more devices than its units explain.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.ledger import LedgerService
from api.settings import Settings
from labels.decode import decode_image
from labels.payload import format_label, sign_label
from ledger.statements import format_ts
from ledger.storage.sql.scans import Scan, ScanStore
from tests.unit.labels.world import GTIN, LOT_NUMBER, TS_DAY, LabelWorld


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[LedgerService, LabelWorld]]:
    service = LedgerService.open(db_url)
    try:
        lw = LabelWorld(service.store)
        service.operator_key = lw.w.operator
        yield service, lw
    finally:
        service.close()


@pytest.fixture
def client(world: tuple[LedgerService, LabelWorld], tmp_path: Path) -> TestClient:
    service, _lw = world
    settings = Settings(data_dir=tmp_path, database_url="sqlite:///unused")
    return TestClient(create_app(settings, service))


def _texts(lw: LabelWorld, seq: int, serials: list[str | None], lot: str = LOT_NUMBER) -> list[str]:
    return [
        format_label(
            sign_label(
                lw.issuer,
                host="qr.bt.example",
                gtin=GTIN,
                lot=lot,
                seq=seq,
                day=TS_DAY,
                serial=serial,
            )
        )  # fmt: skip
        for serial in serials
    ]


def _field(response: Any) -> str:
    return str(response.json()["error"]["fields"][0]["field"])


def _pages(pdf: bytes) -> list[list[str]]:
    """The QR texts zxing-cpp reads on each page rendered at 300 dpi."""
    document = pypdfium2.PdfDocument(pdf)
    found = []
    for page in document:
        png = io.BytesIO()
        page.render(scale=300 / 72, grayscale=True).to_pil().save(png, format="PNG")
        found.append(sorted(set(decode_image(png.getvalue()))))
    return found


def test_labellable_lots_with_reasons_and_remaining(
    client: TestClient, world: tuple[LedgerService, LabelWorld]
) -> None:
    _service, lw = world
    first = client.get("/api/v1/labels/lots").json()
    assert first["resolver_host"] is None and "label resolvers" in first["resolver_problem"]
    assert [d["lot_id"] for d in first["data"]] == ["sacks", "uncert"]  # eligible first
    sacks, uncert = first["data"]
    assert sacks["eligibility"]["eligible"] is True and sacks["available_g"] == 440_000
    assert sacks["unit_g"] == 55_000 and sacks["issuances"] == 0
    assert uncert["eligibility"]["eligible"] is False
    reasons = uncert["eligibility"]["reasons"]
    assert reasons and all(r["message_es"] and r["message_en"] for r in reasons)
    expected = client.get("/api/v1/lots/uncert/eligibility").json()["reasons"]
    assert reasons == expected
    lw.issue(units=3)
    after = client.get("/api/v1/labels/lots").json()["data"][0]
    assert (after["labelled_g"], after["available_g"], after["issuances"]) == (
        165_000,
        440_000 - 165_000,
        1,
    )


@pytest.mark.parametrize(("stock", "per_page"), [("a4", 14), ("letter", 14), ("thermal", 1)])
def test_sheet_prints_browser_signed_labels(
    client: TestClient, world: tuple[LedgerService, LabelWorld], stock: str, per_page: int
) -> None:
    _service, lw = world
    seq = lw.issue(units=3, serial_from=1).seq
    texts = _texts(lw, seq, ["1", "2", "3"])
    response = client.post("/api/v1/labels/sheet", json={"texts": texts, "stock": stock})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    pages = _pages(response.content)
    assert len(pages) == -(-3 // per_page)
    assert sorted(t for page in pages for t in page) == sorted(texts)


def test_sheet_copies_of_one_label(
    client: TestClient, world: tuple[LedgerService, LabelWorld]
) -> None:
    _service, lw = world
    seq = lw.issue(units=8).seq
    [text] = _texts(lw, seq, [None])
    response = client.post("/api/v1/labels/sheet", json={"texts": [text] * 8})
    assert response.status_code == 200
    [page] = _pages(response.content)
    assert page == [text]  # zxing reports each distinct symbol once


def test_sheet_refuses_what_it_must_not_draw(
    client: TestClient, world: tuple[LedgerService, LabelWorld]
) -> None:
    _service, lw = world
    seq = lw.issue(units=1).seq
    [text] = _texts(lw, seq, [None])
    forged = text[:-3] + ("000" if not text.endswith("000") else "111")
    refused = client.post("/api/v1/labels/sheet", json={"texts": [forged]})
    assert refused.status_code == 409
    malformed = client.post("/api/v1/labels/sheet", json={"texts": ["https://x.example/l/A"]})
    assert malformed.status_code == 409 and "malformed" in malformed.json()["error"]["message"]
    unknown = client.post("/api/v1/labels/sheet", json={"texts": [text], "stock": "a3"})
    assert unknown.status_code in (400, 422)
    assert _field(unknown).endswith("stock")
    huge = client.post("/api/v1/labels/sheet", json={"texts": [text] * 501})
    assert huge.status_code in (400, 422) and _field(huge).endswith("texts")
    empty = client.post("/api/v1/labels/sheet", json={"texts": []})
    assert empty.status_code in (400, 422)
    assert _field(empty).endswith("texts")
    lw.revoke(issuance_seq=seq, reason="misprint")
    revoked = client.post("/api/v1/labels/sheet", json={"texts": [text]})
    assert revoked.status_code == 409 and "revoked" in revoked.json()["error"]["message"]


def test_scan_statistics_and_copied_label_alarm(
    client: TestClient, world: tuple[LedgerService, LabelWorld]
) -> None:
    service, lw = world
    seq = lw.issue(units=2, serial_from=1).seq
    now = format_ts(dt.datetime.now(dt.UTC))
    store = ScanStore(service.engine)
    store.record([Scan(seq, "1", now, "place-a", "dev-a"), Scan(seq, "1", now, "place-a", "dev-a")])
    store.record([Scan(seq, "2", now, f"place-{i}", f"dev-{i}") for i in range(12)])
    found = client.get(f"/api/v1/labels/{seq}/scans").json()
    assert found["units_per_label"] == 1 and found["threshold_devices"] == 10
    assert [(r["serial"], r["scans"], r["places"], r["devices"], r["anomalous"])
            for r in found["data"]] == [("1", 2, 1, 1, False), ("2", 12, 12, 12, True)]  # fmt: skip
    assert (found["scans"], found["alarms"]) == (14, 1)
    assert client.get("/api/v1/labels/999999/scans").status_code == 404
