"""What went wrong, as every face reports it: a status, a code, a message and the fields.

The HTTP error envelope (``api.http.errors``) and the CLI's one-line errors
(``api.cli.common.cli_errors``) both read :func:`describe`, so a harvest of -5 kg names
``statement.body.quantity_g`` and the reason the same way whether it was submitted to a server
or appended locally.
"""

from __future__ import annotations

from dataclasses import dataclass

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
from ledger.read_auth import ReadForbiddenError, ReadUnauthorizedError
from ledger.storage.blobs import BlobHashMismatchError, BlobTooLargeError
from ledger.upload_auth import (
    InsufficientStorageError,
    UploadForbiddenError,
    UploadQuotaError,
    UploadRefusedError,
    UploadUnauthorizedError,
)
from verifiers.errors import (
    CredentialError,
    EligibilityError,
    FindingsMismatchError,
    RuleEvaluationError,
    StandardError,
    VerificationError,
)
from verifiers.rules import RuleViolationError

__all__ = ["ErrorReport", "describe", "one_line"]


@dataclass(frozen=True, slots=True)
class ErrorReport:
    """A domain error as faces show it: HTTP status, stable code, message, (field, reason)s."""

    status: int
    code: str
    message: str
    fields: list[tuple[str, str]]


# Most specific first: the first matching class decides the status.
_STATUS: list[tuple[type[LedgerError], int, str]] = [
    (UploadUnauthorizedError, 401, "unauthorized"),
    (UploadForbiddenError, 403, "forbidden"),
    (ReadUnauthorizedError, 401, "unauthorized"),
    (ReadForbiddenError, 403, "forbidden"),
    (UploadQuotaError, 429, "quota_exceeded"),
    (InsufficientStorageError, 507, "insufficient_storage"),
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
    (CredentialError, 422, "credential_invalid"),
    (VerificationError, 422, "verification_failed"),
    (MalformedLabelError, 400, "malformed_label"),
    (TrustListError, 422, "bad_trust_list"),
]


def _fields(exc: LedgerError) -> list[tuple[str, str]]:
    """The (field, reason) pairs an error names, most useful first."""
    if isinstance(exc, SchemaError):
        return list(exc.errors)
    if isinstance(exc, IneligibleLotError):
        return [
            ("statement.body.lot_id", f"{r['code']}: {r['message_en']} / {r['message_es']}")
            for r in exc.reasons
        ]
    if isinstance(exc, MalformedLabelError):
        return [(f"label.{exc.part}", exc.reason)]
    if isinstance(exc, DomainRuleError) and exc.field:
        return [(exc.field, str(exc))]
    if isinstance(exc, SignatureError):
        return [("sig", str(exc))]
    if isinstance(exc, AuthorizationError):
        return [("statement.actor", str(exc))]
    if isinstance(exc, StandardError):
        return [(f"standard.{path}", reason) for path, reason in exc.errors]
    if isinstance(exc, RuleViolationError):
        return [(f"criteria.{cid}", "did not pass") for cid in exc.criterion_ids]
    if isinstance(exc, ExportError):
        return [(exc.field, str(exc))]
    if isinstance(exc, CredentialError):
        return [(exc.field, exc.reason)]
    if isinstance(exc, NonceReplayError):
        return [("statement.nonce", str(exc))]
    if isinstance(exc, EncodingError):
        return [("body", str(exc))]
    if isinstance(exc, UploadRefusedError):
        return [(exc.field, str(exc))]
    return []


def describe(exc: LedgerError) -> ErrorReport:
    """The report of a domain error (the first matching class of ``_STATUS`` decides)."""
    fields = _fields(exc)
    for cls, status, code in _STATUS:
        if isinstance(exc, cls):
            return ErrorReport(status, code, str(exc), fields)
    return ErrorReport(400, "ledger_error", str(exc), fields)


def one_line(message: str, fields: list[tuple[str, str]]) -> str:
    """A message and its fields on one line, as the CLI prints them.

    Fields whose reason only repeats the message are not repeated.
    """
    details = "; ".join(f"{field}: {reason}" for field, reason in fields if reason != message)
    return f"{message} ({details})" if details else message
