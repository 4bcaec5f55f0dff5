"""One body size limit for every route, enforced while reading; strict JSON everywhere
(issue 15, item 7).

On SQLite and PostgreSQL, for every POST and PUT operation in the OpenAPI document:

* a chunked body (no ``Content-Length``) past the limit is answered 413 with the error
  envelope naming ``body``, over a real socket; nothing is recorded;
* a ``Content-Length`` over the limit is answered 413 before any body byte is sent;
* JSON routes refuse duplicate keys (400, the key named) and NaN, as ``/entries`` always did;
* a server in a subprocess offered a 300 MB chunked body on ``/labels/preview``,
  ``/labels/verify``, ``/evaluations`` and ``/entries`` stays within a few MB of its peak
  memory before (``VmHWM``; before the fix a 300 MB body took it from 116 MB to 690 MB).

Evidence-file uploads (``BIOTRAZA_MAX_BLOB_BYTES``) and batches of statements
(``BIOTRAZA_MAX_BATCH_BYTES``) have their own limits, enforced by the same
middleware (evidence files are files, not JSON).
"""

from __future__ import annotations

import select
import socket
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from api.app import create_app
from api.http.routes.entries import BATCH_PATH
from api.services.ledger import LedgerService
from api.settings import Settings
from tests.api.live_server import rss_peak_kib, serve_in_thread, serve_subprocess
from tests.api.route_catalog import Operation, operations
from tests.factories import make_genesis, make_key

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

MAX_REQUEST = 16 * 1024
MAX_BLOB = 48 * 1024
MAX_BATCH = 32 * 1024
CHUNK = 64 * 1024
HUGE = 300 * 1024 * 1024
RSS_GROWTH_KIB = 32 * 1024
"""Allowed growth of the server's peak RSS while refusing a 300 MB body (a few chunks)."""


@pytest.fixture
def service(db_url: str) -> Iterator[LedgerService]:
    svc = LedgerService.open(db_url)
    svc.submit(make_genesis(make_key("root"), make_key("operator")))
    try:
        yield svc
    finally:
        svc.close()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=db_url,
        max_request_bytes=MAX_REQUEST,
        max_blob_bytes=MAX_BLOB,
        max_batch_bytes=MAX_BATCH,
    )


def _writes(app_client: TestClient) -> list[Operation]:
    found = [op for op in operations(app_client.app) if op.has_body]  # type: ignore[arg-type]
    assert len(found) >= 8
    return found


def post_raw(
    url: str,
    method: str,
    path: str,
    *,
    total: int,
    declared: int | None = None,
) -> tuple[int, bytes, int]:
    """Send ``total`` body bytes (chunked unless ``declared`` is given), stopping as soon as
    the server answers; return (status, response bytes, body bytes sent)."""
    parts = urlsplit(url)
    framing = "Transfer-Encoding: chunked" if declared is None else f"Content-Length: {declared}"
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\nConnection: close\r\n\r\n"
    )
    piece = b'{"text": "' + b"A" * (CHUNK - 10)
    frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if declared is None else piece
    sent = 0
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        sock.settimeout(60)
        sock.sendall(head.encode())
        try:
            while sent < total:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break  # the server answered: stop sending
                sock.sendall(frame)
                sent += len(piece)
            else:
                if declared is None:
                    sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection after answering
        answer = b""
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            answer += data
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return status, answer, sent


def _body(answer: bytes) -> bytes:
    return answer.split(b"\r\n\r\n", 1)[1]


def test_every_write_refuses_an_oversize_chunked_body(
    service: LedgerService, settings: Settings
) -> None:
    app = create_app(settings, service)
    with TestClient(app) as client:
        writes = _writes(client)
    with serve_in_thread(app) as url:
        for op in writes:
            limit = MAX_BLOB if op.blob else MAX_BATCH if op.path == BATCH_PATH else MAX_REQUEST
            status, answer, _sent = post_raw(url, op.method, op.url(), total=limit + 2 * CHUNK)
            if op.blob and status == 401:
                # An unsigned upload is refused before a byte of it is read: that bound is
                # tighter still (tests/api/test_blob_upload_auth.py covers signed ones).
                assert b'"unauthorized"' in answer, answer
                continue
            assert status == 413, (op.path, answer[:300])
            assert b'"request_too_large"' in answer and b'"field":"body"' in answer, answer
    assert service.head().size == 1


def test_every_write_refuses_a_declared_oversize_body_before_reading_it(
    service: LedgerService, settings: Settings
) -> None:
    app = create_app(settings, service)
    with TestClient(app) as client:
        writes = _writes(client)
    with serve_in_thread(app) as url:
        for op in writes:
            # Declares a gigabyte, sends nothing: the answer cannot wait for the body.
            status, answer, sent = post_raw(
                url, op.method, op.url(), total=0, declared=1024 * 1024 * 1024
            )
            assert (status, sent) == (413, 0), (op.path, answer[:300])
            assert b'"request_too_large"' in _body(answer)
    assert service.head().size == 1


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b'{"a": 1, "a": 2}', "duplicate object key 'a'"),
        (b'{"units": NaN}', "NaN is not valid JSON"),
        (b'{"units": Infinity}', "Infinity is not valid JSON"),
    ],
    ids=["duplicate-key", "nan", "infinity"],
)
def test_every_json_write_is_strict(
    service: LedgerService, settings: Settings, text: bytes, reason: str
) -> None:
    with TestClient(create_app(settings, service)) as client:
        for op in _writes(client):
            if op.blob or op.form:
                continue  # files and form posts, not JSON
            response = client.request(
                op.method, op.url(), content=text, headers={"content-type": "application/json"}
            )
            assert response.status_code == 400, (op.path, response.text)
            error = response.json()["error"]
            assert error["code"] == "malformed_json"
            assert error["fields"] == [{"field": "body", "reason": reason}], op.path
    assert service.head().size == 1


def test_a_300_mb_body_does_not_grow_the_server(db_url: str, tmp_path: Path) -> None:
    service = LedgerService.open(db_url)
    try:
        service.submit(make_genesis(make_key("root"), make_key("operator")))
    finally:
        service.close()
    env = {"BIOTRAZA_DATABASE_URL": db_url, "BIOTRAZA_DATA_DIR": str(tmp_path)}
    paths = ["/api/v1/labels/preview", "/api/v1/labels/verify", "/api/v1/evaluations"]
    with serve_subprocess(env) as (url, process):
        post_raw(url, "POST", "/api/v1/entries", total=CHUNK)  # warm up: imports, pools
        before = rss_peak_kib(process.pid)
        for path in [*paths, "/api/v1/entries"]:
            status, answer, _sent = post_raw(url, "POST", path, total=HUGE)
            assert status == 413, (path, answer[:300])
        grown = rss_peak_kib(process.pid) - before
    assert grown < RSS_GROWTH_KIB, f"peak RSS grew by {grown} KiB"
