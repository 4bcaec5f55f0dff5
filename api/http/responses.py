"""The error envelope as a schema, and the documented responses routes share.

Every 4xx/5xx body of the JSON API has one shape (see ``api.http.errors``); this module gives
it a schema (``ErrorEnvelope``) and builds the ``responses=`` mapping of a route decorator
from status codes, so each route lists exactly the errors it can give, all pointing at the
same schema. Responses that every route can give (400 for a bad parameter, 413 for an
oversize body, 503 when storage is unreachable) are added once, by ``api.http.openapi``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ErrorEnvelope",
    "FieldError",
    "binary",
    "error_responses",
    "json_body",
    "page_or_json",
]


class FieldError(BaseModel):
    """One bad field: its dotted path (``statement.body.role``, ``query.limit``) and why."""

    model_config = ConfigDict(extra="forbid")

    field: str
    reason: str


class ErrorDetail(BaseModel):
    """A machine-readable code, a human message and the fields at fault (may be empty)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(examples=["schema_error"])
    message: str
    fields: list[FieldError]


class ErrorEnvelope(BaseModel):
    """The body of every error answer of the JSON API."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


_REASONS: dict[int, str] = {
    400: "Malformed request: a bad parameter, malformed JSON or a malformed label; "
    "`fields` names each bad field.",
    401: "No valid signed request; `WWW-Authenticate` names the scheme.",
    403: "Unknown, revoked or unauthorized key.",
    404: "Not found.",
    405: "Method not allowed; `Allow` lists the methods of this path.",
    409: "Conflict: refused by a domain rule, a nonce reused, or a label that is not valid.",
    413: "Request body over the size limit.",
    415: "Unsupported request content type.",
    422: "Well-formed but refused: schema, signature or rule; `fields` names each bad field.",
    429: "Too many requests; retry after `Retry-After` seconds.",
    503: "Storage unavailable; retry after `Retry-After` seconds.",
}


def error_responses(*codes: int, **reasons: str) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entries for ``codes``, each an ``ErrorEnvelope`` JSON body.

    ``reasons`` overrides a description, keyed ``r404="No such lot."``: what this route means
    by the status, when the generic text is too vague.
    """
    found: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        found[code] = {
            "model": ErrorEnvelope,
            "description": reasons.get(f"r{code}", _REASONS[code]),
        }
    return found


def binary(media_type: str, description: str) -> dict[str, Any]:
    """A 2xx response whose body is a file of ``media_type`` (not JSON)."""
    return {
        "description": description,
        "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
    }


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    """The ``openapi_extra=`` of a route that reads its required JSON body itself
    (``JsonBody``, not a pydantic parameter), so the document still says what it takes."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def page_or_json(description: str) -> dict[str, Any]:
    """A 2xx web page: HTML, or the same facts as JSON for ``Accept: application/json``."""
    return {
        "description": f"{description} (HTML), or as JSON for `Accept: application/json`.",
        "content": {"text/html": {"schema": {"type": "string"}}, "application/json": {}},
    }
