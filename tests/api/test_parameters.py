"""Path and query parameters are validated before any route code (issue 15, item 11).

On SQLite and PostgreSQL, for every operation in the OpenAPI document: each path parameter
and each query parameter in turn carries a NUL byte (PostgreSQL refuses NUL in text: a lot id
with one was a 500 on the lot page), then another control character, then a value over the
length floor. Every answer is a JSON error envelope, 400 naming ``path.<name>`` or
``query.<name>`` — never a 500, never HTML. The ledger is read afterwards: nothing changed.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from api.http.params import MAX_PARAM_CHARS
from tests.api.route_catalog import operations

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

BAD_VALUES = {
    "nul": ("a%00b", "U+0000"),
    "escape": ("a%1Bb", "U+001B"),
    "too-long": ("a" * (MAX_PARAM_CHARS + 1), "longer than"),
}


@pytest.fixture
def client(genesis_client: TestClient) -> TestClient:
    return genesis_client


def _assert_names(response: Any, field: str, reason: str) -> None:
    assert response.status_code == 400, (field, response.status_code, response.text[:300])
    if response.request.method == "HEAD":
        return  # no body: the status is the whole answer
    assert response.headers["content-type"].startswith("application/json")
    fields = response.json()["error"]["fields"]
    assert [f["field"] for f in fields] == [field], fields
    assert reason in fields[0]["reason"]


def _integer_path_param(client: TestClient, op: Any, name: str) -> bool:
    """Whether the document types this path parameter as an integer (``{seq:int}``)."""
    operation = client.app.openapi()["paths"][op.path][op.method.lower()]  # type: ignore[attr-defined]
    schemas = [p.get("schema", {}) for p in operation.get("parameters", []) if p["name"] == name]
    return any(schema.get("type") == "integer" for schema in schemas)


@pytest.mark.parametrize("bad", BAD_VALUES, ids=list(BAD_VALUES))
def test_every_path_parameter_is_checked(client: TestClient, bad: str) -> None:
    value, reason = BAD_VALUES[bad]
    checked = 0
    for op in operations(client.app):  # type: ignore[arg-type]
        for name in op.path_params:
            response = client.request(
                op.method,
                op.url(**{name: value}),
                params=op.query(),
                headers={"accept": "application/json"},
            )
            if response.status_code == 404 and _integer_path_param(client, op, name):
                # An int-typed segment (e.g. /labels/{seq:int}) matches no route for a text
                # value at all: the JSON 404 envelope, before any handler could see it.
                assert response.json()["error"]["code"] == "http_error", response.text
            else:
                _assert_names(response, f"path.{name}", reason)
            checked += 1
    assert checked >= 30
    assert client.get("/api/v1/head").json()["size"] == 1


@pytest.mark.parametrize("bad", BAD_VALUES, ids=list(BAD_VALUES))
def test_every_query_parameter_is_checked(client: TestClient, bad: str) -> None:
    value, reason = BAD_VALUES[bad]
    checked = 0
    for op in operations(client.app):  # type: ignore[arg-type]
        for name in op.query_params:
            query = {**op.query(), name: value}
            url = op.url() + "?" + "&".join(f"{k}={v}" for k, v in query.items())
            response = client.request(op.method, url, headers={"accept": "application/json"})
            _assert_names(response, f"query.{name}", reason)
            checked += 1
    assert checked >= 30
    assert client.get("/api/v1/head").json()["size"] == 1
