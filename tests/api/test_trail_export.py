"""Trail exports (``bundle`` and ``csv``) through the HTTP API, on SQLite and PostgreSQL.

What each test proves:

* Demo ledger (SQLite, built once): the bundle of each of the four showcase lots, streamed by
  ``GET /api/v1/lots/{id}/trail``, verifies offline, and the replayed eligibility is the
  live one (cs-export-2526-002 and the honey drums eligible, cs-export-2526-001 and the
  cacao not). The CSV of a lot parses with ``csv``, has one row per bundle entry in the
  same order with the stable header, ISO times and dot decimals, and a BOM only when asked.
* Both engines: the SQL trail (``collect_trail``, set queries over the projections) is
  exactly the rule applied to a replay of the whole ledger in memory; the exported bundle
  verifies; a producer's name and CURP (kept in the personal-data side table) never appear
  in it, while the salted hash the ledger holds does; a keyless server with no covering
  checkpoint refuses with a 422 naming ``checkpoint``, and with one it exports byte for byte
  the same bundle twice; an unknown lot is a 404 envelope.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.exports.csv_events import BOM, COLUMNS
from api.exports.trail import TRAIL_EXTENSIONS, collect_trail
from api.services.ledger import LedgerService
from api.services.supply import register_producer
from api.settings import Settings
from ledger.chain import verify_stored_leaves
from ledger.supply.producers import PersonalData, new_salt, personal_data_hash
from tests.api.operated_demo import operated_demo
from tests.cert_factories import (
    certifier_ready,
    issue_verification,
    record_evidence,
)
from tests.factories import make_key
from tests.supply_factories import SupplyWorld, producer_body
from verifiers.audit import AuditReport, check_bundle, trail_scope

DEMO_LOTS = {
    "cs-export-2526-002": True,
    "cs-export-2526-001": False,
    "mc-drums-2026-001": True,
    "cc-dry-2026": False,
}
NAME = "Guadalupe Hernández Pérez"
CURP = "HEPG800101MCSRRD03"


def _verify(service: LedgerService, data: bytes) -> AuditReport:
    return check_bundle(
        data, service.registry, service.log_info().verifier_key, extensions=TRAIL_EXTENSIONS
    )


def _entries(bundle: bytes) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(bundle)["entries"]
    return entries


# --------------------------------------------------------------------------- demo (SQLite)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LedgerService, TestClient]]:
    """The demo ledger behind an app whose service holds the operator key."""
    with operated_demo(tmp_path_factory.mktemp("demo")) as (cfg, service):
        yield service, TestClient(create_app(cfg, service))


@pytest.mark.parametrize("lot_id", sorted(DEMO_LOTS))
def test_demo_bundles_verify_offline(demo: tuple[LedgerService, TestClient], lot_id: str) -> None:
    service, client = demo
    response = client.get(f"/api/v1/lots/{lot_id}/trail", params={"format": "bundle"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert f'filename="{lot_id}-trail.bundle.json"' in response.headers["content-disposition"]
    report = _verify(service, response.content)
    assert report, [str(f) for f in report.failures]
    assert report.lot_id == lot_id and report.entry_count == len(_entries(response.content))
    assert report.summary["eligibility"]["eligible"] is DEMO_LOTS[lot_id]


def test_demo_csv_has_one_row_per_bundle_entry(demo: tuple[LedgerService, TestClient]) -> None:
    _service, client = demo
    lot = "cs-export-2526-002"
    bundle = client.get(f"/api/v1/lots/{lot}/trail").content  # bundle is the default
    plain = client.get(f"/api/v1/lots/{lot}/trail", params={"format": "csv"})
    assert plain.status_code == 200
    assert plain.headers["content-type"] == "text/csv; charset=utf-8"
    assert not plain.content.startswith(BOM.encode())
    rows = list(csv.reader(io.StringIO(plain.content.decode("utf-8"), newline="")))
    assert tuple(rows[0]) == COLUMNS
    body = [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]
    entries = _entries(bundle)
    assert [int(r["seq"]) for r in body] == [e["seq"] for e in entries]
    assert [r["entry_hash"] for r in body] == [e["hash"] for e in entries]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", r["time"]) for r in body)
    quantities = [r[c] for r in body for c in ("input_kg", "output_kg") if r[c]]
    assert quantities and all(re.fullmatch(r"\d+(\.\d{1,3})?", q) for q in quantities)
    harvests = [r for r in body if r["type"] == "lot.harvested"]
    assert harvests and all(r["product"] == "coffee" and r["sites"] for r in harvests)
    assert {r["details_es"] for r in body} != {r["details_en"] for r in body}

    excel = client.get(f"/api/v1/lots/{lot}/trail", params={"format": "csv", "bom": True})
    assert excel.content.startswith(b"\xef\xbb\xbf")
    assert excel.content[3:] == plain.content


def test_unknown_lot_and_format_are_4xx(demo: tuple[LedgerService, TestClient]) -> None:
    _service, client = demo
    missing = client.get("/api/v1/lots/no-such-lot/trail", params={"format": "bundle"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert "no-such-lot" in missing.json()["error"]["message"]
    for fmt in ("bundle", "csv"):
        assert client.get("/api/v1/lots/nope/trail", params={"format": fmt}).status_code == 404


# --------------------------------------------------------------------------- both engines


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[LedgerService, SupplyWorld]]:
    """A certified coffee chain on SQL with one producer's personal data on record."""
    service = LedgerService.open(db_url, operator_key=make_key("operator"))
    w = SupplyWorld(service.store, service.registry, {"coop-a": "association", "exp": "exporter"})
    certifier = certifier_ready(w)
    record_evidence(w, "coop-a", "association", "coop-a")
    personal = PersonalData(name=NAME, curp=CURP, consent_to_publish_name=False).model_dump()
    salt = new_salt()
    body = producer_body("p-1", pii_hash=personal_data_hash(salt, personal))
    register_producer(service, w.sign("coop-a", "producer.registered", body), personal, salt)
    w.producer("coop-a", "p-2")
    for n in "12":
        w.plot("coop-a", f"pl-{n}", f"p-{n}")
        record_evidence(w, "coop-a", "plot", f"pl-{n}")
        w.harvest("coop-a", f"h-{n}", {f"pl-{n}": 800})
    issue_verification(w, certifier, "v1", "coop-a", {"products": ["coffee"], "plots": ["pl-1"]})
    w.transform("coop-a", "mix", "blend", [("h-1", 800), ("h-2", 800)], [("bl", 1600)])
    w.ship("coop-a", "sh", ["bl"], "exp")
    w.receive("exp", "sh")
    try:
        yield service, w
    finally:
        service.close()


