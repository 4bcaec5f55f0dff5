"""Evidence-file uploads need an authorization signed by a ledger key (issue 15 item 12a):
anonymous → 401, unknown or revoked key or a role that records no evidence → 403, replayed or
stale authorization → 401, over a key's quota → 429, disk floor → 507 — each a JSON error
naming the field, with nothing stored — and a valid one is stored. On both engines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.client import BiotrazaClient
from api.services.ledger import LedgerService, full_registry
from api.settings import Settings
from ledger.keys import key_id
from ledger.read_auth import sign_read
from ledger.statements import format_ts
from ledger.upload_auth import sign_upload
from tests.factories import make_key, make_key_added
from tests.supply_factories import SupplyWorld, org_key

FILE = b"\x89PNG\r\n" + b"foto de parcela " * 300
DIGEST = hashlib.sha256(FILE).hexdigest()


@pytest.fixture
def service(db_url: str) -> Iterator[LedgerService]:
    opened = LedgerService.open(db_url)
    try:
        world = SupplyWorld(opened.store, full_registry(), ["coop-a"])
        world.submit(world.root, "key.added", _grant("certifier-x", "certifier"))
        world.submit(world.root, "key.added", _grant("cert-gone", "certifier"))
        world.submit(world.root, "key.revoked", {"key_id": _kid("cert-gone"), "reason": "lost"})
        yield opened
    finally:
        opened.close()


def _kid(name: str) -> str:
    return str(key_id(make_key(name)))


def _grant(name: str, role: str) -> dict[str, Any]:
    return make_key_added(make_key("root"), make_key(name), role=role, name=name).statement.body


def _client(service: LedgerService, tmp_path: Path, **limits: Any) -> TestClient:
    settings = Settings(
        data_dir=tmp_path,
        database_url="sqlite:///unused",
        max_blob_bytes=64_000,
        upload_min_free_bytes=limits.pop("upload_min_free_bytes", 0),
        **limits,
    )
    return TestClient(create_app(settings, service))


@pytest.fixture
def client(service: LedgerService, tmp_path: Path) -> TestClient:
    return _client(service, tmp_path)


def _put(client: TestClient, auth: str | None, data: bytes = FILE) -> httpx.Response:
    digest = hashlib.sha256(data).hexdigest()
    headers = {} if auth is None else {"Authorization": auth}
    return client.put(f"/api/v1/blobs/{digest}", content=data, headers=headers)


def _refused(response: httpx.Response, status: int, code: str, field: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["fields"][0]["field"] == field, error


def _not_stored(client: TestClient, digest: str = DIGEST) -> None:
    assert client.head(f"/api/v1/blobs/{digest}").status_code == 404


def test_anonymous_uploads_are_401_and_store_nothing(client: TestClient) -> None:
    response = _put(client, None)
    _refused(response, 401, "unauthorized", "authorization")
    assert response.headers["www-authenticate"] == "Biotraza-Upload"
    posted = client.post("/api/v1/blobs", content=FILE)
    _refused(posted, 401, "unauthorized", "authorization")
    for junk in ("Bearer abc", "Biotraza-Upload", "Biotraza-Upload x.y", "Biotraza-Upload ."):
        _refused(_put(client, junk), 401, "unauthorized", "authorization")
    _not_stored(client)


def test_a_signed_upload_is_stored(client: TestClient) -> None:
    response = _put(client, sign_upload(org_key("coop-a"), DIGEST, len(FILE)))
    assert response.status_code == 201, response.text
    path = f"/api/v1/blobs/{DIGEST}"
    read = {"Authorization": sign_read(org_key("coop-a"), path)}
    assert client.get(path, headers=read).content == FILE
    # A certifier may record evidence too, so it may upload.
    other = FILE + b"!"
    certifier = sign_upload(make_key("certifier-x"), hashlib.sha256(other).hexdigest(), len(other))
    assert _put(client, certifier, other).status_code == 201


def test_unknown_revoked_and_unentitled_keys_are_403(client: TestClient) -> None:
    stranger = sign_upload(make_key("stranger"), DIGEST, len(FILE))
    _refused(_put(client, stranger), 403, "forbidden", "authorization.key")
    revoked = _put(client, sign_upload(make_key("cert-gone"), DIGEST, len(FILE)))
    _refused(revoked, 403, "forbidden", "authorization.key")
    assert "revoked" in revoked.json()["error"]["message"]
    registrar = _put(client, sign_upload(make_key("registrar"), DIGEST, len(FILE)))
    _refused(registrar, 403, "forbidden", "authorization.key")
    assert "role registrar" in registrar.json()["error"]["message"]
    _not_stored(client)


def test_replayed_stale_and_misdirected_authorizations_are_401(client: TestClient) -> None:
    auth = sign_upload(org_key("coop-a"), DIGEST, len(FILE))
    assert _put(client, auth).status_code == 201
    _refused(_put(client, auth), 401, "unauthorized", "authorization.nonce")
    old = format_ts(datetime.now(UTC) - timedelta(minutes=10))
    other = FILE + b"late"
    other_digest = hashlib.sha256(other).hexdigest()
    stale = sign_upload(org_key("coop-a"), other_digest, len(other), ts=old)
    _refused(_put(client, stale, other), 401, "unauthorized", "authorization.ts")
    future = format_ts(datetime.now(UTC) + timedelta(minutes=10))
    ahead = sign_upload(org_key("coop-a"), other_digest, len(other), ts=future)
    _refused(_put(client, ahead, other), 401, "unauthorized", "authorization.ts")
    # An authorization for one file does not admit another.
    _refused(_put(client, auth, other), 401, "unauthorized", "authorization.sha256")
    # A signature by another key over the same authorization does not verify.
    forged = sign_upload(make_key("stranger"), other_digest, len(other), nonce="n-forged-1")
    genuine = sign_upload(org_key("coop-a"), other_digest, len(other), nonce="n-forged-1")
    spliced = genuine.split(".")[0] + "." + forged.split(".")[1]
    _refused(_put(client, spliced, other), 401, "unauthorized", "authorization")
    _not_stored(client, other_digest)


def test_quota_per_key_per_day_and_total_are_429(service: LedgerService, tmp_path: Path) -> None:
    files = [FILE + bytes([i]) for i in range(4)]
    size = len(files[0])
    client = _client(
        service,
        tmp_path,
        upload_bytes_per_key_per_day=2 * size,
        upload_bytes_per_key_total=3 * size,
    )
    coop = org_key("coop-a")

    def put(key_name: str, data: bytes) -> httpx.Response:
        key = coop if key_name == "coop-a" else make_key(key_name)
        return _put(client, sign_upload(key, hashlib.sha256(data).hexdigest(), len(data)), data)

    assert put("coop-a", files[0]).status_code == 201
    assert put("coop-a", files[0]).status_code == 200  # already stored: charges nothing
    assert put("coop-a", files[1]).status_code == 201
    over = put("coop-a", files[2])
    _refused(over, 429, "quota_exceeded", "authorization.size")
    assert 0 < int(over.headers["retry-after"]) <= 86_400
    _not_stored(client, hashlib.sha256(files[2]).hexdigest())
    # Quotas are per key: the certifier still has its own.
    assert put("certifier-x", files[2]).status_code == 201
    # Tomorrow the daily quota is fresh, the total is not (the book is the database's).
    tomorrow = format_ts(datetime.now(UTC) + timedelta(days=1))
    gate = client.app.state.upload_gate  # type: ignore[attr-defined]
    usage = gate.book.usage(str(key_id(org_key("coop-a"))), tomorrow[:10])
    assert (usage.today, usage.total) == (0, 2 * size)


def test_total_quota_is_429_without_retry_after(service: LedgerService, tmp_path: Path) -> None:
    client = _client(service, tmp_path, upload_bytes_per_key_total=len(FILE) - 1)
    response = _put(client, sign_upload(org_key("coop-a"), DIGEST, len(FILE)))
    _refused(response, 429, "quota_exceeded", "authorization.size")
    assert "retry-after" not in response.headers
    _not_stored(client)


def test_disk_floor_is_507(service: LedgerService, tmp_path: Path) -> None:
    client = _client(service, tmp_path, upload_min_free_bytes=1 << 62)
    response = _put(client, sign_upload(org_key("coop-a"), DIGEST, len(FILE)))
    _refused(response, 507, "insufficient_storage", "body")
    _not_stored(client)


def test_the_client_signs_a_fresh_authorization_per_attempt(client: TestClient) -> None:
    """The client's retries each carry a new authorization (a retried one would be a replay)."""
    seen: list[str] = []

    def through_the_app(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization", ""))
        if len(seen) == 1:  # the first attempt is lost on the way: the client retries
            raise httpx.ConnectError("connection reset", request=request)
        answer = client.request(
            request.method, str(request.url), content=request.content, headers=request.headers
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    transport = httpx.MockTransport(through_the_app)
    with BiotrazaClient("http://testserver", transport=transport, retries=1) as api:
        first = api.put_blob(FILE, DIGEST, org_key("coop-a"))
    with BiotrazaClient("http://testserver", transport=transport, retries=0) as api:
        again = api.put_blob(FILE, DIGEST, org_key("coop-a"))
    assert first["created"] is True and again["created"] is False
    assert len(set(seen)) == 3 and all(h.startswith("Biotraza-Upload ") for h in seen)
