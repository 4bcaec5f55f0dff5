"""``POST /api/v1/batches`` over a real database (SQLite and PostgreSQL).

Each item's result says what ``POST /api/v1/entries`` would have said for it alone — the
same entry JSON for an appended or duplicate one, the same status and error body for a
refused one — and a retried batch records nothing twice. The limits (statements per batch,
bytes per body) are refused whole with a 413 naming the limit; a malformed envelope with a
4xx naming ``statements``; a database that cannot be written with a 503 and nothing
recorded. The client and the CLI send a file of statements through it.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from api.app import create_app
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.statements import SignedStatement
from tests.api.test_entries_api import (
    ENTRIES,
    GENESIS,
    HEAD,
    ROOT,
    SETUP,
    STRANGER,
    added,
    assert_error,
)
from tests.factories import make_key
from tests.helpers_storage import open_store
from tests.integration.test_lock_timeout import BOUND, lock_held
from tests.supply_factories import SupplyWorld, harvest_body, plot_body, producer_body

with warnings.catch_warnings():
    # As in test_entries_api: the test client's import-time preference is not ours to fix.
    warnings.filterwarnings(
        "ignore",
        message="Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from fastapi.testclient import TestClient

BATCH = "/api/v1/batches"


@pytest.fixture
def client(tmp_path: Path, db_url: str, service: LedgerService) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, database_url=db_url, max_batch_statements=50)
    with TestClient(create_app(settings, service)) as test_client:
        yield test_client


def _body(statements: Sequence[SignedStatement | dict[str, Any]]) -> dict[str, Any]:
    return {
        "statements": [s.to_dict() if isinstance(s, SignedStatement) else s for s in statements]
    }


def _mixed() -> list[SignedStatement | dict[str, Any]]:
    """Genesis and grants (the later ones signed by a key granted earlier in the batch),
    with refusals among them: an unknown signer, a reused nonce, a malformed statement."""
    fresh = make_key("batch-http-fresh")
    reused = added(ROOT, make_key("other"), "certifier", "grant-certifier")
    return [
        *SETUP,
        added(STRANGER, make_key("x"), "certifier", "by-stranger"),
        added(ROOT, fresh, "root", "grant-fresh"),
        reused,
        {"statement": {"type": "key.added"}, "sig": "nope"},
        added(fresh, make_key("y"), "certifier", "by-fresh"),
    ]


def test_each_item_answers_as_the_single_endpoint(client: TestClient, tmp_path: Path) -> None:
    statements = _mixed()
    response = client.post(BATCH, json=_body(statements))
    assert response.status_code == 200, response.text
    body = response.json()
    results = body["results"]
    assert [r["index"] for r in results] == list(range(len(statements)))
    assert [r["status"] for r in results] == [
        *["appended"] * 4,
        "refused",
        "appended",
        "refused",
        "refused",
        "appended",
    ]
    assert (body["appended"], body["duplicates"], body["refused"]) == (6, 0, 3)
    seqs = [r["entry"]["seq"] for r in results if r["status"] == "appended"]
    assert seqs == list(range(6))
    head = client.get(HEAD).json()
    assert head["size"] == 6
    for result in results:
        if result["status"] == "appended":
            assert result["http_status"] == 201 and result["error"] is None
            assert client.get(f"{ENTRIES}/{result['entry']['seq']}").json() == result["entry"]

    # The refusals and replays are what the single endpoint answers now, status and body.
    for index, statement in enumerate(statements):
        payload = statement.to_dict() if isinstance(statement, SignedStatement) else statement
        single = client.post(ENTRIES, json=payload)
        result = results[index]
        assert single.status_code == result["http_status"] - (result["http_status"] == 201)
        if result["status"] == "refused":
            assert single.json() == {"error": result["error"]}
            assert_error(single, result["http_status"], result["error"]["code"])
        else:
            assert single.json() == result["entry"]
    assert results[4]["error"]["code"] == "unknown_key"
    assert results[6]["error"]["code"] == "nonce_replayed"
    assert results[7]["error"]["code"] == "schema_error"
    assert results[7]["error"]["fields"]


def test_a_retried_batch_records_nothing_twice(client: TestClient) -> None:
    statements = _mixed()
    first = client.post(BATCH, json=_body(statements)).json()
    size = client.get(HEAD).json()["size"]
    again = client.post(BATCH, json=_body(statements)).json()
    assert client.get(HEAD).json()["size"] == size
    assert (again["appended"], again["duplicates"], again["refused"]) == (0, 6, 3)
    for before, after in zip(first["results"], again["results"], strict=True):
        if before["status"] == "appended":
            assert after["status"] == "duplicate" and after["http_status"] == 200
            assert after["entry"] == before["entry"]
        else:
            assert after == before


def test_limits_and_malformed_envelopes(client: TestClient, tmp_path: Path) -> None:
    assert client.post(ENTRIES, json=GENESIS.to_dict()).status_code == 201
    many = [added(ROOT, make_key(f"m{i}"), "certifier", f"many-{i:04d}") for i in range(51)]
    error = assert_error(client.post(BATCH, json=_body(many)), 413, "request_too_large")
    assert "at most 50 statements" in error["message"]
    assert error["fields"] == [{"field": "statements", "reason": "over 50 statements"}]

    bad_bodies: list[Any] = [{}, {"statements": {}}, [], {"statements": [], "extra": 1}]
    for bad in bad_bodies:
        assert_error(client.post(BATCH, json=bad), 422, "schema_error", "statements")
    assert_error(
        client.post(
            BATCH, content=b'{"statements": [', headers={"content-type": "application/json"}
        ),
        400,
        "malformed_json",
    )
    empty = client.post(BATCH, json={"statements": []})
    assert empty.json() == {"results": [], "appended": 0, "duplicates": 0, "refused": 0}
    assert client.get(HEAD).json()["size"] == 1


def test_body_limit_is_its_own_setting(tmp_path: Path, db_url: str) -> None:
    """The batch route takes ``BIOTRAZA_MAX_BATCH_BYTES``, other routes keep theirs."""
    settings = Settings(
        data_dir=tmp_path, database_url=db_url, max_request_bytes=2000, max_batch_bytes=5000
    )
    service = LedgerService.open(db_url)
    try:
        with TestClient(create_app(settings, service)) as client:
            fits = [
                GENESIS,
                *(added(ROOT, make_key(f"b{i}"), "certifier", f"bytes-{i:04d}") for i in range(6)),
            ]
            body = json.dumps(_body(fits)).encode()
            assert 2000 < len(body) < 5000
            assert client.post(BATCH, content=body).status_code == 200
            over = [added(ROOT, make_key(f"o{i}"), "certifier", f"over-{i:04d}") for i in range(16)]
            refused = client.post(BATCH, json=_body(over))
            error = assert_error(refused, 413, "request_too_large", "body")
            assert "5000 bytes" in error["message"]
            big = added(ROOT, make_key("big"), "certifier", "big-0000", note="x" * 2500)
            assert_error(client.post(ENTRIES, json=big.to_dict()), 413, "request_too_large")
            assert client.get(HEAD).json()["size"] == 7
    finally:
        service.close()


def test_storage_unavailable_is_a_503_and_records_nothing(db_url: str, tmp_path: Path) -> None:
    service = LedgerService.open(db_url, lock_timeout=BOUND)
    settings = Settings(data_dir=tmp_path, database_url=db_url, lock_timeout_seconds=BOUND)
    statements = _mixed()
    try:
        with TestClient(create_app(settings, service)) as client:
            with lock_held(open_store(db_url)) as released:
                refused = client.post(BATCH, json=_body(statements))
                assert not released.is_set()
            assert_error(refused, 503, "storage_unavailable")
            assert refused.headers["retry-after"] == "1"
            assert client.get(HEAD).json()["size"] == 0
            accepted = client.post(BATCH, json=_body(statements)).json()
            assert accepted["appended"] == 6
    finally:
        service.close()


def test_openapi_documents_the_batch(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"][BATCH]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["statements"]
    # Any item is accepted into the batch: one that is not a signed statement is refused
    # in its own result, not with the whole request.
    items = schema["properties"]["statements"]["items"]
    assert set(items) == {"description"} and "SignedStatement" in items["description"]
    assert {"200", "413", "422", "503"} <= set(operation["responses"])
    # Only POST is served there (Allow says so on any other method).
    assert set(document["paths"][BATCH]) == {"post"}
    assert client.get(BATCH).status_code == 405
    assert client.get(BATCH).headers["allow"] == "POST"


def test_a_field_outbox_through_http(client: TestClient, service: LedgerService) -> None:
    """The field app's case: a member, their plot and a harvest on that plot, signed by the
    association's key and uploaded together; a harvest on an unregistered plot among them
    is refused with the rule's reason and field, the others are recorded in order."""
    world = SupplyWorld(service.store, service.registry)
    outbox = [
        world.sign("coop-a", "producer.registered", producer_body("prod-h1")),
        world.sign("coop-a", "plot.registered", plot_body("plot-h1", "prod-h1")),
        world.sign("coop-a", "lot.harvested", harvest_body("lot-h0", {"plot-none": 50})),
        world.sign("coop-a", "lot.harvested", harvest_body("lot-h1", {"plot-h1": 120})),
    ]
    size = client.get(HEAD).json()["size"]
    body = client.post(BATCH, json=_body(outbox)).json()
    assert [r["status"] for r in body["results"]] == ["appended", "appended", "refused", "appended"]
    assert [r["entry"]["seq"] for r in body["results"] if r["entry"]] == [size, size + 1, size + 2]
    refused = body["results"][2]
    assert (refused["http_status"], refused["error"]["code"]) == (409, "rule_violation")
    assert "plot-none" in refused["error"]["message"]
    assert refused["error"]["fields"]
    assert client.get("/api/v1/lots/lot-h1").status_code == 200
    assert client.get("/api/v1/lots/lot-h0").status_code == 404
