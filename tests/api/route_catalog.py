"""Every operation of the app, from its OpenAPI document, with example parameters.

Tests that must hold "on every route" iterate over this instead of a hand-kept list, so a
new route is covered the day it is added (and a route missing from the document shows up as
a failure of the OpenAPI tests, not as a silent gap here).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

__all__ = ["LABEL_TEXT", "Operation", "operations"]

_VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "label_payload.json"
LABEL_TEXT: str = json.loads(_VECTORS.read_text(encoding="utf-8"))["cases"][0]["text"]
"""A well-formed label text (RFC 8032 test key): parses, so a route goes on to the database."""

# A value each path parameter accepts by shape, so the request reaches the route's code.
_PATH_EXAMPLES = {
    "seq": "1",
    "sha256": "ab" * 32,
    "gtin": "17501234567890",
    "serial": "S1",
    "key_id": "ab" * 16,
    "short_code": "a1b2-c3d4-e5f6",
}
# Required query parameters, and optional ones a route needs one of (inclusion: seq).
_QUERY_EXAMPLES = {"first": "1", "text": LABEL_TEXT, "seq": "0"}


@dataclass(frozen=True)
class Operation:
    """One method on one path, as the OpenAPI document declares it."""

    method: str
    path: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    required_query: tuple[str, ...]
    has_body: bool
    body_types: tuple[str, ...] = ()
    """Media types the request body is declared in (empty: none declared)."""
    statuses: tuple[str, ...] = ()
    """The response statuses the operation documents."""

    def url(self, **override: str) -> str:
        """The path with example values (``override`` replaces some, already URL-encoded)."""
        values = {n: override.get(n, _PATH_EXAMPLES.get(n, "x1")) for n in self.path_params}
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], self.path)

    def query(self) -> dict[str, str]:
        """Example values of the required query parameters (and of ``seq``)."""
        wanted = [*self.required_query, *(n for n in self.query_params if n == "seq")]
        return {name: _QUERY_EXAMPLES.get(name, "x1") for name in wanted}

    @property
    def form(self) -> bool:
        """Browser form posts (a page's paste/upload): the body is never JSON."""
        return bool(self.body_types) and "application/json" not in self.body_types

    @property
    def signed_read(self) -> bool:
        """Reads that need a signed ``Authorization`` (personal data, evidence files): an
        unsigned one is a 401 before storage is touched."""
        return self.method == "GET" and "401" in self.statuses

    @property
    def blob(self) -> bool:
        """Evidence-file routes: the body is a file."""
        return self.path.startswith("/api/v1/blobs")


def operations(app: FastAPI) -> list[Operation]:
    """Every operation in the app's OpenAPI document (the document's own pages excluded)."""
    found = []
    for path, methods in app.openapi()["paths"].items():
        for method, op in methods.items():
            params: list[dict[str, Any]] = op.get("parameters", [])
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    path_params=tuple(p["name"] for p in params if p["in"] == "path"),
                    query_params=tuple(p["name"] for p in params if p["in"] == "query"),
                    required_query=tuple(
                        p["name"] for p in params if p["in"] == "query" and p.get("required")
                    ),
                    has_body=method in ("post", "put"),
                    body_types=tuple(op.get("requestBody", {}).get("content", {})),
                    statuses=tuple(op.get("responses", {})),
                )
            )
    return found
