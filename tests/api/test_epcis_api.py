"""EPCIS 2.0 over HTTP and the CLI: export of the demo's lots, capture and re-export.

What each test proves:

* Export (``GET /api/v1/lots/{id}/trail?format=epcis``) of each demo lot — coffee export lots
  eligible and ineligible, honey drums, dry cacao — is an ``EPCISDocument`` that validates
  against the EPCIS 2.0.1 schema with format checking; every ``eventID`` is the event hash we
  recompute from the event; IDs are unique; bizSteps and dispositions are CBV 2.0 terms;
  every quantity is positive kilograms; harvests carry ILMD and certificationInfo where a
  verification covered them; the lot's own class appears in the last transformation's
  outputs. An unknown lot answers 404 with the error envelope.
* Capture (``POST /api/v1/epcis/capture``, SQLite and PostgreSQL): every official GS1 example
  document is captured by an organization's key and re-exported
  (``GET /api/v1/epcis/captures/{id}``) with equal event hashes; an event already captured is
  refused naming its hash field; the openepcis invalid documents answer 422 with the schema's
  paths; a forged hash answers 409 naming ``statement.body.event_hashes.0``; a refused capture
  leaves the ledger unchanged; the ledger still verifies (captures are re-checked on replay).
* CLI: ``biotraza epcis validate|hash|import`` on real files, with clean errors.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import build_demo
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.keys import encode_public_key
from ledger.keystore import KeyStore
from ledger.statements import sign_statement
from tests.factories import TS, make_genesis, make_key, make_key_added
from tests.oracles import oracles_dir
from verifiers.epcis.capture import CAPTURE_TYPE
from verifiers.epcis.event_hash import HashContext, document_event_hashes, event_hash
from verifiers.epcis.schema import schema_errors
from verifiers.epcis.vocabulary import BIZ_STEPS, DISPOSITIONS, EPCIS_CONTEXT_URL

EXAMPLES = oracles_dir() / "epcis" / "examples" / "gs1-EPCIS"
INVALID = oracles_dir() / "epcis" / "examples" / "openepcis-invalid"
DEMO_LOTS = ["cs-export-2526-001", "cs-export-2526-002", "mc-drums-2026-001", "cc-dry-2026"]
REGISTRAR, COOP = make_key("registrar"), make_key("org:coop-epcis")


# --------------------------------------------------------------------------- export (demo)


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir = tmp_path_factory.mktemp("demo")
    cfg = Settings(
        data_dir=data_dir,
        key_passphrase="demo-test-passphrase",
        database_url=f"sqlite:///{data_dir / 'ledger.db'}",
    )
    build_demo(cfg)
    service = LedgerService.open(cfg.resolved_database_url, migrate=False)
    try:
        yield TestClient(create_app(cfg, service))
    finally:
        service.close()


@pytest.fixture(scope="module")
def exported(demo_client: TestClient) -> dict[str, dict[str, Any]]:
    documents = {}
    for lot in DEMO_LOTS:
        response = demo_client.get(f"/api/v1/lots/{lot}/trail", params={"format": "epcis"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/ld+json")
        documents[lot] = json.loads(response.content)
    return documents


@pytest.mark.parametrize("lot", DEMO_LOTS)
def test_export_validates_and_ids_are_event_hashes(
    exported: dict[str, dict[str, Any]], lot: str
) -> None:
    document = exported[lot]
    assert schema_errors(document) == []
    assert document["@context"][0] == EPCIS_CONTEXT_URL
    events = document["epcisBody"]["eventList"]
    assert len(events) >= 5
    ctx = HashContext.from_context(document["@context"])
    ids = [event["eventID"] for event in events]
    assert ids == [event_hash(event, ctx) for event in events] == document_event_hashes(document)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("lot", DEMO_LOTS)
def test_export_uses_cbv_terms_and_positive_kilograms(
    exported: dict[str, dict[str, Any]], lot: str
) -> None:
    events = exported[lot]["epcisBody"]["eventList"]
    quantities = 0
    for event in events:
        assert event["bizStep"] in BIZ_STEPS
        assert event["disposition"] in DISPOSITIONS
        for name in ("quantityList", "inputQuantityList", "outputQuantityList"):
            for item in event.get(name, []):
                assert item["uom"] == "KGM"
                assert isinstance(item["quantity"], int | float) and item["quantity"] > 0
                quantities += 1
    assert quantities >= len(events)


def test_export_maps_harvests_transformations_and_certification(
    exported: dict[str, dict[str, Any]],
) -> None:
    events = exported["cs-export-2526-002"]["epcisBody"]["eventList"]
    harvests = [e for e in events if e["bizStep"] == "commissioning"]
    assert harvests and all(e["type"] == "ObjectEvent" and e["action"] == "ADD" for e in harvests)
    for harvest in harvests:
        ilmd = harvest["ilmd"]
        assert ilmd["cbvmda:countryOfOrigin"] == "MX"
        assert ilmd["cbvmda:harvestStartDate"] <= ilmd["cbvmda:harvestEndDate"]
        assert ilmd["biotraza:originSites"] and ilmd["biotraza:producerAssociation"]
        assert harvest["certificationInfo"], "the eligible lot's harvests were certified"
    transformations = [e for e in events if e["type"] == "TransformationEvent"]
    assert {e["bizStep"] for e in transformations} <= {"creating_class_instance", "packing"}
    assert any(
        item["epcClass"].startswith("https://id.gs1.org/01/")
        for e in transformations
        for item in e["outputQuantityList"]
    ), "the GTIN-labelled export lot is an LGTIN class"
    honey = exported["mc-drums-2026-001"]["epcisBody"]["eventList"]
    assert any(e["bizStep"] == "packing" and e["ilmd"]["biotraza:packages"] for e in honey)


def test_export_of_unknown_lot_is_404(demo_client: TestClient) -> None:
    response = demo_client.get("/api/v1/lots/no-such-lot/trail", params={"format": "epcis"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --------------------------------------------------------------------------- capture


@pytest.fixture
def service(db_url: str) -> Iterator[LedgerService]:
    svc = LedgerService.open(db_url)
    try:
        svc.submit(make_genesis(make_key("root"), make_key("operator")))
        svc.submit(make_key_added(make_key("root"), REGISTRAR, role="registrar", name="reg"))
        org = {
            "org_id": "coop-epcis",
            "name": "Cooperativa Maya Vinic",
            "legal_form": "cooperativa",
            "state": "07",
            "public_key": encode_public_key(COOP),
        }
        svc.submit(sign_statement(REGISTRAR, "org.registered", org, ts=TS, nonce="org-coop-epcis"))
        yield svc
    finally:
        svc.close()


@pytest.fixture
def client(service: LedgerService, tmp_path: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path, database_url="sqlite:///unused")
    return TestClient(create_app(settings, service))


def _capture(document: dict[str, Any], capture_id: str, hashes: list[str] | None = None) -> Any:
    body = {
        "capture_id": capture_id,
        "document": document,
        "event_hashes": hashes if hashes is not None else document_event_hashes(document),
        "allow_unrelated": True,  # GS1's examples name none of this ledger's lots
    }
    return sign_statement(COOP, CAPTURE_TYPE, body, ts=TS, nonce=f"capture-{capture_id}")


def _examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.rglob("*.jsonld") if p.name != "EPCISQueryDocument.jsonld")


def test_official_examples_capture_and_reexport_with_equal_hashes(
    client: TestClient, service: LedgerService
) -> None:
    seen: set[str] = set()
    captured = 0
    for number, path in enumerate(_examples()):
        document = json.loads(path.read_text(encoding="utf-8"))
        hashes = document_event_hashes(document)
        capture_id = f"gs1-{number}"
        response = client.post(
            "/api/v1/epcis/capture", json=_capture(document, capture_id).to_dict()
        )
        repeated = [i for i, digest in enumerate(hashes) if digest in seen]
        if repeated:  # e.g. the Digital Link twin of a URN example: the same events
            assert response.status_code == 409, (path.name, response.text)
            fields = [f["field"] for f in response.json()["error"]["fields"]]
            assert fields == [f"statement.body.event_hashes.{repeated[0]}"]
            continue
        assert response.status_code == 201, (path.name, response.text)
        assert response.json()["event_hashes"] == hashes
        seen.update(hashes)
        captured += 1
        again = client.get(f"/api/v1/epcis/captures/{capture_id}")
        assert again.status_code == 200
        assert again.headers["content-type"].startswith("application/ld+json")
        assert document_event_hashes(again.json()) == hashes, path.name
    assert captured >= 40
    assert service.verify().size == service.head().size


@pytest.mark.parametrize("path", sorted(INVALID.glob("*.json")), ids=lambda p: p.name)
def test_invalid_documents_are_rejected_with_paths(
    client: TestClient, service: LedgerService, path: Path
) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    before = service.head().size
    signed = _capture(document, "bad", hashes=["ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0"])
    response = client.post("/api/v1/epcis/capture", json=signed.to_dict())
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "schema_error"
    assert error["fields"] and all(
        f["field"].startswith("statement.body.document") and f["reason"] for f in error["fields"]
    )
    assert service.head().size == before


def test_forged_hash_and_wrong_type_are_refused(client: TestClient, service: LedgerService) -> None:
    document = json.loads((EXAMPLES / "Example_9.6.1-ObjectEvent.jsonld").read_text("utf-8"))
    hashes = document_event_hashes(document)
    before = service.head().size
    forged = _capture(document, "forged", hashes=[hashes[1], hashes[0]])
    response = client.post("/api/v1/epcis/capture", json=forged.to_dict())
    assert response.status_code == 409, response.text
    assert [f["field"] for f in response.json()["error"]["fields"]] == [
        "statement.body.event_hashes.0"
    ]
    short = _capture(document, "short", hashes=hashes[:1])
    assert client.post("/api/v1/epcis/capture", json=short.to_dict()).status_code == 409
    other = sign_statement(COOP, "lot.shipped", {"shipment_id": "s"}, ts=TS, nonce="wrong-type")
    response = client.post("/api/v1/epcis/capture", json=other.to_dict())
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "statement.type"
    assert service.head().size == before
    assert client.get("/api/v1/epcis/captures/forged").status_code == 404


def test_same_capture_twice_is_idempotent(client: TestClient) -> None:
    document = json.loads((EXAMPLES / "Example_9.6.2-ObjectEvent.jsonld").read_text("utf-8"))
    signed = _capture(document, "twice")
    assert client.post("/api/v1/epcis/capture", json=signed.to_dict()).status_code == 201
    assert client.post("/api/v1/epcis/capture", json=signed.to_dict()).status_code == 200


# --------------------------------------------------------------------------- CLI

BIOTRAZA = Path(sys.executable).with_name("biotraza")


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script with test arguments
        [str(BIOTRAZA), *args],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_cli_validate_hash_and_import(service: LedgerService, db_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    env.update(
        BIOTRAZA_DATA_DIR=str(tmp_path / "data"),
        BIOTRAZA_KEY_PASSPHRASE="cli-epcis-passphrase",
        BIOTRAZA_DATABASE_URL=db_url,
        NO_COLOR="1",
        COLUMNS="200",
    )
    KeyStore(Settings(data_dir=tmp_path / "data").key_dir).save(
        "coop", COOP, "cli-epcis-passphrase"
    )
    good = EXAMPLES / "Example_9.6.3-AggregationEvent.jsonld"
    expected = document_event_hashes(json.loads(good.read_text("utf-8")))

    result = _run(env, "epcis", "validate", str(good))
    assert result.returncode == 0 and "1 events" in result.stdout, result.stderr
    result = _run(env, "epcis", "hash", str(good))
    assert result.stdout.split() == expected

    bad = INVALID / "ObjectEvent_with_non_standard_bizStep.json"
    result = _run(env, "epcis", "import", str(bad), "--key", "coop")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "epcisBody.eventList.0.bizStep" in result.stderr

    before = service.head().size
    result = _run(
        env,
        "epcis",
        "import",
        str(good),
        "--key",
        "coop",
        "--capture-id",
        "cli-1",
        "--allow-unrelated",
    )
    assert result.returncode == 0, result.stderr
    assert "cli-1: 1 events captured" in result.stdout
    assert service.head().size == before + 1
    result = _run(
        env,
        "epcis",
        "import",
        str(good),
        "--key",
        "coop",
        "--capture-id",
        "cli-2",
        "--allow-unrelated",
    )
    assert result.returncode == 1 and "was captured in cli-1" in result.stderr
