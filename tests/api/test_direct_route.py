"""``POST /api/v1/entries`` runs as a :class:`~api.http.direct.DirectRoute` (no dependency
solving) and still does everything FastAPI's handler did for it.

The route skips FastAPI's per-request dependency solving for speed (docs/performance.md,
"HTTP appends") and runs the app-wide parameter check itself: these tests fail if the app
gains another global dependency the route would then skip, if the check stops running on
this route, or if the route drops out of the OpenAPI document.
"""

from __future__ import annotations

import warnings

import pytest
from fastapi import APIRouter, Request, Response
from starlette.exceptions import StarletteDeprecationWarning

from api.http.direct import DirectRoute
from api.http.params import check_parameters

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


@pytest.fixture
def client(genesis_client: TestClient) -> TestClient:
    return genesis_client


def test_the_only_global_dependency_is_the_one_direct_routes_run(client: TestClient) -> None:
    calls = [d.dependency for d in client.app.router.dependencies]  # type: ignore[attr-defined]
    assert calls == [check_parameters]


def test_query_parameters_are_still_checked_on_post_entries(client: TestClient) -> None:
    response = client.post("/api/v1/entries?note=a%00b", content=b"{}")
    assert response.status_code == 400, response.text
    fields = response.json()["error"]["fields"]
    assert [f["field"] for f in fields] == ["query.note"]
    assert "U+0000" in fields[0]["reason"]
    assert client.get("/api/v1/head").json()["size"] == 1


def test_errors_keep_their_envelope_and_other_methods_their_405(client: TestClient) -> None:
    bad = client.post("/api/v1/entries", content=b'{"statement": 1, "statement": 2}')
    assert bad.status_code == 400, bad.text
    assert bad.json()["error"]["code"]
    put = client.put("/api/v1/entries", content=b"{}")
    assert put.status_code == 405
    assert put.headers["allow"] == "GET, POST"
    assert put.json()["error"]["code"] == "http_error"


def test_the_route_is_documented(client: TestClient) -> None:
    operation = client.app.openapi()["paths"]["/api/v1/entries"]["post"]  # type: ignore[attr-defined]
    assert operation["requestBody"]["required"] is True
    assert {"201", "200", "400", "409", "422"} <= set(operation["responses"])


def test_a_direct_route_endpoint_takes_only_the_request() -> None:
    async def wants_more(request: Request, limit: int) -> Response:
        return Response()

    router = APIRouter()
    with pytest.raises(TypeError, match="takes only the request"):
        router.add_api_route("/x", wants_more, methods=["POST"], route_class_override=DirectRoute)
