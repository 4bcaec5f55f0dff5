"""Evidence files are private: who may download one (``api.services.evidence_reads``), on
SQLite and PostgreSQL.

Issue 18: "Reading non-public data (members' personal data, unpublished evidence) requires a
signed request from an authorized key". An evidence file's hash is public (the entry citing it
is), its bytes are not:

* no signed read → 401 naming ``authorization``, before anything says whether it is stored;
* root and certifier keys read any file; an association reads files cited by evidence about its
  own subjects or uploaded by its keys; another association or the registrar gets 403;
* a signed read opens one read: the same header replayed is 401 ``authorization.nonce``
  (also for personal data, which shares the authentication);
* ``HEAD`` stays public (an uploader checks presence before spending quota).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.client import BiotrazaClient, ClientError
from api.services.ledger import LedgerService, full_registry
from api.settings import Settings
from ledger.keys import encode_public_key
from ledger.read_auth import sign_read
from ledger.upload_auth import sign_upload
from tests.factories import make_key
from tests.supply_factories import SupplyWorld, org_key

PHOTO_A = b"\xff\xd8\xff photo of coop-a's shade trees" * 40
PHOTO_B = b"\xff\xd8\xff photo of coop-b's plot, taken by the certifier" * 40
CERTIFIER = make_key("certifier-body")


@pytest.fixture
def world(service: LedgerService) -> SupplyWorld:
    made = SupplyWorld(service.store, full_registry(), ["coop-a", "coop-b"])
    made.submit(
        made.root,
        "key.added",
        {"name": "certifier", "public_key": encode_public_key(CERTIFIER), "role": "certifier"},
    )
    for org in ("coop-a", "coop-b"):
        made.producer(org, f"p-{org}")
        made.plot(org, f"pl-{org}", f"p-{org}")
    return made


@pytest.fixture
def client(service: LedgerService, world: SupplyWorld, tmp_path: Path) -> TestClient:
    del world
    settings = Settings(data_dir=tmp_path, database_url="sqlite:///unused", upload_min_free_bytes=0)
    return TestClient(create_app(settings, service))


def _upload(client: TestClient, key: Any, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    headers = {"Authorization": sign_upload(key, digest, len(data))}
    assert client.put(f"/api/v1/blobs/{digest}", content=data, headers=headers).status_code == 201
    return digest


def _cite(world: SupplyWorld, signer: Any, org: str, evidence_id: str, digest: str) -> None:
    world.submit(
        signer,
        "evidence.recorded",
        {
            "evidence_id": evidence_id,
            "subject_kind": "plot",
            "subject_id": f"pl-{org}",
            "field": "shade_cover_pct",
            "value": 41,
            "observed_on": "2026-01-10",
            "method": "densiometer survey",
            "attachments": [{"sha256": digest, "media_type": "image/jpeg", "name": "f.jpg"}],
        },
    )


def _read(client: TestClient, digest: str, key: Any = None, header: str | None = None) -> Any:
    path = f"/api/v1/blobs/{digest}"
    if header is None and key is not None:
        header = sign_read(key, path)
    return client.get(path, headers={} if header is None else {"Authorization": header})


def _field(response: Any) -> str:
    return str(response.json()["error"]["fields"][0]["field"])


def test_who_may_read_an_evidence_file(client: TestClient, world: SupplyWorld) -> None:
    own = _upload(client, org_key("coop-a"), PHOTO_A)
    _cite(world, "coop-a", "coop-a", "ev-a", own)
    # The certifier photographs coop-b's plot: coop-b may read it though it did not upload it.
    theirs = _upload(client, CERTIFIER, PHOTO_B)
    _cite(world, CERTIFIER, "coop-b", "ev-b", theirs)

    unsigned = _read(client, own)
    assert unsigned.status_code == 401 and unsigned.headers["www-authenticate"] == "Biotraza-Read"
    assert _field(unsigned) == "authorization" and b"shade trees" not in unsigned.content
    assert client.head(f"/api/v1/blobs/{own}").status_code == 200  # presence stays public

    assert _read(client, own, org_key("coop-a")).content == PHOTO_A
    assert _read(client, own, world.root).content == PHOTO_A
    assert _read(client, own, CERTIFIER).content == PHOTO_A
    assert _read(client, theirs, org_key("coop-b")).content == PHOTO_B
    assert _read(client, theirs, CERTIFIER).content == PHOTO_B

    for digest, key in (
        (own, org_key("coop-b")),
        (theirs, org_key("coop-a")),
        (own, world.registrar),
    ):
        refused = _read(client, digest, key)
        assert refused.status_code == 403, refused.text
        assert _field(refused) == "authorization.key" and b"photo" not in refused.content

    stranger = _read(client, own, make_key("nobody"))
    assert stranger.status_code == 401 and _field(stranger) == "authorization.key"
    missing = hashlib.sha256(b"never stored").hexdigest()
    assert _read(client, missing).status_code == 401  # unsigned: nothing said about presence
    assert _read(client, missing, world.root).status_code == 404
    elsewhere = _read(client, own, header=sign_read(world.root, f"/api/v1/blobs/{theirs}"))
    assert elsewhere.status_code == 401 and _field(elsewhere) == "authorization.path"


def test_a_signed_read_opens_one_read(client: TestClient, world: SupplyWorld) -> None:
    digest = _upload(client, org_key("coop-a"), PHOTO_A)
    header = sign_read(org_key("coop-a"), f"/api/v1/blobs/{digest}")
    assert _read(client, digest, header=header).status_code == 200
    replayed = _read(client, digest, header=header)
    assert replayed.status_code == 401 and _field(replayed) == "authorization.nonce"
    assert b"shade trees" not in replayed.content
    # A fresh header (new nonce) reads again.
    assert _read(client, digest, org_key("coop-a")).status_code == 200
    # The same rule guards members' personal data, which shares the authentication.
    path = "/api/v1/producers/p-coop-a/personal-data"
    once = sign_read(org_key("coop-a"), path)
    first = client.get(path, headers={"Authorization": once})
    assert first.status_code in (200, 404), first.text  # 404: recorded without personal data
    again = client.get(path, headers={"Authorization": once})
    assert again.status_code == 401 and _field(again) == "authorization.nonce"


def test_the_client_reads_with_a_fresh_signed_read_per_attempt(
    client: TestClient, world: SupplyWorld
) -> None:
    """``BiotrazaClient.get_blob`` (``biotraza blob get --server … --signer …``) signs each
    attempt anew: a retried header would be a replay."""
    digest = _upload(client, org_key("coop-a"), PHOTO_A)
    seen: list[str] = []

    def through_the_app(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization", ""))
        if len(seen) == 1:  # the first attempt is lost on the way: the client retries
            raise httpx.ConnectError("connection reset", request=request)
        answer = client.request(request.method, str(request.url), headers=request.headers)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    transport = httpx.MockTransport(through_the_app)
    with BiotrazaClient("http://testserver", transport=transport, retries=1) as api:
        assert api.get_blob(digest, org_key("coop-a")) == PHOTO_A
        with pytest.raises(ClientError) as refused:
            api.get_blob(digest, org_key("coop-b"))
    assert refused.value.status == 403
    assert len(set(seen)) == 3 and all(h.startswith("Biotraza-Read ") for h in seen)
