"""The API documents itself: entry body schemas with worked examples, an offline `/docs`, and
the HTTP details schemathesis checks in bulk (tests/api/test_openapi_conformance.py) pinned
here one by one, on SQLite and PostgreSQL.

What each test proves:

* Every registered entry type has a complete example statement, and the ledger's own
  validation of that type accepts it (``EntryType.parse_body``; an EPCIS capture's document
  also passes the EPCIS 2.0.1 schema): a type added without an example fails here.
* ``/openapi.json`` has the union of every type's statement, discriminated on ``type``, each
  variant's body being the JSON Schema of the model the ledger validates with, and each
  worked example validates against its variant's schema (schema and validator agree).
* ``docs/entry-bodies.md`` is exactly what ``python -m api.http.entry_schemas`` renders.
* ``/docs`` references only assets served by this server (no CDN), and each one is served.
* ``Allow`` on a 405 lists every method of the path (Starlette named only the first route's).
* The timestamp and date patterns published in the schemas accept exactly what the
  validators accept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from api.app import create_app
from api.http.entry_schemas import entry_bodies_markdown, entry_examples
from api.services.ledger import LedgerService, full_registry
from api.settings import Settings
from ledger.statements import DATE_PATTERN, TS_PATTERN, Statement, parse_ts
from verifiers.epcis.capture import CAPTURE_TYPE, check_capture_document

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    service = LedgerService.open(db_url)
    try:
        settings = Settings(data_dir=tmp_path, database_url=db_url)
        with TestClient(create_app(settings, service)) as test_client:
            yield test_client
    finally:
        service.close()


# --------------------------------------------------------------------------- entry bodies


def test_every_entry_type_has_an_example_the_ledger_accepts() -> None:
    registry = full_registry()
    examples = entry_examples()
    assert set(examples) == set(registry.names())
    for name in registry.names():
        example = examples[name]
        statement = Statement.model_validate(example)
        assert statement.type == name
        registry.get(name).parse_body(statement.body)
    check_capture_document(examples[CAPTURE_TYPE]["body"]["document"], "document.")


def test_openapi_has_every_body_as_a_union_on_type(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    union = schemas["Statement"]
    names = full_registry().names()
    assert union["discriminator"]["propertyName"] == "type"
    assert set(union["discriminator"]["mapping"]) == set(names)
    assert [v["$ref"] for v in union["oneOf"]] == list(union["discriminator"]["mapping"].values())
    signed = schemas["SignedStatement"]
    assert signed["properties"]["statement"] == {"$ref": "#/components/schemas/Statement"}
    post = doc["paths"]["/api/v1/entries"]["post"]["requestBody"]["content"]["application/json"]
    assert post["schema"] == {"$ref": "#/components/schemas/SignedStatement"}
    examples = entry_examples()
    for name in names:
        variant = schemas[f"Statement.{name}"]
        assert variant["properties"]["type"]["const"] == name
        body_ref = variant["properties"]["body"]["$ref"]
        expected_model = full_registry().get(name).body_model.__name__
        assert body_ref.rsplit("/", 1)[1].startswith(expected_model)
        assert variant["examples"] == [examples[name]]
        validator = Draft202012Validator(
            {"components": doc["components"], "$ref": f"#/components/schemas/Statement.{name}"}
        )
        errors = [e.message for e in validator.iter_errors(examples[name])]
        assert errors == [], (name, errors)
        wrong = {**examples[name], "body": {**examples[name]["body"], "unexpected": 1}}
        assert not validator.is_valid(wrong), name


def test_docs_entry_bodies_is_generated_from_the_examples() -> None:
    text = (DOCS / "entry-bodies.md").read_text(encoding="utf-8")
    assert text == entry_bodies_markdown(), (
        "docs/entry-bodies.md is stale: python -m api.http.entry_schemas > docs/entry-bodies.md"
    )
    for name in full_registry().names():
        assert f"## `{name}`" in text


# --------------------------------------------------------------------------- offline /docs


def test_docs_page_uses_only_assets_this_server_serves(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "http://" not in page.text and "https://" not in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) >= 3
    expected_types = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
    for asset in assets:
        assert asset.startswith("/docs/assets/"), asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert served.content, asset
        assert expected_types[Path(asset).suffix] in served.headers["content-type"], asset
    assert "url: '/openapi.json'" in page.text
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/redoc").status_code == 404  # ReDoc would need a CDN: not offered


# --------------------------------------------------------------------------- HTTP details


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/api/v1/entries", {"GET", "POST"}),
        ("DELETE", "/api/v1/blobs/" + "0" * 64, {"GET", "HEAD", "PUT"}),
        ("GET", "/api/v1/labels/verify", {"POST"}),
        ("PUT", "/api/v1/labels/12", {"GET"}),
    ],
)
def test_405_allow_lists_every_method_of_the_path(
    client: TestClient, method: str, path: str, allowed: set[str]
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405, response.text
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed
    assert response.json()["error"]["code"] == "http_error"


def test_every_operation_documents_its_errors_with_the_envelope(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    envelope = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert (
                "422" not in responses
                or responses["422"]["content"]["application/json"]["schema"] == envelope
            ), (method, path)
            assert "503" in responses, (method, path)
            if operation.get("parameters") or "requestBody" in operation:
                assert "400" in responses, (method, path)
            if "{" in path and path.startswith("/api/v1/") and method == "get":
                assert "404" in responses, (method, path)
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def _days() -> Iterator[str]:
    for year in [*range(6), 100, 400, 1900, 2000, 2024, 2026, 2100, 9999]:
        for month in range(14):
            for day in range(33):
                yield f"{year:04d}-{month:02d}-{day:02d}"


def _real(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def test_published_date_and_timestamp_patterns_match_the_validators() -> None:
    date_pattern, ts_pattern = re.compile(DATE_PATTERN), re.compile(TS_PATTERN)
    for day in _days():
        assert bool(date_pattern.fullmatch(day)) == _real(day), day
        stamp = f"{day}T23:59:59Z"
        try:
            parse_ts(stamp)
            accepted = True
        except ValueError:
            accepted = False
        assert bool(ts_pattern.fullmatch(stamp)) == accepted == _real(day), stamp
    for stamp in ["2026-03-01T24:00:00Z", "2026-03-01T12:00:00+00:00", "2026-03-01t12:00:00z"]:
        assert not ts_pattern.fullmatch(stamp)
    assert ts_pattern.fullmatch("2026-03-01T12:00:00.123456Z")


def _schema(client: TestClient, name: str) -> dict[str, Any]:
    schema: dict[str, Any] = client.get("/openapi.json").json()["components"]["schemas"][name]
    return schema


def test_statement_schema_is_as_strict_as_the_validation(client: TestClient) -> None:
    statement = _schema(client, "Statement.key.added")
    assert statement["properties"]["ts"]["pattern"] == TS_PATTERN
    assert statement["additionalProperties"] is False
    signed = _schema(client, "SignedStatement")
    assert signed["properties"]["sig"]["pattern"] == r"^[A-Za-z0-9_-]{85}[AQgw]$"
