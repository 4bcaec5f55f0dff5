"""Domain errors → HTTP responses, in one place.

Every error body has the same shape, so clients can show a reason and point at a field::

    {"error": {"code": "schema_error", "message": "…",
               "fields": [{"field": "statement.body.role", "reason": "…"}]}}

Nothing here raises ``HTTPException`` for a domain condition; routes let ledger errors
propagate and these handlers translate them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.exports.base import ExportError
from labels.errors import IneligibleLotError, MalformedLabelError, TrustListError
from ledger.errors import (
    AuthorizationError,
    CheckpointError,
    ConflictError,
    DomainRuleError,
    EncodingError,
    EntryNotFoundError,
    LedgerError,
    NonceReplayError,
    ProofError,
    SchemaError,
    SignatureError,
    StorageUnavailableError,
    TamperedDataError,
    UnknownEntryTypeError,
    UnknownKeyError,
)
from ledger.storage.blobs import BlobHashMismatchError, BlobTooLargeError
from verifiers.errors import (
    EligibilityError,
    FindingsMismatchError,
    RuleEvaluationError,
    RuleViolationError,
    StandardError,
    VerificationError,
)

__all__ = ["RequestTooLargeError", "error_body", "install_error_handlers"]


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


# Most specific first: the first matching class decides the status.
_STATUS: list[tuple[type[LedgerError], int, str]] = [
    (BlobTooLargeError, 413, "request_too_large"),
    (BlobHashMismatchError, 422, "hash_mismatch"),
    (EncodingError, 400, "malformed_json"),
    (UnknownEntryTypeError, 422, "unknown_entry_type"),
    (SchemaError, 422, "schema_error"),
    (SignatureError, 422, "bad_signature"),
    (UnknownKeyError, 403, "unknown_key"),
    (AuthorizationError, 403, "not_authorized"),
    (NonceReplayError, 409, "nonce_replayed"),
    (IneligibleLotError, 409, "lot_not_eligible"),
    (DomainRuleError, 409, "rule_violation"),
    (ConflictError, 409, "conflict"),
    (EntryNotFoundError, 404, "not_found"),
    (StorageUnavailableError, 503, "storage_unavailable"),
    (TamperedDataError, 503, "ledger_integrity"),
    (ProofError, 400, "bad_proof_request"),
    (CheckpointError, 404, "no_checkpoint"),
    (ExportError, 422, "export_refused"),
    (StandardError, 422, "invalid_standard"),
    (FindingsMismatchError, 422, "findings_mismatch"),
    (RuleEvaluationError, 422, "cannot_evaluate"),
    (RuleViolationError, 422, "rule_failed"),
    (EligibilityError, 422, "not_eligible"),
    (VerificationError, 422, "verification_failed"),
    (MalformedLabelError, 400, "malformed_label"),
    (TrustListError, 422, "bad_trust_list"),
]


def _ledger_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LedgerError)  # noqa: S101 - registered for LedgerError only
    fields: list[tuple[str, str]] = []
    if isinstance(exc, SchemaError):
        fields = exc.errors
    elif isinstance(exc, IneligibleLotError):
        fields = [
            ("statement.body.lot_id", f"{r['code']}: {r['message_en']} / {r['message_es']}")
            for r in exc.reasons
        ]
    elif isinstance(exc, MalformedLabelError):
        fields = [(f"label.{exc.part}", exc.reason)]
    elif isinstance(exc, DomainRuleError) and exc.field:
        fields = [(exc.field, str(exc))]
    elif isinstance(exc, SignatureError):
        fields = [("sig", str(exc))]
    elif isinstance(exc, AuthorizationError):
        fields = [("statement.actor", str(exc))]
    elif isinstance(exc, StandardError):
        fields = [(f"standard.{path}", reason) for path, reason in exc.errors]
    elif isinstance(exc, RuleViolationError):
        fields = [(f"criteria.{cid}", "did not pass") for cid in exc.criterion_ids]
    elif isinstance(exc, ExportError):
        fields = [(exc.field, str(exc))]
    elif isinstance(exc, NonceReplayError):
        fields = [("statement.nonce", str(exc))]
    for cls, status, code in _STATUS:
        if isinstance(exc, cls):
            return JSONResponse(error_body(code, str(exc), fields), status_code=status)
    return JSONResponse(error_body("ledger_error", str(exc), fields), status_code=400)


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
