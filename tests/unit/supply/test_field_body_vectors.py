"""The bodies the field app signs are bodies the server admits: the server half of the pin.

``tests/vectors/field_bodies.json`` lists form input and the exact body
``api/webapp/src/field/bodies.ts`` builds from it (the vitest
``api/webapp/tests/field_bodies.test.ts`` rebuilds each one, byte for byte in JCS). Here each
body is signed by an enrolled field-device key and admitted, in order, into one real ledger
(SQLite and PostgreSQL), a member's personal data through the same service the
``POST /api/v1/producers`` route calls; so a body shape the server would refuse, or a
``pii_hash`` computed differently from the server's, fails here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.services.ledger import LedgerService
from api.services.supply import personal_data, register_producer
from ledger.canonical import canonicalize
from ledger.keys import encode_public_key
from ledger.statements import sign_statement
from ledger.supply.devices import DEVICE_CAPTURE_TYPES
from ledger.supply.producers import personal_data_hash
from tests.factories import make_genesis, make_key, make_key_added

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "field_bodies.json").read_text("utf-8")
)
ROOT, REGISTRAR = make_key("root"), make_key("registrar")
ASSOCIATION, PHONE = make_key("org:field-vectors"), make_key("device:field-vectors")


@pytest.fixture
def service(db_url: str) -> Iterator[LedgerService]:
    svc = LedgerService.open(db_url)
    ts = VECTORS["signed_at"]
    org = VECTORS["org"]
    try:
        svc.submit(make_genesis(ROOT, make_key("operator")))
        svc.submit(make_key_added(ROOT, REGISTRAR, role="registrar", name="reg"))
        body = {
            "org_id": org["org_id"],
            "name": "Cafetaleros de la Sierra",
            "legal_form": "cooperativa",
            "state": org["state"],
            "products": ["coffee", "honey"],
            "public_key": encode_public_key(ASSOCIATION),
        }
        svc.submit(sign_statement(REGISTRAR, "org.registered", body, ts=ts, nonce="org-vectors"))
        enrol = {
            "org_id": org["org_id"],
            "public_key": encode_public_key(PHONE),
            "label": "Técnico de campo",
            "entry_types": list(DEVICE_CAPTURE_TYPES),
        }
        svc.submit(sign_statement(ASSOCIATION, "device.enrolled", enrol, ts=ts, nonce="enrol-v1"))
        yield svc
    finally:
        svc.close()


def test_every_field_body_is_admitted_from_an_enrolled_device(service: LedgerService) -> None:
    admitted: list[str] = []
    for index, case in enumerate(VECTORS["cases"]):
        body = case["body"]
        assert canonicalize(body).decode() == case["jcs"], case["name"]
        signed = sign_statement(
            PHONE, case["type"], body, ts=VECTORS["signed_at"], nonce=f"field-vector-{index:02d}"
        )
        if case.get("personal_data") is not None:
            data = case["personal_data"]
            assert personal_data_hash(case["salt"], data) == body["pii_hash"], case["name"]
            result = register_producer(service, signed, data, case["salt"])
            stored = personal_data(service, body["producer_id"])
            assert stored is not None and stored.data == data, "the app's record is the server's"
        else:
            result = service.submit(signed)
        assert result.created, case["name"]
        assert result.entry.signed.statement.actor == signed.statement.actor
        admitted.append(case["name"])
    assert len(admitted) == len(VECTORS["cases"]) >= 7
    ledger_text = json.dumps([e.to_dict() for e in service.entries(0, 100)], ensure_ascii=False)
    assert "María" not in ledger_text and "HEGG560427" not in ledger_text
    assert service.verify().size == service.head().size
