"""A client that disconnects mid-body is logged at INFO, without traceback (issue 15, item 16).

A real uvicorn server (in a thread, so ``caplog`` sees its log) on SQLite and PostgreSQL; a
raw socket announces a body, sends part of it and closes. Before, Starlette's
``ClientDisconnect`` reached uvicorn as "Exception in ASGI application", an ERROR with a
traceback, for something phones on rural networks do all the time. Now one INFO line says
which request was abandoned, nothing at WARNING or above is logged, nothing is recorded, and
the server answers the next client as usual.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from api.app import create_app
from api.services.ledger import LedgerService
from api.settings import Settings
from tests.api.live_server import serve_in_thread
from tests.factories import make_genesis, make_key

WAIT_S = 30.0


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[str]:
    service = LedgerService.open(db_url)
    service.submit(make_genesis(make_key("root"), make_key("operator")))
    try:
        with serve_in_thread(
            create_app(Settings(data_dir=tmp_path, database_url=db_url), service)
        ) as url:
            yield url
    finally:
        service.close()


def _abandon(url: str, method: str, path: str) -> None:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
        )
        sock.sendall(head.encode() + b'{"statement": {"type": "key.added"')


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/entries"),
        ("POST", "/api/v1/producers"),
        ("POST", "/api/v1/epcis/capture"),
        # (PUT /blobs refuses an unsigned upload before reading a byte: nothing to abandon)
    ],
)
def test_client_disconnect_is_info_without_traceback(
    server: str, caplog: pytest.LogCaptureFixture, method: str, path: str
) -> None:
    caplog.set_level(logging.INFO)
    _abandon(server, method, path)
    deadline = time.monotonic() + WAIT_S
    while not any(r.name == "api.http.disconnects" for r in caplog.records):
        assert time.monotonic() < deadline, [r.getMessage() for r in caplog.records]
        time.sleep(0.05)
    (record,) = [r for r in caplog.records if r.name == "api.http.disconnects"]
    assert record.levelno == logging.INFO
    assert record.exc_info is None
    assert path in record.getMessage()
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert loud == [], [(r.name, r.getMessage()) for r in loud]
    assert httpx.get(f"{server}/api/v1/head", timeout=10).json()["size"] == 1
