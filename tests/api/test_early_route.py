"""``POST /api/v1/entries`` is answered before routing (``api.http.early_route``) and says
exactly what the framework's route says, on SQLite and PostgreSQL.

The early path exists for speed (docs/performance.md, "HTTP appends"); what it must not do
is answer differently. A request with a query string still takes the framework route, which
makes the two paths comparable in one app: every refusal of ``test_entries_api`` gets the
same status, content type and JSON body on both, an append made on one path is the same
entry the other replays, and an oversize body is the same 413. The last test takes the
framework away from behind the early path, so it fails if appends stop being answered
early.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.exceptions import StarletteDeprecationWarning
from starlette.types import ASGIApp, Receive, Scope, Send

from api.app import create_app
from api.http.early_route import EarlyRoute
from api.services.ledger import LedgerService
from api.settings import Settings
from tests.api.test_entries_api import BAD_POSTS, ROOT, SETUP, BadPost, added
from tests.factories import make_key

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

ENTRIES = "/api/v1/entries"
FRAMEWORK = f"{ENTRIES}?path=framework"
"""The same route through the framework: a query string is left to it."""
MAX_REQUEST = 4096


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The app over a ledger holding ``test_entries_api``'s four setup entries."""
    service = LedgerService.open(db_url)
    for signed in SETUP:
        service.submit(signed)
    try:
        settings = Settings(data_dir=tmp_path, database_url=db_url, max_request_bytes=MAX_REQUEST)
        with TestClient(create_app(settings, service), raise_server_exceptions=False) as test:
            yield test
    finally:
        service.close()


def _answer(client: TestClient, url: str, **request: object) -> tuple[int, str, object]:
    response = client.post(url, **request)  # type: ignore[arg-type]
    return response.status_code, response.headers["content-type"], response.json()


@pytest.mark.parametrize("case", BAD_POSTS, ids=[c.id for c in BAD_POSTS])
def test_every_refusal_is_the_same_on_both_paths(client: TestClient, case: BadPost) -> None:
    head = client.get("/api/v1/head").json()
    early = _answer(client, ENTRIES, **case.request())
    assert early[0] == case.status, early
    assert early[2]["error"]["code"] == case.code  # type: ignore[index]
    assert _answer(client, FRAMEWORK, **case.request()) == early
    assert client.get("/api/v1/head").json() == head


def test_an_append_on_one_path_is_the_entry_the_other_replays(client: TestClient) -> None:
    first = added(ROOT, make_key("early-1"), "registrar", "early-nonce-1").to_dict()
    created = _answer(client, ENTRIES, json=first)
    assert created[0] == 201
    assert _answer(client, FRAMEWORK, json=first) == (200, *created[1:])

    second = added(ROOT, make_key("early-2"), "registrar", "early-nonce-2").to_dict()
    created = _answer(client, FRAMEWORK, json=second)
    assert created[0] == 201
    assert _answer(client, ENTRIES, json=second) == (200, *created[1:])
    assert client.get("/api/v1/head").json()["size"] == len(SETUP) + 2


def test_an_oversize_body_is_the_same_413_on_both_paths(client: TestClient) -> None:
    padded = {"padding": "x" * MAX_REQUEST}
    early = _answer(client, ENTRIES, json=padded)
    assert early[0] == 413
    assert early[2]["error"]["fields"] == [  # type: ignore[index]
        {"field": "body", "reason": f"over {MAX_REQUEST} bytes"}
    ]
    assert _answer(client, FRAMEWORK, json=padded) == early


def _early_route(app: ASGIApp) -> EarlyRoute:
    """The app's early route, found in its built middleware stack."""
    layer: object = getattr(app, "middleware_stack", None)
    while layer is not None and not isinstance(layer, EarlyRoute):
        layer = getattr(layer, "app", None)
    assert isinstance(layer, EarlyRoute), "the app has no EarlyRoute in its middleware stack"
    return layer


async def _teapot(scope: Scope, receive: Receive, send: Send) -> None:
    """What answers once the framework is taken away: 418, whatever was asked."""
    await send({"type": "http.response.start", "status": 418, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def test_appends_are_answered_without_the_framework(client: TestClient) -> None:
    early = _early_route(client.app)
    early.app = _teapot
    signed = added(ROOT, make_key("early-3"), "registrar", "early-nonce-3").to_dict()
    assert client.post(FRAMEWORK, json=signed).status_code == 418
    assert client.get(ENTRIES).status_code == 418
    assert client.put(ENTRIES, json=signed).status_code == 418
    assert client.post(ENTRIES, json=signed).status_code == 201
    assert client.post(ENTRIES, content=b"{").json()["error"]["code"] == "malformed_json"
