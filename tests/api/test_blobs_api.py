"""Evidence files over HTTP on SQLite and PostgreSQL ledgers: upload by hash (idempotent),
upload-and-learn-the-hash, download and HEAD, and every refusal as a JSON error naming the
field: wrong hash (422), too large (413), unknown file (404), malformed name (400). Downloads
need a signed read (who may read what: ``test_evidence_file_reads.py``). The
evidence document reports, per attachment, whether the server holds the file.

Uploads carry an authorization signed by a ledger key (issue 15 item 12a); the refusals of
anonymous, unknown, revoked, replayed, stale and over-quota uploads are in
``test_blob_upload_auth.py``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.ledger import LedgerService, full_registry
from api.settings import Settings
from ledger.read_auth import sign_read
from ledger.upload_auth import sign_upload
from tests.factories import make_key
from tests.supply_factories import SupplyWorld, org_key

REPORT = b"%PDF-1.7\n" + b"analisis de humedad 17.8 %\n" * 500
DIGEST = hashlib.sha256(REPORT).hexdigest()


@pytest.fixture
def world(service: LedgerService) -> SupplyWorld:
    return SupplyWorld(service.store, full_registry(), ["coop-a"])


@pytest.fixture
def client(service: LedgerService, world: SupplyWorld, tmp_path: Path) -> TestClient:
    del world  # registers coop-a, whose key authorizes the uploads below
    settings = Settings(
        data_dir=tmp_path,
        database_url="sqlite:///unused",
        max_blob_bytes=64_000,
        upload_min_free_bytes=0,
    )
    return TestClient(create_app(settings, service))


def signed(data: bytes, sha256: str | None = None) -> dict[str, str]:
    """Headers of an upload of ``data`` authorized by coop-a's key."""
    digest = sha256 or hashlib.sha256(data).hexdigest()
    return {"Authorization": sign_upload(org_key("coop-a"), digest, len(data))}


def reader(sha256: str) -> dict[str, str]:
    """Headers of a signed read of a file by coop-a's key (it uploaded the files here)."""
    return {"Authorization": sign_read(org_key("coop-a"), f"/api/v1/blobs/{sha256}")}


def test_put_get_head_roundtrip(client: TestClient, tmp_path: Path) -> None:
    first = client.put(f"/api/v1/blobs/{DIGEST}", content=REPORT, headers=signed(REPORT))
    assert first.status_code == 201, first.text
    assert first.json() == {
        "sha256": DIGEST,
        "size": len(REPORT),
        "created": True,
        "url": f"/api/v1/blobs/{DIGEST}",
    }
    again = client.put(f"/api/v1/blobs/{DIGEST}", content=REPORT, headers=signed(REPORT))
    assert again.status_code == 200 and again.json()["created"] is False
    got = client.get(f"/api/v1/blobs/{DIGEST}", headers=reader(DIGEST))
    assert got.status_code == 200 and got.content == REPORT
    assert (
        got.headers["etag"] == f'"{DIGEST}"' and got.headers["cache-control"] == "private, no-store"
    )
    head = client.head(f"/api/v1/blobs/{DIGEST}")
    assert head.status_code == 200 and head.headers["content-length"] == str(len(REPORT))
    assert (tmp_path / "blobs" / DIGEST[:2] / DIGEST[2:4] / DIGEST).read_bytes() == REPORT


def test_post_answers_the_hash(client: TestClient) -> None:
    response = client.post("/api/v1/blobs", content=REPORT, headers=signed(REPORT))
    assert response.status_code == 201 and response.json()["sha256"] == DIGEST


def test_wrong_hash_is_422_and_nothing_is_stored(client: TestClient) -> None:
    other = hashlib.sha256(b"other").hexdigest()
    response = client.put(f"/api/v1/blobs/{other}", content=REPORT, headers=signed(REPORT, other))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "hash_mismatch"
    assert error["fields"][0]["field"] == "sha256" and DIGEST in error["message"]
    assert client.head(f"/api/v1/blobs/{other}").status_code == 404
    assert client.head(f"/api/v1/blobs/{DIGEST}").status_code == 404


def test_too_large_is_413(client: TestClient) -> None:
    big = b"x" * 64_001
    response = client.post("/api/v1/blobs", content=big, headers=signed(big))
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "request_too_large"
    assert response.json()["error"]["fields"][0]["field"] == "body"
    digest = hashlib.sha256(big).hexdigest()
    assert client.head(f"/api/v1/blobs/{digest}").status_code == 404


def test_unknown_and_malformed_names(client: TestClient) -> None:
    nope = hashlib.sha256(b"nope").hexdigest()
    root = {"Authorization": sign_read(make_key("root"), f"/api/v1/blobs/{nope}")}
    missing = client.get(f"/api/v1/blobs/{nope}", headers=root)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    for bad in (DIGEST.upper(), DIGEST[:10], "..%2F..%2Fetc%2Fpasswd"):
        response = client.get(f"/api/v1/blobs/{bad}")
        assert response.status_code in (400, 404), response.text
        assert "error" in response.json()
    malformed = client.put(
        f"/api/v1/blobs/{DIGEST.upper()}", content=REPORT, headers=signed(REPORT)
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"]["fields"][0]["field"] == "path.sha256"


def test_evidence_document_marks_attachments_stored(client: TestClient, world: SupplyWorld) -> None:
    world.producer("coop-a", "p-1")
    world.plot("coop-a", "pl-1", "p-1")
    absent = hashlib.sha256(b"photo never uploaded").hexdigest()
    world.submit(
        "coop-a",
        "evidence.recorded",
        {
            "evidence_id": "ev-moisture",
            "subject_kind": "plot",
            "subject_id": "pl-1",
            "field": "shade_cover_pct",
            "value": 55,
            "observed_on": "2026-01-10",
            "method": "densiometer survey",
            "attachments": [
                {"sha256": DIGEST, "media_type": "application/pdf", "name": "informe.pdf"},
                {"sha256": absent, "media_type": "image/jpeg", "name": "foto.jpg"},
            ],
        },
    )
    assert (
        client.put(f"/api/v1/blobs/{DIGEST}", content=REPORT, headers=signed(REPORT)).status_code
        == 201
    )
    doc = client.get("/api/v1/evidence/ev-moisture").json()
    stored = {a["name"]: (a["stored"], a["url"]) for a in doc["attachments"]}
    assert stored == {
        "informe.pdf": (True, f"/api/v1/blobs/{DIGEST}"),
        "foto.jpg": (False, f"/api/v1/blobs/{absent}"),
    }
