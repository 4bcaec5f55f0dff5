"""Storage loss answers the JSON 503 envelope on every route (issue 15, item 4).

What each test proves:

* PostgreSQL, backends terminated (``pg_terminate_backend``, what a restart or failover does
  to every pooled connection): the next reads succeed — the pool pings a connection before
  handing it out. Before, the first read on each stale connection was a bare 500.
* PostgreSQL unreachable, SQLite file missing or not a database: every GET operation in the
  OpenAPI document answers 503 with the error envelope, ``Retry-After`` and one fixed
  message naming neither host nor driver (before: text/plain 500s). Evidence-file reads are
  the exception by design: files live on the server's disk, not in the database (404 here).
* An append on an unreachable database answers the same 503 (no driver detail).
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from api.app import create_app
from api.http.errors import STORAGE_UNAVAILABLE
from api.services.ledger import LedgerService, full_registry
from api.settings import Settings
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine
from tests.api.route_catalog import operations
from tests.factories import make_genesis, make_key, make_key_added

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

ROOT = make_key("root")
OPERATOR = make_key("operator")


@contextmanager
def _client(tmp_path: Path, url: str, *, migrate: bool) -> Iterator[TestClient]:
    if migrate:
        service = LedgerService.open(url)
    else:
        # A server whose database went away after it started: ``open`` would refuse to start
        # on it (it checks the schema first), so the service is put together as open does.
        engine = create_ledger_engine(url)
        service = LedgerService(
            engine=engine, store=SqlLedgerStore(engine), registry=full_registry()
        )
    try:
        app = create_app(Settings(data_dir=tmp_path, database_url=url), service)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client
    finally:
        service.close()


def assert_unavailable(response: Any, *secrets: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert int(response.headers["retry-after"]) > 0
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("storage_unavailable", STORAGE_UNAVAILABLE)
    for secret in secrets:
        assert secret not in response.text


def assert_every_read_unavailable(client: TestClient, *secrets: str) -> None:
    reads = [op for op in operations(client.app) if op.method == "GET"]  # type: ignore[arg-type]
    assert len(reads) > 40
    for op in reads:
        response = client.get(op.url(), params=op.query(), headers={"accept": "application/json"})
        if op.signed_read:  # personal data, evidence files: refused before storage is touched
            assert response.status_code == 401, (op.path, response.text)
            continue
        if op.path == "/credentials/verify":
            # The verifier's blank form (no ``sha256``) is static: nothing to read.
            assert response.status_code == 200, (op.path, response.text)
            continue
        assert_unavailable(response, *secrets)


# --------------------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
def test_reads_recover_after_backends_are_terminated(pg_schema_url: str, tmp_path: Path) -> None:
    name = f"bt-outage-{uuid.uuid4().hex[:8]}"
    url = f"{pg_schema_url}&application_name={name}"
    with _client(tmp_path, url, migrate=True) as client:
        assert client.post("/api/v1/entries", json=make_genesis(ROOT, OPERATOR).to_dict())
        # Several pooled connections, all idle in the pool when the server drops them.
        for _ in range(3):
            assert client.get("/api/v1/head").json()["size"] == 1
        admin = pg_schema_url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(admin, autocommit=True) as conn:
            killed = conn.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                "FROM pg_stat_activity WHERE application_name = %s",
                (name,),
            ).fetchone()
        assert killed is not None and killed[0] >= 1
        for path in ["/api/v1/head", "/api/v1/entries", "/api/v1/log", "/"]:
            response = client.get(path, headers={"accept": "application/json"})
            assert response.status_code == 200, (path, response.text)


@pytest.mark.postgres
def test_every_read_is_a_json_503_when_postgresql_is_unreachable(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/test"
    with _client(tmp_path, url, migrate=False) as client:
        assert_every_read_unavailable(client, "127.0.0.1", "psycopg", "connection")
        signed = make_key_added(ROOT, make_key("k"))
        assert_unavailable(client.post("/api/v1/entries", json=signed.to_dict()), "127.0.0.1")


# --------------------------------------------------------------------------- SQLite


def test_every_read_is_a_json_503_when_the_sqlite_file_is_missing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gone' / 'ledger.db'}"
    with _client(tmp_path, url, migrate=False) as client:
        assert_every_read_unavailable(client, "gone", "sqlite")


def test_every_read_is_a_json_503_when_the_sqlite_file_is_not_a_database(
    tmp_path: Path,
) -> None:
    database = tmp_path / "ledger.db"
    database.write_bytes(b"this is not a database\n" * 512)
    with _client(tmp_path, f"sqlite:///{database}", migrate=False) as client:
        assert_every_read_unavailable(client, "ledger.db", "sqlite")
