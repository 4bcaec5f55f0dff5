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
from ledger.errors import EncodingError, LedgerError, StorageUnavailableError
from ledger.read_auth import READ_SCHEME, ReadUnauthorizedError
from ledger.storage.sql.outage import DATABASE_ERRORS, is_storage_loss
from ledger.upload_auth import SCHEME, UploadQuotaError, UploadUnauthorizedError

__all__ = [
    "RETRY_AFTER_S",
    "STORAGE_UNAVAILABLE",
    "BatchTooLargeError",
    "MalformedBodyError",
    "RequestTooLargeError",
    "error_body",
    "install_error_handlers",
    "too_large_response",
]

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 5
"""What a 503 asks the client to wait before retrying (``Retry-After``, seconds)."""

STORAGE_UNAVAILABLE = (
    "the ledger database is unavailable; nothing was recorded that was not committed, "
    "and sending the same request again is safe"
)
"""The one message of every 503: the host, driver and reason stay in the server's log."""


class RequestTooLargeError(StarletteHTTPException):
    """The request body is over the configured limit.

    An HTTP exception so that FastAPI passes it through when it is raised while FastAPI
    reads a body for model binding (it turns any other exception there into a bare 400).
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than {limit} bytes")
        self.limit = limit


class BatchTooLargeError(StarletteHTTPException):
    """A batch of more statements than ``BIOTRAZA_MAX_BATCH_STATEMENTS``: refused whole
    (413), before any statement is looked at, so the client splits it and sends again."""

    def __init__(self, limit: int, count: int) -> None:
        super().__init__(
            413, f"a batch holds at most {limit} statements; this one has {count}: split it"
        )
        self.limit = limit


class MalformedBodyError(StarletteHTTPException):
    """A body that is not strict JSON, met while FastAPI reads it for model binding (an
    HTTP exception for the same reason as :class:`RequestTooLargeError`)."""

    def __init__(self, cause: EncodingError) -> None:
        super().__init__(400, str(cause))
        self.cause = cause


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
    if isinstance(exc, StorageUnavailableError):  # a driver's reason is for the operator only
        logger.warning("append refused, storage unavailable: %s", exc)
        return _unavailable(exc.retry_after, str(exc) if exc.public else STORAGE_UNAVAILABLE)
    report = describe(exc)
    return JSONResponse(
        error_body(report.code, report.message, report.fields),
        status_code=report.status,
        headers=_headers(exc),
    )


def _headers(exc: LedgerError) -> dict[str, str]:
    """What a refused upload tells the client beyond the body: how to authenticate (401) and
    when its quota resets (429)."""
    if isinstance(exc, UploadUnauthorizedError):
        return {"WWW-Authenticate": SCHEME}
    if isinstance(exc, ReadUnauthorizedError):
        return {"WWW-Authenticate": READ_SCHEME}
    if isinstance(exc, UploadQuotaError) and exc.retry_after is not None:
        return {"Retry-After": str(exc.retry_after)}
    return {}


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
    fields = [
        (".".join(str(p) for p in err.get("loc", ())), str(err.get("msg", "invalid")))
        for err in exc.errors()
    ]
    return JSONResponse(error_body("bad_request", "invalid request parameters", fields), 400)


def too_large_response(limit: int) -> JSONResponse:
    """The 413 answer to a body over ``limit`` bytes, naming the body as the field."""
    message = f"request body is larger than {limit} bytes"
    body = error_body("request_too_large", message, [("body", f"over {limit} bytes")])
    return JSONResponse(body, status_code=413)


def _too_large(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestTooLargeError)  # noqa: S101 - registered for it only
    return too_large_response(exc.limit)


def _batch_too_large(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BatchTooLargeError)  # noqa: S101 - registered for it only
    body = error_body(
        "request_too_large", str(exc.detail), [("statements", f"over {exc.limit} statements")]
    )
    return JSONResponse(body, status_code=413)


def _malformed_body(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MalformedBodyError)  # noqa: S101 - registered for it only
    return _ledger_error(request, exc.cause)


def _unavailable(
    retry_after: int = RETRY_AFTER_S, message: str = STORAGE_UNAVAILABLE
) -> JSONResponse:
    """The 503: a message naming no host, driver or reason, and when to retry (a lock wait
    clears sooner than an outage)."""
    return JSONResponse(
        error_body("storage_unavailable", message),
        status_code=503,
        headers={"Retry-After": str(retry_after)},
    )


def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database exception a read let through: storage loss is a 503 like an append's;
    anything else is a bug, logged with its traceback and answered as a JSON 500."""
    if is_storage_loss(exc):
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        logger.warning("%s %s: storage unavailable: %s", request.method, request.url.path, reason)
        return _unavailable()
    logger.error("%s %s: database error", request.method, request.url.path, exc_info=exc)
    return _internal()


def _internal(_request: Request | None = None, _exc: Exception | None = None) -> JSONResponse:
    return JSONResponse(error_body("internal_error", "internal server error"), status_code=500)


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
    app.add_exception_handler(BatchTooLargeError, _batch_too_large)
    app.add_exception_handler(MalformedBodyError, _malformed_body)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for database_error in DATABASE_ERRORS:
        app.add_exception_handler(database_error, _database_error)
    # Anything else is a bug: still the JSON envelope, and Starlette logs the traceback.
    app.add_exception_handler(Exception, _internal)
