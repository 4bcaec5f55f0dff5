"""`/app/`: the browser app's build served by the real app, on SQLite and PostgreSQL.

A small build folder is written per test (the same layout Vite writes), so these tests do
not need npm; the browser tests (tests/browser/test_field_app_browser.py) use the real
build. What must hold: every screen route answers index.html; hashed assets are cached for
a year, everything else revalidated; content types are right (the service worker must be
JavaScript, the manifest application/manifest+json); text is gzipped when asked for; an
unchanged file costs a 304; nothing outside the build can be read; a missing asset is a
404 and a missing build a 503 page saying how to build it, while the API keeps working;
none of it appears in the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings

INDEX = "<!doctype html><html lang=es><title>Biotraza</title>" + "<!-- padding -->" * 64
SCRIPT = "console.log('biotraza app');\n" * 40
WORKER = "self.__PRECACHE__={};\nself.addEventListener('fetch', () => {});\n"


def _build(folder: Path) -> Path:
    (folder / "assets").mkdir(parents=True)
    (folder / "icons").mkdir()
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "app-Bq0aLviC.js").write_text(SCRIPT)
    (folder / "assets" / "app-MsbylLUs.css").write_text("body{color:#111}\n")
    (folder / "sw.js").write_text(WORKER)
    (folder / "manifest.webmanifest").write_text('{"name": "Biotraza", "start_url": "/app/"}')
    (folder / "icons" / "icon-192.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    return folder


def _client(tmp_path: Path, db_url: str, webapp_dir: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, webapp_dir=webapp_dir)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def client(tmp_path: Path, db_url: str) -> Iterator[TestClient]:
    yield from _client(tmp_path, db_url, _build(tmp_path / "dist"))


@pytest.fixture
def unbuilt(tmp_path: Path, db_url: str) -> Iterator[TestClient]:
    yield from _client(tmp_path, db_url, tmp_path / "never-built")


@pytest.mark.parametrize("path", ["/app/", "/app/plots", "/app/members/", "/app/outbox/123"])
def test_every_screen_route_answers_index_html(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.text == INDEX


def test_app_without_slash_redirects(client: TestClient) -> None:
    response = client.get("/app", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "/app/"


@pytest.mark.parametrize(
    ("path", "media_type", "cache"),
    [
        ("assets/app-Bq0aLviC.js", "text/javascript; charset=utf-8", "immutable"),
        ("assets/app-MsbylLUs.css", "text/css; charset=utf-8", "immutable"),
        ("sw.js", "text/javascript; charset=utf-8", "no-cache"),
        ("manifest.webmanifest", "application/manifest+json", "no-cache"),
        ("icons/icon-192.png", "image/png", "no-cache"),
        ("index.html", "text/html; charset=utf-8", "no-cache"),
    ],
)
def test_files_have_their_type_and_caching(
    client: TestClient, path: str, media_type: str, cache: str
) -> None:
    response = client.get(f"/app/{path}", headers={"accept-encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert cache in response.headers["cache-control"]
    if cache == "immutable":
        assert "max-age=31536000" in response.headers["cache-control"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == (client.app.state.field_app.root / path).read_bytes()  # type: ignore[attr-defined]


def test_the_service_worker_may_control_the_whole_app(client: TestClient) -> None:
    assert client.get("/app/sw.js").headers["service-worker-allowed"] == "/app/"


def test_text_is_gzipped_when_the_client_accepts_it(client: TestClient) -> None:
    raw = client.get("/app/assets/app-Bq0aLviC.js", headers={"accept-encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.headers["vary"] == "Accept-Encoding"
    assert raw.text == SCRIPT  # httpx decoded it
    assert int(raw.headers["content-length"]) < len(SCRIPT) // 4
    plain = client.get("/app/assets/app-Bq0aLviC.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.text == SCRIPT
    assert plain.headers["etag"] != raw.headers["etag"]


def test_an_unchanged_file_costs_a_304(client: TestClient) -> None:
    first = client.get("/app/sw.js")
    again = client.get("/app/sw.js", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["cache-control"] == "no-cache"


def test_a_rebuilt_file_is_served_new(client: TestClient) -> None:
    root: Path = client.app.state.field_app.root  # type: ignore[attr-defined]
    before = client.get("/app/sw.js")
    (root / "sw.js").write_text(WORKER + "// version 2, a different length\n")
    after = client.get("/app/sw.js", headers={"if-none-match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.text.endswith("// version 2, a different length\n")


@pytest.mark.parametrize(
    "path",
    ["/app/assets/app-OLD.js", "/app/favicon.ico", "/app/icons/missing.png"],
)
def test_a_missing_file_is_a_404_not_the_app(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "http_error"


@pytest.mark.parametrize(
    "path",
    ["/app/..%2fdata%2fledger.db", "/app/%2e%2e/data/ledger.db", "/app/..%2F..%2Fetc/passwd"],
)
def test_nothing_outside_the_build_is_readable(client: TestClient, path: str) -> None:
    response = client.get(path)
    # A file-like path is a 404; anything else is the app's own index.html.
    assert response.status_code == 404 or response.text == INDEX
    assert b"SQLite" not in response.content and b"root:" not in response.content


def test_head_answers_without_a_body(client: TestClient) -> None:
    response = client.head("/app/")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_app_routes_stay_out_of_the_api_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert paths  # the API itself is documented
    assert not [p for p in paths if p == "/app" or p.startswith("/app/")]


@pytest.mark.parametrize("path", ["/app/", "/app/plots", "/app/sw.js"])
def test_unbuilt_app_says_how_to_build_it(unbuilt: TestClient, path: str) -> None:
    response = unbuilt.get(path)
    assert response.status_code == 503
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert "make webapp" in response.text
    assert "no está compilada" in response.text and "is not built" in response.text


def test_unbuilt_app_leaves_the_api_working(unbuilt: TestClient) -> None:
    assert unbuilt.get("/api/v1/head").status_code == 200


@pytest.mark.parametrize(
    "path", ["/app/", "/app/plots", "/app/sw.js", "/app/assets/app-Bq0aLviC.js"]
)
def test_app_files_carry_a_content_security_policy(client: TestClient, path: str) -> None:
    """Only the app's own scripts may run beside the device's signing key; nothing frames it."""
    response = client.get(path)
    assert response.status_code == 200
    policy = {
        part.split(" ", 1)[0]: part.split(" ", 1)[1]
        for part in response.headers["content-security-policy"].split("; ")
    }
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["content-security-policy"]
