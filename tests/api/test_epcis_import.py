"""Bounded EPCIS imports (issue 15 #17), on SQLite and PostgreSQL.

A 68 MB file of 400,000 events about nothing the ledger knew appended 1,574 permanent
entries. Now: limits on events and bytes (CLI and HTTP), a dry run that says what would be
recorded (by event type and lot) and refused (by reason), events naming no lot of the ledger
refused unless the signer asks (``allow_unrelated``, signed into the capture), streaming with
progress on the CLI, and nothing recorded when any event would be refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.chain import admit
from ledger.entries import build_entry
from ledger.errors import DomainRuleError
from ledger.keystore import KeyStore
from ledger.statements import SignedStatement
from ledger.timing import next_log_time
from tests.supply_factories import SupplyWorld, org_key
from verifiers.epcis.capture import CAPTURE_TYPE
from verifiers.epcis.event_hash import document_event_hashes
from verifiers.epcis.uris import ProjectUris
from verifiers.epcis.vocabulary import EPCIS_CONTEXT_URL

BIOTRAZA = Path(sys.executable).with_name("biotraza")
PARTNER_LOT = "https://id.gs1.org/01/09506000134352/10/PARTNER-1"
UNRELATED = "names no lot of this ledger"


def _event(index: int, epc_class: str) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": f"2026-03-01T10:{index // 60 % 60:02d}:{index % 60:02d}Z",
        "eventTimeZoneOffset": "-06:00",
        "action": "OBSERVE",
        "bizStep": "receiving",
        "quantityList": [{"epcClass": epc_class, "quantity": 10 + index, "uom": "KGM"}],
    }


def _document(classes: list[str]) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT_URL],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-02T10:00:00Z",
        "epcisBody": {"eventList": [_event(i, c) for i, c in enumerate(classes)]},
    }


@pytest.fixture
def world(service: LedgerService) -> SupplyWorld:
    w = SupplyWorld(service.store, service.registry, ["coop-a"])
    w.producer("coop-a", "pr-1")
    w.plot("coop-a", "pl-1", "pr-1")
    w.harvest("coop-a", "lot-a", {"pl-1": 100})
    return w


@pytest.fixture
def lot_uri(service: LedgerService, world: SupplyWorld) -> str:
    return ProjectUris(service.log_info().origin).thing("lot", "lot-a")


def _capture(world: SupplyWorld, document: dict[str, Any], capture_id: str, **over: Any) -> Any:
    body = {
        "capture_id": capture_id,
        "document": document,
        "event_hashes": document_event_hashes(document),
        **over,
    }
    return world.sign("coop-a", CAPTURE_TYPE, body)


# --------------------------------------------------------------------------- ledger rule


def test_unrelated_events_are_refused_unless_the_signer_allows_them(
    service: LedgerService, world: SupplyWorld, lot_uri: str
) -> None:
    mixed = _document([lot_uri, lot_uri, PARTNER_LOT])
    size = service.head().size
    with pytest.raises(DomainRuleError) as caught:
        service.submit(_capture(world, mixed, "cap-1"))
    assert caught.value.field == "statement.body.document.epcisBody.eventList.2"
    assert UNRELATED in str(caught.value)
    assert service.head().size == size
    # The same events with the explicit, signed flag are recorded.
    assert service.submit(_capture(world, mixed, "cap-2", allow_unrelated=True)).created
    # Events naming a lot by its LGTIN (any GS1 form) are related once the lot has one.
    world.harvest("coop-a", "lot-b", {"pl-1": 50}, gtin="07501234567893", lot_number="L-2026")
    lgtin = "urn:epc:class:lgtin:7501234.056789.L-2026"
    assert service.submit(_capture(world, _document([lgtin]), "cap-3")).created


def test_a_ledger_with_an_old_unrelated_capture_still_verifies(
    service: LedgerService, world: SupplyWorld
) -> None:
    signed: SignedStatement = _capture(world, _document([PARTNER_LOT]), "old")
    with service.store.appending() as tx:  # recorded as the code before the rule did
        head = tx.head()
        log_time = next_log_time(world.clock, head.log_time)  # the log stamps every entry
        admit(
            head.size,
            signed,
            tx.state,
            service.registry,
            replaying=True,
            log_time=log_time,
        )
        tx.insert(build_entry(head.size, head.last_hash, signed, log_time))
    assert service.verify().size == service.head().size
    assert service.rebuild() == service.head().size


# --------------------------------------------------------------------------- HTTP


def _client(service: LedgerService, tmp_path: Path, **settings: Any) -> TestClient:
    cfg = Settings(data_dir=tmp_path, database_url="sqlite:///unused", **settings)
    return TestClient(create_app(cfg, service))


def test_http_dry_run_says_what_would_be_recorded_and_refused(
    service: LedgerService, world: SupplyWorld, lot_uri: str, tmp_path: Path
) -> None:
    client = _client(service, tmp_path)
    signed = _capture(world, _document([lot_uri, lot_uri, PARTNER_LOT]), "dry")
    size = service.head().size
    response = client.post("/api/v1/epcis/capture?dry_run=true", json=signed.to_dict())
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["dry_run"] is True
    assert (plan["events"], plan["recorded"]) == (3, 2)
    assert plan["by_type"] == {"ObjectEvent": 2}
    assert plan["by_lot"] == {"lot-a": 2}
    assert plan["refused"] == {UNRELATED: {"count": 1, "events": [2]}}
    assert service.head().size == size
    # Without the dry run the ledger refuses it, naming the event.
    response = client.post("/api/v1/epcis/capture", json=signed.to_dict())
    assert response.status_code == 409
    fields = [f["field"] for f in response.json()["error"]["fields"]]
    assert fields == ["statement.body.document.epcisBody.eventList.2"]
    assert service.head().size == size


def test_http_event_limit(
    service: LedgerService, world: SupplyWorld, lot_uri: str, tmp_path: Path
) -> None:
    client = _client(service, tmp_path, epcis_max_events=2)
    signed = _capture(world, _document([lot_uri] * 3), "big")
    size = service.head().size
    response = client.post("/api/v1/epcis/capture", json=signed.to_dict())
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["fields"][0]["field"] == "statement.body.document.epcisBody.eventList"
    assert "at most 2 events" in error["fields"][0]["reason"]
    assert service.head().size == size


# --------------------------------------------------------------------------- CLI


def _env(tmp_path: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    env.update(
        BIOTRAZA_DATA_DIR=str(tmp_path / "data"),
        BIOTRAZA_KEY_PASSPHRASE="cli-epcis-passphrase",
        BIOTRAZA_DATABASE_URL=db_url,
        NO_COLOR="1",
        COLUMNS="200",
    )
    KeyStore(Settings(data_dir=tmp_path / "data").key_dir).save(
        "coop", org_key("coop-a"), "cli-epcis-passphrase"
    )
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script with test arguments
        [str(BIOTRAZA), *args],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def test_cli_limits_dry_run_and_unrelated_events(
    service: LedgerService, world: SupplyWorld, lot_uri: str, db_url: str, tmp_path: Path
) -> None:
    env = _env(tmp_path, db_url)
    path = tmp_path / "partner.jsonld"
    path.write_text(json.dumps(_document([lot_uri, lot_uri, PARTNER_LOT])), encoding="utf-8")
    size = service.head().size

    result = _run(env, "epcis", "import", str(path), "--key", "coop", "--max-events", "2")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "more than 2 events" in result.stderr
    result = _run(env, "epcis", "import", str(path), "--key", "coop", "--max-bytes", "100")
    assert result.returncode == 1 and "over the limit of 100" in result.stderr
    assert service.head().size == size

    result = _run(env, "epcis", "import", str(path), "--key", "coop", "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert "3 events read; 2 would be recorded" in lines
    assert "ObjectEvent: 2" in lines and "lot lot-a: 2 events" in lines
    assert f"{UNRELATED}: 1 (events 2)" in lines
    assert "dry run: nothing recorded" in lines
    assert "check" in result.stderr and "read" in result.stderr  # progress bars, on stderr
    assert service.head().size == size

    result = _run(env, "epcis", "import", str(path), "--key", "coop", "--capture-id", "c1")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "nothing recorded: 1 of 3 events would be refused" in result.stderr
    assert "--allow-unrelated" in result.stderr
    assert service.head().size == size

    result = _run(
        env, "epcis", "import", str(path), "--key", "coop", "--capture-id", "c1",
        "--allow-unrelated",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "c1: 3 events captured" in result.stdout
    assert "capture" in result.stderr
    assert service.head().size == size + 1
    entry = service.entry(size)
    assert entry.statement.body["allow_unrelated"] is True


def test_cli_validate_streams_with_progress_and_real_indexes(
    service: LedgerService, db_url: str, tmp_path: Path
) -> None:
    env = _env(tmp_path, db_url)
    document = _document([PARTNER_LOT] * 5)
    document["epcisBody"]["eventList"][3]["bizStep"] = "transforming"  # not a CBV term
    path = tmp_path / "bad.jsonld"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = _run(env, "epcis", "validate", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "epcisBody.eventList.3.bizStep" in result.stderr
    assert "validate" in result.stderr  # the progress bar's task
    document["epcisBody"]["eventList"][3]["bizStep"] = "receiving"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = _run(env, "epcis", "validate", str(path))
    assert result.returncode == 0, result.stderr
    assert "valid EPCIS 2.0.1 document, 5 events" in result.stdout
