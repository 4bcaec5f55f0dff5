"""A 503 tells the client what to do, never where the database is or what its driver said.

The append connection of a running app is killed on the PostgreSQL server (as a restart or a
proxy would): the append in flight is a 503 whose message is the fixed
``STORAGE_UNAVAILABLE`` (no host, port, role or driver text), while the driver's reason
goes to the server's log. PostgreSQL only: a SQLite ledger is a local file with no host or
network driver to disclose.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from api.app import create_app
from api.http.errors import STORAGE_UNAVAILABLE
from api.services.ledger import LedgerService
from api.settings import Settings
from tests.api.test_entries_api import ENTRIES, ROOT, SETUP, TestClient, added
from tests.factories import make_key


@pytest.mark.postgres
def test_503_body_is_fixed_and_the_detail_is_logged(
    pg_schema_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    service = LedgerService.open(pg_schema_url)
    try:
        settings = Settings(data_dir=tmp_path, database_url=pg_schema_url)
        with TestClient(create_app(settings, service)) as client:
            for signed in SETUP:
                assert client.post(ENTRIES, json=signed.to_dict()).status_code == 201
            with service.engine.connect() as admin:
                admin.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND position('biotraza_append_' in query) > 0"
                )
            grant = added(ROOT, make_key("after-kill"), "certifier", "after-kill")
            with caplog.at_level(logging.WARNING, logger="api.http.errors"):
                lost = client.post(ENTRIES, json=grant.to_dict())
    finally:
        service.close()
    assert lost.status_code == 503, lost.text
    error = lost.json()["error"]
    assert error["code"] == "storage_unavailable"
    assert error["message"] == STORAGE_UNAVAILABLE
    for leak in ("127.0.0.1", "5432", "postgres", "terminat", "connection"):
        assert leak not in lost.text.lower()
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "storage unavailable" in logged and "terminat" in logged.lower()
