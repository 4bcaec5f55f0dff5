"""Buyers' expressions of interest (table ``market_interest``, migration 0012): off the ledger.

Kept beside the ledger, never in it: a buyer's name, company, e-mail and message are a
stranger's personal data addressed to one association, not a public fact. Rows are written
by the market's public form and read only through a signed read by the association that
holds the lot (or root) — ``api.services.market``. ``source`` (a hash of the sender's
network prefix) and ``received_at`` let the writer count recent messages per network and per
lot in the same transaction that inserts, so a flood is refused, not stored.

Left out: deleting old messages (the association's retention policy), replies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from ledger.storage.sql.store import SqlCursor

__all__ = ["Interest", "InterestLimitError", "InterestStore"]


@dataclass(frozen=True)
class Interest:
    """One expression of interest as kept."""

    interest_id: str
    lot_id: str
    org_id: str
    data: dict[str, Any]
    received_at: str


class InterestLimitError(Exception):
    """Too many recent messages from this network, or for this lot: refused, not stored."""

    def __init__(self, message: str, scope: str) -> None:
        super().__init__(message)
        self.scope = scope


class InterestStore:
    """The ``market_interest`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self,
        interest: Interest,
        source: str,
        *,
        since: str,
        per_source: int,
        per_lot: int,
    ) -> None:
        """Insert ``interest`` unless ``source`` already sent ``per_source`` messages, or the
        lot got ``per_lot``, since ``since`` (ISO time); counted and inserted in one
        transaction.

        Raises:
            InterestLimitError: a limit is reached (``scope`` ``source`` or ``lot``).
        """
        with self.engine.connect() as conn, conn.begin():
            cursor = SqlCursor(conn)
            sent = cursor.one(
                "SELECT COUNT(*) FROM market_interest WHERE source = ? AND received_at >= ?",
                (source, since),
            )
            if sent is not None and int(str(sent[0])) >= per_source:
                raise InterestLimitError("too many messages from this network", "source")
            got = cursor.one(
                "SELECT COUNT(*) FROM market_interest WHERE lot_id = ? AND received_at >= ?",
                (interest.lot_id, since),
            )
            if got is not None and int(str(got[0])) >= per_lot:
                raise InterestLimitError("too many messages for this lot", "lot")
            cursor.run(
                "INSERT INTO market_interest (interest_id, lot_id, org_id, data, source, "
                "received_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    interest.interest_id,
                    interest.lot_id,
                    interest.org_id,
                    json.dumps(interest.data, sort_keys=True, ensure_ascii=False),
                    source,
                    interest.received_at,
                ),
            )

    def for_org(self, org_id: str, limit: int = 500) -> list[Interest]:
        """The newest ``limit`` messages for lots of ``org_id``, newest first."""
        with self.engine.connect() as conn, conn.begin():
            rows = SqlCursor(conn).all(
                "SELECT interest_id, lot_id, org_id, data, received_at FROM market_interest "
                "WHERE org_id = ? ORDER BY received_at DESC, interest_id DESC LIMIT ?",
                (org_id, limit),
            )
        return [
            Interest(str(r[0]), str(r[1]), str(r[2]), json.loads(str(r[3])), str(r[4]))
            for r in rows
        ]
