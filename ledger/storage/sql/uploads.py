"""Accepted evidence-file upload authorizations: one use each, and bytes charged per key.

Operational data beside the ledger (table ``blob_uploads``, migration 0005), like the label
scans: nothing here is signed into the tree or replayed by ``rebuild``, and a row's charge is
updated once the upload ends. The admission rules are the caller's (``api.services.uploads``);
this module only keeps the book: :meth:`UploadLedger.reserve` records an authorization's
nonce and charges its declared size in one transaction, refusing a nonce already used or a
charge over the limits, and :meth:`UploadLedger.settle` corrects the charge to what the upload
really added to the disk.

Concurrency: reservations of one process are serialized by a lock; on PostgreSQL a
transaction-scoped advisory lock per key serializes them across processes too. On SQLite,
several server processes may each admit one upload past a limit at the same instant (at most
one file per process).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError as SqlIntegrityError

from ledger.storage.sql.engine import is_sqlite
from ledger.storage.sql.store import SqlCursor

__all__ = ["UploadNonceUsedError", "UploadQuotaExceededError", "UploadLedger", "UploadUsage"]


@dataclass(frozen=True)
class UploadUsage:
    """Bytes a key has been charged today and in total (before this upload)."""

    today: int
    total: int


class UploadQuotaExceededError(Exception):
    """A reservation would take a key over a limit; ``which`` is ``"day"`` or ``"total"``."""

    def __init__(self, which: str, usage: UploadUsage, limit: int) -> None:
        super().__init__(which)
        self.which = which
        self.usage = usage
        self.limit = limit


class UploadNonceUsedError(Exception):
    """The authorization's nonce was already used by this key."""


class UploadLedger:
    """The ``blob_uploads`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()

    def reserve(
        self,
        key_id: str,
        nonce: str,
        sha256: str,
        size: int,
        *,
        day: str,
        now: str,
        per_day: int,
        total: int,
    ) -> UploadUsage:
        """Record the nonce and charge ``size`` bytes to the key.

        Raises:
            UploadNonceUsedError: this key already used this nonce (nothing charged).
            UploadQuotaExceededError: the charge would exceed ``per_day`` today or ``total``
                (nothing recorded, so the same authorization may be retried once there is room).
        """
        with self._lock, self.engine.connect() as conn, conn.begin():
            cursor = SqlCursor(conn)
            if not is_sqlite(self.engine):
                cursor.run("SELECT pg_advisory_xact_lock(hashtext(?))", (f"blob-upload:{key_id}",))
            if cursor.one(
                "SELECT 1 FROM blob_uploads WHERE key_id = ? AND nonce = ?", (key_id, nonce)
            ):
                raise UploadNonceUsedError(nonce)
            usage = _usage(cursor, key_id, day)
            if usage.today + size > per_day:
                raise UploadQuotaExceededError("day", usage, per_day)
            if usage.total + size > total:
                raise UploadQuotaExceededError("total", usage, total)
            try:
                cursor.run(
                    "INSERT INTO blob_uploads (key_id, nonce, sha256, charged, day, uploaded_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (key_id, nonce, sha256, size, day, now),
                )
            except SqlIntegrityError:  # pragma: no cover - another SQLite process, same nonce
                raise UploadNonceUsedError(nonce) from None
        return usage

    def settle(self, key_id: str, nonce: str, charged: int) -> None:
        """Set what an upload finally cost: its size if it stored a new file, else 0."""
        with self.engine.connect() as conn, conn.begin():
            SqlCursor(conn).run(
                "UPDATE blob_uploads SET charged = ? WHERE key_id = ? AND nonce = ?",
                (charged, key_id, nonce),
            )

    def uploaders(self, sha256: str) -> set[str]:
        """The keys whose upload of this file was admitted (whether or not it was new)."""
        with self.engine.connect() as conn, conn.begin():
            rows = SqlCursor(conn).all(
                "SELECT DISTINCT key_id FROM blob_uploads WHERE sha256 = ?", (sha256,)
            )
        return {str(row[0]) for row in rows}

    def usage(self, key_id: str, day: str) -> UploadUsage:
        """Bytes charged to a key today and in total."""
        with self.engine.connect() as conn, conn.begin():
            return _usage(SqlCursor(conn), key_id, day)


def _usage(cursor: SqlCursor, key_id: str, day: str) -> UploadUsage:
    row = cursor.one(
        "SELECT COALESCE(SUM(CASE WHEN day = ? THEN charged ELSE 0 END), 0), "
        "COALESCE(SUM(charged), 0) FROM blob_uploads WHERE key_id = ?",
        (day, key_id),
    )
    assert row is not None  # noqa: S101 - an aggregate always returns one row
    return UploadUsage(int(row[0]), int(row[1]))
