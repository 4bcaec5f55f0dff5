"""Routes that take statements from field devices keep the device's refusals for its office.

The refusal is reported to the device as any error is (``api.http.errors``, from
``api.error_report.describe``), and the same report — code, message, fields — is what the
office later reads (``api.services.refusals`` keeps it when a device key validly signed the
statement). Wrapping a route's append in :func:`noting_refusal` is all it takes; the batch
upload calls ``note_device_refusal`` per refused item with the same report.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from api.error_report import ErrorReport, describe
from api.services.ledger import LedgerService
from api.services.refusals import note_device_refusal
from ledger.errors import LedgerError
from ledger.statements import SignedStatement

__all__ = ["note_refusal", "noting_refusal"]


def note_refusal(service: LedgerService, signed: SignedStatement, exc: LedgerError) -> ErrorReport:
    """Keep ``exc`` for the office if a device signed ``signed``; return its error report."""
    report = describe(exc)
    note_device_refusal(service, signed, exc, report.code, report.fields)
    return report


@contextmanager
def noting_refusal(service: LedgerService, signed: SignedStatement) -> Iterator[None]:
    """Re-raise any ``LedgerError`` of the block, keeping it first if a device signed
    ``signed``."""
    try:
        yield
    except LedgerError as exc:
        note_refusal(service, signed, exc)
        raise
