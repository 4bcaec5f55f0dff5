"""The HTTP API over a real database (SQLite and PostgreSQL through the ``db_url`` fixture).

What each group proves:

* Submitting: genesis is created (201), the same signed statement again is an idempotent
  replay (200, same entry), and ``/entries``, ``/entries/{seq}`` and ``/head`` agree; paging
  follows ``next_start`` to the end.
* Bad input: every refusal has the right status and the one error envelope
  ``{"error": {"code", "message", "fields": [{"field", "reason"}]}}`` naming the field where
  there is one, and leaves the ledger exactly as it was (head size and hash).
* OpenAPI: the four operations and the POST body schema are published.
* The Python client against a real uvicorn server on a loopback port: submit, idempotent
  resubmit, ``ClientError`` with code and fields, and offline verification of everything it
  downloaded.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import rfc8785
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.exceptions import StarletteDeprecationWarning

from api.app import create_app
from api.client import BiotrazaClient, ClientError
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.catalog import core_registry
from ledger.chain import verify_entries
from ledger.keys import encode_public_key, key_id
from ledger.statements import SignedStatement, sign_statement
from tests.factories import TS, make_genesis, make_key

with warnings.catch_warnings():
    # starlette.testclient warns on import that it prefers the httpx2 package; that is the
    # installed environment's business, not this project's.
    warnings.filterwarnings(
        "ignore",
        message="Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from fastapi.testclient import TestClient

ENTRIES = "/api/v1/entries"
HEAD = "/api/v1/head"

ROOT = make_key("root")
OPERATOR = make_key("operator")
ROOT2 = make_key("root2")
CERTIFIER = make_key("certifier")
STRANGER = make_key("stranger")


def added(
    signer: Ed25519PrivateKey, key: Ed25519PrivateKey, role: str, nonce: str, **extra: Any
) -> SignedStatement:
    body = {"name": nonce, "public_key": encode_public_key(key), "role": role, **extra}
    return sign_statement(signer, "key.added", body, ts=TS, nonce=nonce)


def revoked(signer: Ed25519PrivateKey, key: Ed25519PrivateKey, nonce: str) -> SignedStatement:
    body = {"key_id": key_id(key), "reason": "rotated"}
    return sign_statement(signer, "key.revoked", body, ts=TS, nonce=nonce)


GENESIS = make_genesis(ROOT, OPERATOR)
SETUP = [
    GENESIS,
    added(ROOT, ROOT2, "root", "grant-root2"),
    added(ROOT, CERTIFIER, "certifier", "grant-certifier"),
    revoked(ROOT, ROOT2, "revoke-root2"),
]


@pytest.fixture
def app_settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=db_url)


@pytest.fixture
def client(app_settings: Settings, service: LedgerService) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings, service)) as test_client:
        yield test_client


@pytest.fixture
def populated(client: TestClient) -> TestClient:
    """A ledger of 4 entries: genesis, root2 added, certifier added, root2 revoked."""
    for signed in SETUP:
        assert client.post(ENTRIES, json=signed.to_dict()).status_code == 201
    return client


def assert_error(
    response: httpx.Response, status: int, code: str, field: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], list)
    for item in error["fields"]:
        assert set(item) == {"field", "reason"}
        assert isinstance(item["field"], str) and isinstance(item["reason"], str)
    if field is not None:
        assert field in [item["field"] for item in error["fields"]], error
    return error


# =========================================================================== happy path


def test_submit_genesis_then_replay(client: TestClient) -> None:
    first = client.post(ENTRIES, json=GENESIS.to_dict())
    assert first.status_code == 201, first.text
    entry = first.json()
    assert entry["seq"] == 0
    assert entry["prev"] == "0" * 64
    assert entry["statement"] == GENESIS.statement.to_dict()
    assert entry["sig"] == GENESIS.sig
    assert entry["log_time"] >= "2026-"  # the log's clock at admission, part of the leaf
    leaf = rfc8785.dumps({k: entry[k] for k in ("log_time", "prev", "seq", "sig", "statement")})
    assert entry["entry_hash"] == hashlib.sha256(b"\x00" + leaf).hexdigest()

    again = client.post(ENTRIES, json=GENESIS.to_dict())
    assert again.status_code == 200, again.text
    assert again.json() == entry

    head = client.get(HEAD).json()
    assert head == {"size": 1, "head_hash": entry["entry_hash"]}
    assert client.get(f"{ENTRIES}/0").json() == entry
    page = client.get(ENTRIES).json()
    assert page == {"data": [entry], "count": 1, "start": 0, "next_start": None}


def test_entries_head_and_paging_agree(populated: TestClient) -> None:
    head = populated.get(HEAD).json()
    assert head["size"] == len(SETUP)
    everything = populated.get(ENTRIES).json()["data"]
    assert [e["seq"] for e in everything] == list(range(len(SETUP)))
    assert everything[-1]["entry_hash"] == head["head_hash"]
    for previous, entry in zip(everything, everything[1:], strict=False):
        assert entry["prev"] == previous["entry_hash"]
    for entry in everything:
        assert populated.get(f"{ENTRIES}/{entry['seq']}").json() == entry

    collected: list[dict[str, Any]] = []
    start: int | None = 0
    pages = 0
    while start is not None:
        page = populated.get(ENTRIES, params={"start": start, "limit": 3}).json()
        assert page["start"] == start
        assert page["count"] == len(page["data"]) <= 3
        collected.extend(page["data"])
        start = page["next_start"]
        pages += 1
    assert pages == 2
    assert collected == everything

    first = populated.get(ENTRIES, params={"limit": 3}).json()
    assert (first["count"], first["next_start"]) == (3, 3)
    last = populated.get(ENTRIES, params={"start": 3, "limit": 3}).json()
    assert (last["count"], last["next_start"]) == (1, None)
    beyond = populated.get(ENTRIES, params={"start": 50}).json()
    assert beyond == {"data": [], "count": 0, "start": 50, "next_start": None}


def test_empty_ledger(client: TestClient) -> None:
    assert client.get(HEAD).json() == {"size": 0, "head_hash": "0" * 64}
    assert client.get(ENTRIES).json()["data"] == []
    assert_error(client.get(f"{ENTRIES}/0"), 404, "not_found")


# =========================================================================== bad input


@dataclass(frozen=True)
class BadPost:
    """A refused submission: how to build its request, and the expected answer."""

    id: str
    request: Callable[[], dict[str, Any]]
    status: int
    code: str
    field: str | None = None
    message: str | None = None


def _json(signed: SignedStatement, **statement_changes: Any) -> dict[str, Any]:
    data = signed.to_dict()
    data["statement"] = {**data["statement"], **statement_changes}
    return {"json": data}


def _raw(text: str | bytes) -> dict[str, Any]:
    content = text.encode() if isinstance(text, str) else text
    return {"content": content, "headers": {"content-type": "application/json"}}


def _fresh_grant(**extra: Any) -> SignedStatement:
    return added(ROOT, make_key("newcomer"), "registrar", "grant-newcomer", **extra)


def _duplicate_keys() -> dict[str, Any]:
    good = json.dumps(_fresh_grant().to_dict())
    assert good.endswith("}")
    return _raw(good[:-1] + ', "sig": "' + "A" * 86 + '"}')


def _forged_signature() -> dict[str, Any]:
    signed = _fresh_grant()
    other = _fresh_grant(scope={"x": 1})
    return {"json": {"statement": signed.statement.to_dict(), "sig": other.sig}}


BAD_POSTS = [
    BadPost("malformed-json", lambda: _raw('{"statement": {'), 400, "malformed_json"),
    BadPost("empty-body", lambda: _raw(b""), 400, "malformed_json"),
    BadPost("nan-literal", lambda: _raw('{"statement": NaN, "sig": "x"}'), 400, "malformed_json"),
    BadPost("duplicate-keys", _duplicate_keys, 400, "malformed_json", message="duplicate"),
    BadPost("not-an-object", lambda: _raw("[]"), 422, "schema_error"),
    BadPost(
        "v-as-string", lambda: _json(_fresh_grant(), v="1"), 422, "schema_error", "statement.v"
    ),
    BadPost(
        "ts-with-offset",
        lambda: _json(_fresh_grant(), ts="2026-03-01T12:00:00+00:00"),
        422,
        "schema_error",
        "statement.ts",
    ),
    BadPost(
        "extra-field", lambda: _json(_fresh_grant(), seq=1), 422, "schema_error", "statement.seq"
    ),
    BadPost(
        "sig-padded",
        lambda: {"json": {**_fresh_grant().to_dict(), "sig": _fresh_grant().sig + "=="}},
        422,
        "schema_error",
        "sig",
    ),
    BadPost(
        "body-missing-role",
        lambda: {"json": sign_statement(ROOT, "key.added", {"name": "x"}, ts=TS).to_dict()},
        422,
        "schema_error",
        "statement.body.role",
    ),
    BadPost(
        "unknown-entry-type",
        lambda: {"json": sign_statement(ROOT, "test.unregistered", {}, ts=TS).to_dict()},
        422,
        "unknown_entry_type",
        "statement.type",
    ),
    BadPost("bad-signature", _forged_signature, 422, "bad_signature"),
    BadPost(
        "unknown-key",
        lambda: {"json": added(STRANGER, make_key("x"), "certifier", "stranger-1").to_dict()},
        403,
        "unknown_key",
    ),
    BadPost(
        "revoked-key",
        lambda: {"json": added(ROOT2, make_key("x"), "certifier", "root2-late").to_dict()},
        403,
        "not_authorized",
        message="revoked",
    ),
    BadPost(
        "unauthorized-role",
        lambda: {"json": added(CERTIFIER, make_key("x"), "certifier", "cert-grant").to_dict()},
        403,
        "not_authorized",
        message="role",
    ),
    BadPost(
        "replayed-nonce",
        lambda: {"json": added(ROOT, make_key("x"), "certifier", "grant-certifier").to_dict()},
        409,
        "nonce_replayed",
    ),
    BadPost(
        "key-added-twice",
        lambda: {"json": added(ROOT, CERTIFIER, "registrar", "grant-again").to_dict()},
        409,
        "rule_violation",
        "statement.body.public_key",
    ),
    BadPost(
        "revoke-last-root",
        lambda: {"json": revoked(ROOT, ROOT, "revoke-root").to_dict()},
        409,
        "rule_violation",
        "statement.body.key_id",
    ),
    BadPost(
        "second-genesis",
        lambda: {
            "json": sign_statement(
                ROOT, "ledger.genesis", GENESIS.statement.body, ts=TS, nonce="genesis-nonce-1"
            ).to_dict()
        },
        403,
        "not_authorized",
    ),
]


@pytest.mark.parametrize("case", BAD_POSTS, ids=[c.id for c in BAD_POSTS])
def test_bad_submission_is_refused_and_changes_nothing(
    populated: TestClient, service: LedgerService, case: BadPost
) -> None:
    before = populated.get(HEAD).json()
    stored_before = service.head()
    error = assert_error(
        populated.post(ENTRIES, **case.request()), case.status, case.code, case.field
    )
    if case.message:
        assert case.message in error["message"]
    assert populated.get(HEAD).json() == before
    assert service.head() == stored_before
    assert service.verify().size == len(SETUP)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversize_body_is_refused(
    populated: TestClient, app_settings: Settings, service: LedgerService, chunked: bool
) -> None:
    limit = app_settings.max_request_bytes
    # A real, well-formed submission padded with whitespace past the limit.
    payload = json.dumps(_fresh_grant().to_dict()).encode() + b" " * limit
    assert len(payload) > limit
    before = service.head()
    if chunked:

        def pieces() -> Iterator[bytes]:
            for start in range(0, len(payload), 8192):
                yield payload[start : start + 8192]

        response = populated.post(ENTRIES, content=pieces())
        assert "content-length" not in response.request.headers
        assert response.request.headers["transfer-encoding"] == "chunked"
    else:
        response = populated.post(ENTRIES, content=payload)
        assert response.request.headers["content-length"] == str(len(payload))
    assert_error(response, 413, "request_too_large")
    assert service.head() == before


def test_body_exactly_at_the_limit_is_read(
    populated: TestClient, app_settings: Settings, service: LedgerService
) -> None:
    payload = json.dumps(_fresh_grant().to_dict()).encode()
    payload += b" " * (app_settings.max_request_bytes - len(payload))
    response = populated.post(ENTRIES, content=payload)
    assert response.status_code == 201, response.text
    assert service.head().size == len(SETUP) + 1


@pytest.mark.parametrize(
    ("url", "status", "code", "field"),
    [
        (f"{ENTRIES}/999", 404, "not_found", None),
        (f"{ENTRIES}/-1", 400, "bad_request", "path.seq"),
        (f"{ENTRIES}/abc", 400, "bad_request", "path.seq"),
        (f"{ENTRIES}?limit=0", 400, "bad_request", "query.limit"),
        (f"{ENTRIES}?limit=abc", 400, "bad_request", "query.limit"),
        (f"{ENTRIES}?limit=1001", 400, "bad_request", "query.limit"),
        (f"{ENTRIES}?start=-1", 400, "bad_request", "query.start"),
        (f"{ENTRIES}?start=x", 400, "bad_request", "query.start"),
    ],
)
def test_bad_reads(
    populated: TestClient, url: str, status: int, code: str, field: str | None
) -> None:
    assert_error(populated.get(url), status, code, field)


def test_unknown_route_uses_the_envelope(client: TestClient) -> None:
    assert_error(client.get("/api/v1/nothing"), 404, "http_error")
    assert_error(client.delete(f"{ENTRIES}/0"), 405, "http_error")


def test_replay_with_a_wrong_signature_is_refused(populated: TestClient) -> None:
    # A known statement under a wrong signature is not "the same signed statement".
    first = populated.get(f"{ENTRIES}/2").json()
    forged = {"statement": first["statement"], "sig": "A" * 86}
    assert_error(populated.post(ENTRIES, json=forged), 422, "bad_signature")


def test_accepted_entry_stays_readable(populated: TestClient) -> None:
    signed = added(ROOT, make_key("big"), "certifier", "grant-big", scope={"max_kg": 1e16})
    # A body number JCS writes as plain digits beyond 2**53 (1e16 -> 10000000000000000).
    response = populated.post(ENTRIES, json=signed.to_dict())
    assert response.status_code == 201, response.text
    seq = response.json()["seq"]
    assert populated.get(f"{ENTRIES}/{seq}").status_code == 200
    assert populated.get(ENTRIES).status_code == 200


# =========================================================================== OpenAPI


def test_openapi_lists_the_operations_and_body_schema(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    operations = {
        (path, method)
        for path, item in doc["paths"].items()
        for method in item
        if method != "parameters"
    }
    # Other routers (proofs, checkpoints, …) may add paths; these four must be there.
    assert operations >= {
        (ENTRIES, "post"),
        (ENTRIES, "get"),
        (f"{ENTRIES}/{{seq}}", "get"),
        (HEAD, "get"),
    }
    post = doc["paths"][ENTRIES]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.removeprefix("#/components/schemas/")]
    assert post["requestBody"]["required"] is True
    assert set(schema["required"]) == {"statement", "sig"}
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {"statement", "sig"}
    for status in ("200", "201", "400", "403", "409", "413", "422"):
        assert status in post["responses"]
    listing = doc["paths"][ENTRIES]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"start", "limit"}


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_every_openapi_ref_resolves(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    for ref in set(_refs(doc)):
        assert ref.startswith("#/"), ref
        node: Any = doc
        for part in ref[2:].split("/"):
            assert isinstance(node, dict) and part in node, f"dangling $ref {ref}"
            node = node[part]


# =========================================================================== real server + client


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def server_url(app_settings: Settings, service: LedgerService) -> Iterator[str]:
    """The app under uvicorn in a background thread, on a free loopback port."""
    sock = _free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(app_settings, service),
        log_level="warning",
        lifespan="on",
        http="h11",
        ws="none",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn exited during startup"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not shut down"


def test_client_submit_replay_errors_and_offline_verify(server_url: str) -> None:
    with BiotrazaClient(server_url, retries=0) as api:
        results = [api.submit(signed) for signed in SETUP]
        assert [r.created for r in results] == [True] * len(SETUP)
        assert [r.seq for r in results] == list(range(len(SETUP)))

        again = api.submit(SETUP[2])
        assert again.created is False
        assert (again.seq, again.entry_hash) == (2, results[2].entry_hash)

        with pytest.raises(ClientError) as info:
            api.submit(sign_statement(ROOT, "key.added", {"name": "x"}, ts=TS))
        assert info.value.status == 422
        assert info.value.code == "schema_error"
        assert "statement.body.role" in [f["field"] for f in info.value.fields]

        with pytest.raises(ClientError) as info:
            api.submit(added(CERTIFIER, make_key("x"), "certifier", "cert-grant"))
        assert (info.value.status, info.value.code) == (403, "not_authorized")

        head = api.head()
        entries = api.all_entries()
        assert api.entry(3) == entries[3]

    # Offline: no server, no database, only the downloaded entries and the rules.
    verification = verify_entries(entries, core_registry())
    assert verification.size == head["size"] == len(SETUP)
    assert verification.head_hash.hex() == head["head_hash"]
    assert [e.entry_hash.hex() for e in entries] == [r.entry_hash for r in results]


def test_streamed_oversize_body_over_a_real_socket(
    server_url: str, app_settings: Settings, service: LedgerService
) -> None:
    limit = app_settings.max_request_bytes

    def pieces() -> Iterator[bytes]:
        yield b'{"statement": {}, "sig": "'
        for _ in range(limit // 4096 + 1):
            yield b"A" * 4096

    response = httpx.post(f"{server_url}{ENTRIES}", content=pieces(), timeout=30)
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_error(response, 413, "request_too_large")
    assert service.head().size == 0


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/entries/7673207891477969690951680",
        "/api/v1/entries?start=9223372036854775808",
        "/api/v1/proofs/inclusion?seq=9223372036854775808",
        "/api/v1/proofs/inclusion?seq=0&tree_size=99999999999999999999",
        "/api/v1/proofs/consistency?first=1&second=99999999999999999999",
        "/api/v1/labels/99999999999999999999",
    ],
)
def test_numbers_past_64_bits_are_400_not_500(populated: TestClient, url: str) -> None:
    """Found by fuzzing the OpenAPI schema: a seq too large for the database's integer
    type once reached the driver and came back as a 500."""
    response = populated.get(url)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_request"
    assert response.json()["error"]["fields"]


@pytest.mark.postgres
def test_a_lost_database_connection_is_a_503_and_the_same_statement_then_goes_in(
    pg_schema_url: str, tmp_path: Path
) -> None:
    """The server's append connection dies (PostgreSQL restarted, a proxy dropped it): the
    append in flight is answered 503 with the envelope, and the client's retry of the very
    same signed statement is recorded once."""
    service = LedgerService.open(pg_schema_url)
    try:
        settings = Settings(data_dir=tmp_path, database_url=pg_schema_url)
        with TestClient(create_app(settings, service)) as client:
            for signed in SETUP:
                assert client.post(ENTRIES, json=signed.to_dict()).status_code == 201
            with service.engine.connect() as admin:
                killed = admin.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND position('biotraza_append_' in query) > 0"
                ).scalar()
            assert killed is True
            grant = added(ROOT, make_key("after-restart"), "certifier", "after-restart")
            lost = client.post(ENTRIES, json=grant.to_dict())
            assert_error(lost, 503, "storage_unavailable")
            again = client.post(ENTRIES, json=grant.to_dict())
            assert again.status_code == 201, again.text
            assert again.json()["seq"] == len(SETUP)
            assert client.get(HEAD).json()["size"] == len(SETUP) + 1
    finally:
        service.close()
