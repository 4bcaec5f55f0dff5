"""Refused submissions of field devices (table ``device_refusals``, migration 0009).

Operational data beside the ledger, like the label scans and upload book: nothing here is
signed into the tree or replayed by ``rebuild``. What to keep is the caller's decision
(``api.services.devices`` keeps only statements with a valid signature by a known device
key); this module keeps the book bounded: one row per (key, statement hash), a retry of the
same statement bumps ``attempts``, and each key keeps at most :data:`PER_KEY` rows — the
oldest by last attempt are deleted in the same transaction — so a stolen phone signing junk
cannot fill the disk.

Concurrency: two processes recording the same new statement at once may race on the insert;
the loser's row is counted as an attempt instead (upsert on both engines).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from ledger.storage.sql.store import SqlCursor

__all__ = ["PER_KEY", "REASON_CHARS", "Refusal", "RefusalStore"]

PER_KEY = 200
"""Rows kept per device key: a few days of a busy technician's captures, refused."""

REASON_CHARS = 1000
"""Longest reason kept (messages are short; the cap bounds a row)."""


@dataclass(frozen=True)
class Refusal:
    """One refused statement of a device: what it was, why it was refused, when."""

    key_id: str
    statement_hash: str
    org_id: str
    type: str
    nonce: str
    ts: str
    code: str
    reason: str
    field: str | None
    attempts: int
    first_at: str
    last_at: str
    admitted_seq: int | None = None
    """The entry the same statement became on a later retry (kept rows are not deleted then:
    the office sees it was refused once and admitted since)."""


_COLUMNS = (
    "r.key_id, r.statement_hash, r.org_id, r.type, r.nonce, r.ts, r.code, r.reason, r.field, "
    "r.attempts, r.first_at, r.last_at"
)


class RefusalStore:
    """The ``device_refusals`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, refusal: Refusal) -> None:
        """Keep a refusal (or count one more attempt of a statement already kept), then trim
        the key's rows to :data:`PER_KEY`."""
        reason = refusal.reason[:REASON_CHARS]
        field = None if refusal.field is None else refusal.field[:200]
        with self.engine.connect() as conn, conn.begin():
            cursor = SqlCursor(conn)
            cursor.run(
                "INSERT INTO device_refusals (key_id, statement_hash, org_id, type, nonce, ts, "
                "code, reason, field, attempts, first_at, last_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key_id, statement_hash) DO UPDATE SET "
                "attempts = device_refusals.attempts + 1, last_at = excluded.last_at, "
                "code = excluded.code, reason = excluded.reason, field = excluded.field",
                (
                    refusal.key_id,
                    refusal.statement_hash,
                    refusal.org_id,
                    refusal.type[:64],
                    refusal.nonce[:64],
                    refusal.ts[:40],
                    refusal.code[:64],
                    reason,
                    field,
                    refusal.attempts,
                    refusal.first_at,
                    refusal.last_at,
                ),
            )
            cursor.run(
                "DELETE FROM device_refusals WHERE key_id = ? AND statement_hash NOT IN ("
                "SELECT statement_hash FROM device_refusals WHERE key_id = ? "
                "ORDER BY last_at DESC, statement_hash DESC LIMIT ?)",
                (refusal.key_id, refusal.key_id, PER_KEY),
            )

    def recent(self, org_id: str, key_id: str | None = None, limit: int = 100) -> list[Refusal]:
        """An organization's refusals (one key's, if given), newest first."""
        where, params = "r.org_id = ?", [org_id]
        if key_id is not None:
            where, params = where + " AND r.key_id = ?", [org_id, key_id]
        with self.engine.connect() as conn, conn.begin():
            rows = SqlCursor(conn).all(
                f"SELECT {_COLUMNS}, e.seq FROM device_refusals r "  # noqa: S608 - fixed text
                "LEFT JOIN entries e ON e.actor = r.key_id AND e.nonce = r.nonce "
                f"WHERE {where} ORDER BY r.last_at DESC, r.statement_hash DESC LIMIT ?",
                (*params, limit),
            )
        return [
            Refusal(
                key_id=str(r[0]),
                statement_hash=str(r[1]),
                org_id=str(r[2]),
                type=str(r[3]),
                nonce=str(r[4]),
                ts=str(r[5]),
                code=str(r[6]),
                reason=str(r[7]),
                field=None if r[8] is None else str(r[8]),
                attempts=int(r[9]),
                first_at=str(r[10]),
                last_at=str(r[11]),
                admitted_seq=None if r[12] is None else int(r[12]),
            )
            for r in rows
        ]

    def counts(self, org_id: str) -> dict[str, int]:
        """How many refusals each device key of an organization has kept."""
        with self.engine.connect() as conn, conn.begin():
            rows = SqlCursor(conn).all(
                "SELECT key_id, COUNT(*) FROM device_refusals WHERE org_id = ? GROUP BY key_id",
                (org_id,),
            )
        return {str(k): int(n) for k, n in rows}
