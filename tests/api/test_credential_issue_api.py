"""Issuing a credential over HTTP on both engines, with the association's key kept by the
association (here: signed in the test as the office's browser would).

What each test proves: the draft is served only for a read signed by the producer's own
association (401 unsigned, 403 another association's key, 404 unknown producer); the signed
credential and its `credential.issued` statement are recorded once (201, then 200 on retry)
and the credential verifies and reads not revoked; a changed subject re-signed by the
association, a statement naming another id, or a statement by another key are 422 naming the
field, and nothing is recorded; the PDF route prints a valid credential and refuses a changed
one.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.services.ledger import LedgerService
from ledger.read_auth import sign_read
from ledger.statements import sign_statement
from tests.api.test_credentials_api import _client
from tests.api.test_credentials_service import world  # noqa: F401 - the fixture
from tests.supply_factories import SupplyWorld
from verifiers.data_integrity import create_proof, xml_datetime
from verifiers.status_list import CREDENTIAL_KIND

World = tuple[LedgerService, SupplyWorld]
DRAFT = "/api/v1/credentials/draft/p-1?with_name=true"


def _draft(client: TestClient, w: SupplyWorld, org: str = "coop-a") -> Any:
    return client.get(DRAFT, headers={"authorization": sign_read(w.keys[org], DRAFT)})


def _signed(w: SupplyWorld, draft: dict[str, Any], org: str = "coop-a") -> dict[str, Any]:
    from datetime import UTC, datetime

    key = w.keys[org]
    credential = create_proof(draft["credential"], key, created=xml_datetime(datetime.now(UTC)))
    statement = sign_statement(key, "credential.issued", draft["statement_body"]).to_dict()
    return {"credential": credential, "statement": statement}


def test_issue_over_http(world: World, tmp_path: Path) -> None:  # noqa: F811
    service, w = world
    client, _settings = _client(service, tmp_path)
    assert client.get(DRAFT).status_code == 401
    assert _draft(client, w, "coop-b").status_code == 403
    unknown = "/api/v1/credentials/draft/p-404"
    answer = client.get(unknown, headers={"authorization": sign_read(w.keys["coop-a"], unknown)})
    assert answer.status_code == 404

    draft = _draft(client, w)
    assert draft.status_code == 200, draft.text
    assert "proof" not in draft.json()["credential"]
    assert draft.json()["credential"]["credentialSubject"]["name"] == "María López Pérez"
    pair = _signed(w, draft.json())
    recorded = client.post("/api/v1/credentials", json=pair)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["credential_id"] == pair["credential"]["id"]
    assert client.post("/api/v1/credentials", json=pair).status_code == 200
    doc = service.store.state_get(CREDENTIAL_KIND, pair["credential"]["id"])
    assert doc is not None and doc["status"] == "active" and doc["org_id"] == "coop-a"
    verdict = client.post("/api/v1/credentials/verify", json=pair["credential"]).json()
    assert verdict["valid"] is True and verdict["revoked"] is False

    pdf = client.post("/api/v1/credentials/pdf", json=pair["credential"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    changed = copy.deepcopy(pair["credential"])
    changed["credentialSubject"]["community"] = "otra"
    refused = client.post("/api/v1/credentials/pdf", json=changed)
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["field"] == "proof.proofValue"


def _refusal(client: TestClient, pair: dict[str, Any]) -> str:
    answer = client.post("/api/v1/credentials", json=pair)
    assert answer.status_code == 422, answer.text
    return str(answer.json()["error"]["fields"][0]["field"])


def test_refusals_name_the_field(world: World, tmp_path: Path) -> None:  # noqa: F811
    service, w = world
    client, _settings = _client(service, tmp_path)
    draft = _draft(client, w).json()
    before = service.head().size

    forged = copy.deepcopy(draft)
    forged["credential"]["credentialSubject"]["seasons"] = []
    assert _refusal(client, _signed(w, forged)) == "credentialSubject"

    other_id = copy.deepcopy(draft)
    other_id["statement_body"]["credential_id"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
    assert _refusal(client, _signed(w, other_id)) == "statement.body"

    pair = _signed(w, draft)
    pair["statement"] = sign_statement(
        w.keys["coop-b"], "credential.issued", draft["statement_body"]
    ).to_dict()
    assert _refusal(client, pair) == "statement.actor"

    tampered = _signed(w, draft)
    tampered["credential"]["validFrom"] = "2020-01-01T00:00:00Z"
    assert _refusal(client, tampered) == "proof.proofValue"
    assert _refusal(client, {"credential": [], "statement": {}}) == "credential"
    assert _refusal(client, {"credential": {}}) == "body"
    assert service.head().size == before  # nothing refused was recorded
    assert service.store.state_get(CREDENTIAL_KIND, draft["credential"]["id"]) is None
