"""Credentials over HTTP on both engines: the status list, the public verify route and the
verifier page (paste, upload, scan of a stored credential), es/en.

What each test proves: the status list is signed by the log operator and reads a revocation
the association signed; `POST /api/v1/credentials/verify` answers valid / revoked and a 422
naming the field for a changed credential (400 for a body that is not JSON); the page shows
the verdict and the facts in the reader's language, and a bad credential is a page naming the
field, never a traceback.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.services.credentials import issue_credential, revoke_credential
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.storage.blobs import BlobStore
from tests.api.test_credentials_service import HOST, world  # noqa: F401 - the fixture
from tests.supply_factories import SupplyWorld
from verifiers.credentials import verify_credential

World = tuple[LedgerService, SupplyWorld]


def _client(service: LedgerService, tmp_path: Path) -> tuple[TestClient, Settings]:
    settings = Settings(data_dir=tmp_path, database_url="sqlite:///unused")
    return TestClient(create_app(settings, service), base_url=f"https://{HOST}"), settings


def _credential(pair: World) -> dict[str, Any]:
    service, w = pair
    return issue_credential(service, "p-1", w.keys["coop-a"], host=HOST).credential


def test_status_list_and_verify_route(world: World, tmp_path: Path) -> None:  # noqa: F811
    service, w = world
    client, _settings = _client(service, tmp_path)
    credential = _credential(world)
    listed = client.get("/api/v1/credentials/status/coop-a")
    assert listed.status_code == 200, listed.text
    assert listed.json()["id"] == credential["credentialStatus"]["statusListCredential"]
    assert verify_credential(credential, status_list=listed.json()).revoked is False
    answer = client.post("/api/v1/credentials/verify", json=credential)
    assert answer.status_code == 200, answer.text
    assert answer.json()["valid"] is True and answer.json()["revoked"] is False

    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["producerId"] = "p-2"
    refused = client.post("/api/v1/credentials/verify", json=changed)
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["field"] == "proof.proofValue"
    assert client.post("/api/v1/credentials/verify", json=[1]).status_code == 422
    not_json = client.post("/api/v1/credentials/verify", content=b"{nope",
                           headers={"content-type": "application/json"})  # fmt: skip
    assert not_json.status_code == 400
    assert client.get("/api/v1/credentials/status/nobody").status_code == 404

    revoke_credential(service, credential["id"], w.keys["coop-a"], "datos corregidos")
    assert client.post("/api/v1/credentials/verify", json=credential).json()["revoked"] is True
    fresh = client.get("/api/v1/credentials/status/coop-a").json()
    assert verify_credential(credential, status_list=fresh).revoked is True


def test_verifier_page_paste_upload_and_scan(world: World, tmp_path: Path) -> None:  # noqa: F811
    service, _w = world
    client, settings = _client(service, tmp_path)
    credential = _credential(world)
    text = json.dumps(credential, ensure_ascii=False)

    form = client.get("/credentials/verify?lang=en")
    assert form.status_code == 200 and 'name="file"' in form.text
    assert "script-src" not in form.headers["content-security-policy"]

    uploaded = client.post(
        "/credentials/verify?lang=en",
        files={"file": ("constancia.json", text.encode("utf-8"), "application/json")},
    )
    assert uploaded.status_code == 200, uploaded.text
    assert "Valid credential" in uploaded.text and "María López Pérez" in uploaded.text
    assert "700.5 kg in 2 deliveries" in uploaded.text
    assert "2025/26: bought $ 3,675.00, paid $ 3,000.50, advances $ 0.00 (MXN)" in uploaded.text

    pasted = client.post("/credentials/verify?lang=es", data={"credential": text})
    assert "Constancia válida" in pasted.text and "700.5 kg en 2 entregas" in pasted.text

    changed = text.replace('"700.5"', '"700.6"')
    bad = client.post("/credentials/verify?lang=es", data={"credential": changed})
    assert bad.status_code == 422 and "Constancia no válida" in bad.text
    assert "proof.proofValue" in bad.text and "Traceback" not in bad.text
    empty = client.post("/credentials/verify?lang=en", data={"credential": ""})
    assert empty.status_code == 422 and "Invalid credential" in empty.text

    digest = (
        BlobStore(settings.blob_dir, settings.max_blob_bytes).put_bytes(text.encode("utf-8")).sha256
    )
    scanned = client.get(f"/credentials/verify?sha256={digest}&lang=es")
    assert scanned.status_code == 200 and "Constancia válida" in scanned.text
    missing = client.get(f"/credentials/verify?sha256={'0' * 64}&lang=en")
    assert missing.status_code == 422 and "Invalid credential" in missing.text

    as_json = {"accept": "application/json"}
    scanned_json = client.get(f"/credentials/verify?sha256={digest}", headers=as_json)
    assert scanned_json.json()["valid"] is True and scanned_json.json()["producer_id"] == "p-1"
    bad_json = client.post("/credentials/verify", data={"credential": changed}, headers=as_json)
    assert bad_json.status_code == 422
    assert bad_json.json()["error"]["fields"][0]["field"] == "proof.proofValue"
