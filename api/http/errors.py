"""Domain errors → HTTP responses, in one place.

Every error body has the same shape, so clients can show a reason and point at a field::

    {"error": {"code": "schema_error", "message": "…",
               "fields": [{"field": "statement.body.role", "reason": "…"}]}}

Nothing here raises ``HTTPException`` for a domain condition; routes let ledger errors
propagate and these handlers translate them.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.error_report import describe
from ledger.errors import LedgerError, StorageUnavailableError
from ledger.upload_auth import SCHEME, UploadQuotaError, UploadUnauthorizedError

__all__ = [
    "STORAGE_UNAVAILABLE_MESSAGE",
    "RequestTooLargeError",
    "error_body",
    "install_error_handlers",
]

logger = logging.getLogger(__name__)

STORAGE_UNAVAILABLE_MESSAGE = (
    "the ledger database is unavailable; nothing was recorded that was not committed, and "
    "sending the same signed statement again is safe"
)
"""What a client is told when storage is lost. The driver's reason (host, port, role,
driver message) is for the operator's log, not for anonymous clients."""


class RequestTooLargeError(Exception):
    """The request body is over the configured limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body is larger than {limit} bytes")
        self.limit = limit


def error_body(
    code: str, message: str, fields: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """The JSON error envelope."""
    return {
        "error": {
            "code": code,
            "message": message,
            "fields": [{"field": f, "reason": r} for f, r in (fields or [])],
        }
    }


def _ledger_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LedgerError)  # noqa: S101 - registered for LedgerError only
    report = describe(exc)
    message = report.message
    if isinstance(exc, StorageUnavailableError):  # the driver's reason is for the operator only
        logger.warning("storage unavailable: %s", exc)
        message = STORAGE_UNAVAILABLE_MESSAGE
    return JSONResponse(
        error_body(report.code, message, report.fields),
        status_code=report.status,
        headers=_headers(exc),
    )


def _headers(exc: LedgerError) -> dict[str, str]:
    """What a refusal tells the client beyond the body: how to authenticate (401), when an
    upload quota resets (429), when to resend after a storage outage or lock wait (503)."""
    if isinstance(exc, UploadUnauthorizedError):
        return {"WWW-Authenticate": SCHEME}
    if isinstance(exc, UploadQuotaError) and exc.retry_after is not None:
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, StorageUnavailableError):
        # A busy or unreachable database is temporary: say when to resend (the same signed
        # statement is safe to resend, appends are idempotent).
        return {"Retry-After": str(exc.retry_after)}
    return {}


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
    fields = [
        (".".join(str(p) for p in err.get("loc", ())), str(err.get("msg", "invalid")))
        for err in exc.errors()
    ]
    return JSONResponse(error_body("bad_request", "invalid request parameters", fields), 400)


def _too_large(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(error_body("request_too_large", str(exc)), status_code=413)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for it only
    return JSONResponse(
        error_body("http_error", str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(LedgerError, _ledger_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(RequestTooLargeError, _too_large)
    app.add_exception_handler(StarletteHTTPException, _http_error)