def test_sql_trail_is_the_rule_over_a_full_replay(
    world: tuple[LedgerService, SupplyWorld],
) -> None:
    service, _w = world
    replay = verify_stored_leaves(service.store.stored_leaves(), service.registry)
    actors = {e.seq: e.statement.actor for e in service.entries(0, replay.size)}
    for lot in ("h-1", "h-2", "bl"):
        trail = collect_trail(service, lot)
        expected = trail_scope(
            replay.state, lot, lambda seqs: {s: actors[s] for s in seqs}, TRAIL_EXTENSIONS
        )
        assert trail.seqs == expected.seqs and trail.lots == expected.lots
        assert set(trail.lineage) >= {lot, "bl"}


def test_bundle_verifies_and_holds_no_personal_data(
    world: tuple[LedgerService, SupplyWorld], tmp_path: Path
) -> None:
    service, _w = world
    service.issue_checkpoint()  # the operator's schedule covers the newest entries
    client = TestClient(create_app(Settings(data_dir=tmp_path), service))
    response = client.get("/api/v1/lots/h-1/trail")
    assert response.status_code == 200, response.text
    data = response.content
    report = _verify(service, data)
    assert report, [str(f) for f in report.failures]
    producer = service.store.state_get("producer", "p-1")
    assert producer is not None and producer["pii_hash"].encode() in data  # the entry is there
    text = data.decode("utf-8")
    for secret in (NAME, CURP, "Guadalupe", "Hern"):
        assert secret not in text and json.dumps(secret)[1:-1] not in text
    csv_text = client.get("/api/v1/lots/h-1/trail", params={"format": "csv"}).text
    assert NAME not in csv_text and CURP not in csv_text


def test_checkpoint_is_reused_or_refused_until_one_covers(
    world: tuple[LedgerService, SupplyWorld], db_url: str, tmp_path: Path
) -> None:
    service, _w = world
    # Even the operator's own server signs nothing for a reader's export.
    kept = service.store.checkpoints()
    own = TestClient(create_app(Settings(data_dir=tmp_path), service))
    assert own.get("/api/v1/lots/bl/trail").status_code == 422
    assert service.store.checkpoints() == kept
    keyless = LedgerService.open(db_url, migrate=False)
    try:
        client = TestClient(create_app(Settings(data_dir=tmp_path), keyless))
        refused = client.get("/api/v1/lots/bl/trail")
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["code"] == "export_refused"
        assert error["fields"][0]["field"] == "checkpoint"
        assert "biotraza checkpoint" in error["message"]

        issued = service.issue_checkpoint()  # the operator signs one elsewhere
        first = client.get("/api/v1/lots/bl/trail").content
        assert client.get("/api/v1/lots/bl/trail").content == first
        assert json.loads(first)["checkpoint"] == issued.note
        assert _verify(keyless, first)
    finally:
        keyless.close()
