"""Label endpoints and the label service on SQLite and PostgreSQL, and on the demo ledger.

* Writes go through ``POST /api/v1/entries``: an ineligible lot is answered 409
  ``lot_not_eligible`` with every eligibility reason (es/en) as fields; over-issuance 409.
* ``POST /api/v1/labels/preview`` answers eligibility and the quantity left before signing.
* Concurrent issuance from several threads never labels more than the lot holds (one append
  at a time on the chain head, on both engines).
* ``POST /api/v1/labels/verify``: genuine, revoked (explicitly and because the certificate
  was revoked), malformed (a verdict, not an error).
* ``GET /api/v1/trustlist`` is signed by the operator key under the genesis delegation and
  verifies against the pinned root key; it is cached per tree size.
* QR symbols and printable labels decode back to the label, and are refused (409) for
  revoked labels; malformed texts are 400 naming the part.
* The demo ledger's labels: coffee and honey genuine, the misprint revoked; the buyer's
  document names the association, landscape, certificates and verified practices.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import build_demo
from api.services.labels import (
    current_trust_list,
    issue_labels,
    label_document,
    label_for,
    resolve_label,
    served_trust_list,
)
from api.services.ledger import LedgerService
from api.settings import Settings
from labels.decode import decode_image
from labels.errors import IneligibleLotError
from labels.issuance import LABEL_LOT_KIND
from labels.payload import format_label, sign_label
from labels.trustlist import TrustList, verify_trust_list
from labels.verify import LabelStatus
from ledger.errors import AuthorizationError, DomainRuleError
from ledger.keys import public_key_bytes
from ledger.keystore import KeyStore
from ledger.statements import sign_statement
from ledger.supply.lineage import upstream
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


def _post_entry(client: TestClient, lw: LabelWorld, signer: Any, kind: str, body: dict[str, Any]):
    signed = lw.w.sign(signer, kind, body)
    return client.post("/api/v1/entries", json=signed.to_dict())


def _issue(client: TestClient, lw: LabelWorld, **over: Any) -> tuple[int, str]:
    response = _post_entry(client, lw, lw.issuer, "label.issued", lw.issue_body(**over))
    assert response.status_code == 201, response.json()
    seq = int(response.json()["seq"])
    text = format_label(
        sign_label(lw.issuer, host="qr.bt.example", gtin=GTIN, lot=LOT_NUMBER, seq=seq, day=TS_DAY)
    )
    return seq, text


def test_ineligible_lot_is_answered_with_every_reason(
    client: TestClient, world: tuple[LedgerService, LabelWorld]
) -> None:
    _service, lw = world
    response = _post_entry(client, lw, lw.issuer, "label.issued", lw.issue_body("uncert"))
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "lot_not_eligible"
    [field] = error["fields"]
    assert field["field"] == "statement.body.lot_id"
    assert "plot:pl-3" in field["reason"] and "no es elegible" in field["reason"]


def test_preview_before_signing(client: TestClient) -> None:
    ok = client.post("/api/v1/labels/preview", json={"lot_id": "sacks", "units": 8})
    assert ok.status_code == 200
    body = ok.json()
    assert body["can_issue"] and body["unit_g"] == 55_000 and body["available_g"] == 440_000
    over = client.post("/api/v1/labels/preview", json={"lot_id": "sacks", "units": 9}).json()
    assert not over["fits"] and not over["can_issue"]
    bad = client.post("/api/v1/labels/preview", json={"lot_id": "uncert", "units": 1}).json()
    assert not bad["eligibility"]["eligible"] and bad["eligibility"]["reasons"]
    missing = client.post("/api/v1/labels/preview", json={"lot_id": "nope", "units": 1})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    invalid = client.post("/api/v1/labels/preview", json={"lot_id": "sacks", "units": 0})
    assert invalid.status_code == 400
    assert invalid.json()["error"]["fields"][0]["field"] == "body.units"


def test_over_issuance_is_refused(
    client: TestClient, world: tuple[LedgerService, LabelWorld]
) -> None:
    _service, lw = world
    _issue(client, lw, units=6)
    response = _post_entry(client, lw, lw.issuer, "label.issued", lw.issue_body(units=3))
    assert response.status_code == 409
    assert response.json()["error"]["fields"][0]["field"] == "statement.body.units"
    listing = client.get("/api/v1/lots/sacks/labels").json()
    assert listing["labelled_g"] == 330_000 and listing["count"] == 1


def test_labels_for_consumed_goods_are_refused(
    client: TestClient, world: tuple[LedgerService, LabelWorld]
) -> None:
    """Issue 15: ``bl`` (440 kg, eligible) was packed whole into ``sacks``; labels for it
    were accepted. Now 409 naming the lot and the kg; preview and eligibility say why."""
    service, lw = world
    size = service.head().size
    body = lw.issue_body("bl", units=1, gtin=None, lot_number="BL1", unit_g=1000)
    response = _post_entry(client, lw, lw.issuer, "label.issued", body)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "rule_violation"
    [field] = error["fields"]
    assert field["field"] == "statement.body.units"
    assert field["reason"].startswith(
        "lot bl has 440 kg: 440 kg consumed by transformations and 0 kg already labelled"
    )
    assert service.head().size == size
    preview = client.post("/api/v1/labels/preview", json={"lot_id": "bl", "units": 1, "unit_g": 1})
    answer = preview.json()
    assert (answer["fits"], answer["can_issue"], answer["available_g"]) == (False, False, 0)
    assert answer["consumed_g"] == 440_000
    stock = client.get("/api/v1/lots/bl/eligibility").json()["stock"]
    assert stock["status"] == "consumed" and stock["remaining_g"] == 0
    assert [c["transformation_id"] for c in stock["consumed_by"]] == ["pack-sacks"]
    assert "pack-sacks" in stock["message_es"] and "pack-sacks" in stock["message_en"]


def test_labelled_mass_cannot_be_processed_away(
    client: TestClient, world: tuple[LedgerService, LabelWorld]
) -> None:
    _service, lw = world
    _issue(client, lw, units=6)
    split = {
        "transformation_id": "sp-1",
        "kind": "split",
        "inputs": [{"lot_id": "sacks", "quantity_kg": 220}],
        "outputs": [{"lot_id": "sp-a", "quantity_kg": 110}, {"lot_id": "sp-b", "quantity_kg": 110}],
    }
    response = _post_entry(client, lw, "coop-a", "lot.transformed", split)
    assert response.status_code == 409
    [field] = response.json()["error"]["fields"]
    assert field["field"] == "statement.body.inputs.0"
    assert "330 kg of it labelled" in field["reason"] and "at most 110 kg" in field["reason"]
    preview = client.post("/api/v1/labels/preview", json={"lot_id": "sacks", "units": 2}).json()
    assert preview["available_g"] == 110_000 and preview["fits"]


def test_concurrent_issuance_cannot_exceed_the_lot(
    world: tuple[LedgerService, LabelWorld],
) -> None:
    service, lw = world
    attempts = [lw.w.sign(lw.issuer, "label.issued", lw.issue_body(units=2)) for _ in range(7)]
    outcomes: list[str] = []
    start = threading.Barrier(len(attempts))

    def run(signed: Any) -> None:
        start.wait()
        try:
            service.submit(signed)
            outcomes.append("ok")
        except DomainRuleError:
            outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(s,)) for s in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] * 4 + ["refused"] * 3
    tally = service.store.state_get(LABEL_LOT_KIND, "sacks")
    assert tally is not None and tally["labelled_g"] == 440_000 and tally["units"] == 8


def test_verify_genuine_then_revoked_by_the_certificate(
    client: TestClient, world: tuple[LedgerService, LabelWorld]
) -> None:
    _service, lw = world
    seq, text = _issue(client, lw, units=2)
    genuine = client.post("/api/v1/labels/verify", json={"text": text}).json()
    assert genuine["verdict"]["status"] == "valid"
    assert genuine["association"]["org_id"] == "coop-a"
    assert genuine["certificates"][0]["verification_id"] == "ver-1"
    assert {p["criterion_id"] for p in genuine["practices"]} >= {"CAB-SHADE-COVER"}
    assert genuine["origins"]["plots"] == 2 and genuine["harvest"]["from"] == "2026-01-15"
    assert genuine["links"]["proof"] == f"/api/v1/proofs/inclusion?seq={seq}"
    revocation = lw.revoke_certificate()
    revoked = client.post("/api/v1/labels/verify", json={"text": text}).json()
    assert revoked["verdict"]["status"] == "revoked"
    assert revoked["verdict"]["detail"] == "lot_ineligible"
    assert revoked["verdict"]["revocation"]["effective_seq"] == revocation.seq
    issuance = client.get(f"/api/v1/labels/{seq}").json()
    assert issuance["status"] == "revoked" and issuance["implicit"]
    assert issuance["revoked_from_seq"] == revocation.seq


def test_verify_never_errors_on_bad_labels(client: TestClient) -> None:
    response = client.post("/api/v1/labels/verify", json={"text": "hello"})
    assert response.status_code == 200
    assert response.json()["verdict"]["status"] == "malformed"
    assert client.post("/api/v1/labels/verify", json={}).status_code == 400


def test_trust_list_is_operator_signed_and_cached(
    client: TestClient, world: tuple[LedgerService, LabelWorld]
) -> None:
    service, lw = world
    seq, _text = _issue(client, lw)
    response = client.get("/api/v1/trustlist")
    assert response.status_code == 200
    served = TrustList.from_bytes(response.content)
    verify_trust_list(served, [public_key_bytes(lw.w.root)])
    assert served.signature is not None and served.signature.delegation is not None
    assert served.tree_size == service.head().size
    assert served.checkpoint.note is not None  # the operator signed a checkpoint at that size
    assert [i.seq for i in served.issuances] == [seq]
    assert served_trust_list(service) is served_trust_list(service)  # cached per size
    assert current_trust_list(service) is current_trust_list(service)
    lw.revoke(issuance_seq=seq)
    fresh = TrustList.from_bytes(client.get("/api/v1/trustlist").content)
    assert [r.seq for r in fresh.revoked_labels] == [seq]


def test_qr_and_printable_labels(
    client: TestClient, world: tuple[LedgerService, LabelWorld]
) -> None:
    _service, lw = world
    seq, text = _issue(client, lw)
    png = client.get("/api/v1/labels/qr.png", params={"text": text})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert decode_image(png.content) == [text]
    svg = client.get("/api/v1/labels/qr.svg", params={"text": text, "ecc": "M"})
    assert decode_image(svg.content) == [text]
    label = client.get("/api/v1/labels/printable", params={"text": text})
    assert label.headers["content-type"].startswith("image/svg+xml")
    assert "Café pergamino" in label.text and LOT_NUMBER in label.text
    sheet = client.get("/api/v1/labels/printable", params={"text": text, "format": "html",
                                                           "copies": 3})  # fmt: skip
    assert sheet.text.count("<figure>") == 3
    pdf = client.get("/api/v1/labels/printable", params={"text": text, "format": "pdf"})
    assert pdf.content.startswith(b"%PDF-")
    lw.revoke(issuance_seq=seq, reason="misprint")
    refused = client.get("/api/v1/labels/qr.png", params={"text": text})
    assert refused.status_code == 409 and "revoked" in refused.json()["error"]["message"]
    bad = client.get("/api/v1/labels/qr.svg", params={"text": text.replace("k=", "K=")})
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "malformed_label" and error["fields"][0]["field"] == "label.query"
    assert (
        client.get("/api/v1/labels/printable", params={"text": text, "format": "doc"}).status_code
        == 400
    )
    assert client.get("/api/v1/labels/999999").status_code == 404


# --------------------------------------------------------------------------- demo

PASSPHRASE = "demo-test-passphrase"


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LedgerService, dict[str, Any], Settings]]:
    data_dir = tmp_path_factory.mktemp("label-demo")
    cfg = Settings(
        data_dir=data_dir,
        key_passphrase=PASSPHRASE,
        database_url=f"sqlite:///{data_dir / 'ledger.db'}",
    )
    summary = build_demo(cfg)
    service = LedgerService.open(cfg.resolved_database_url, migrate=False)
    try:
        yield service, summary, cfg
    finally:
        service.close()


def test_demo_labels_resolve(demo: tuple[LedgerService, dict[str, Any], Settings]) -> None:
    service, summary, _cfg = demo
    labels = summary["labels"]
    assert labels["coffee"]["lot_id"] == "cs-export-2526-002"
    assert labels["honey"]["lot_id"] == "mc-drums-2026-001"
    assert resolve_label(service, labels["coffee"]["text"]).status is LabelStatus.VALID
    assert resolve_label(service, labels["honey"]["text"]).status is LabelStatus.VALID
    revoked = resolve_label(service, labels["coffee_revoked"]["text"])
    assert revoked.status is LabelStatus.REVOKED and revoked.detail == "label_revoked"
    for entry in labels.values():
        assert entry["text"].endswith(entry["path"])
        assert entry["path"].startswith("/01/")
    honey = label_for(service, labels["honey"]["seq"])
    assert honey["serial_from"] == 1 and honey["serial_to"] == labels["honey"]["units"]
    assert honey["status"] == "active"


def test_demo_buyer_document(demo: tuple[LedgerService, dict[str, Any], Settings]) -> None:
    service, summary, _cfg = demo
    document = label_document(service, summary["labels"]["coffee"]["text"])
    assert document["verdict"]["status"] == "valid"
    assert document["association"]["landscape"] == "Sierra Madre de Chiapas"
    assert document["certificates"][0]["certifier"]["id"] == "certimex"
    assert document["certificates"][0]["standard"]["title"]["es"].startswith("Café")
    with service.store.read_state() as state:
        plots = upstream(state, summary["coffee_export_certified_lot"]).plots
    assert document["origins"]["plots"] == len(plots) > 0
    assert not set(plots) & set(summary["coffee_failing_plots"])
    assert all(p["title"]["es"] and p["title"]["en"] for p in document["practices"])


def test_demo_cannot_label_the_ineligible_export_lot(
    demo: tuple[LedgerService, dict[str, Any], Settings],
) -> None:
    service, summary, cfg = demo
    issuer = KeyStore(cfg.key_dir).load("label-issuer", PASSPHRASE)
    with pytest.raises(DomainRuleError, match="not eligible"):
        issue_labels(service, summary["coffee_export_lot"], 1, signer=issuer)
    signed = sign_statement(issuer, "label.resolvers", {"hosts": ["x.example"]})
    size = service.head().size
    with pytest.raises(AuthorizationError, match="label_issuer"):
        service.submit(signed)
    assert service.head().size == size


def test_ineligibility_is_reported_before_missing_label_details(
    demo: tuple[LedgerService, dict[str, Any], Settings],
) -> None:
    """The demo's cacao lot has neither a package nor a lot number and is not eligible:
    the issuer is told why it cannot be labelled, not which label detail is missing."""
    service, summary, cfg = demo
    issuer = KeyStore(cfg.key_dir).load("label-issuer", PASSPHRASE)
    size = service.head().size
    with pytest.raises(IneligibleLotError) as refused:
        issue_labels(service, summary["cacao_dry_lot"], 1, signer=issuer)
    assert refused.value.lot_id == summary["cacao_dry_lot"]
    assert any(r["code"] == "input_not_eligible" for r in refused.value.reasons)
    assert service.head().size == size
