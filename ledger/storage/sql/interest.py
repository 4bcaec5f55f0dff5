"""Buyers' expressions of interest (table ``market_interest``, migration 0012): off the ledger.

Kept beside the ledger, never in it: a buyer's name, company, e-mail and message are a
stranger's personal data addressed to one association, not a public fact. Rows are written
by the market's public form and read only through a signed read by the association that
holds the lot (or root) — ``api.services.market``. ``source`` (a keyed hash of the sending
client, ``api.services.market.source_of``: this module never sees an address) and
``received_at`` let the writer count recent messages per client and per lot in the same
transaction that inserts, so a flood is refused, not stored. Rows from before migration 0013
hold ``unkeyed`` there (their plain hashes were overwritten).

The limit is exact, not a soft bound: the count and the insert run under a lock (SQLite's
write lock, taken at ``BEGIN IMMEDIATE``; on PostgreSQL transaction-scoped advisory locks on
the client and on the lot), so two simultaneous senders cannot both take the last slot.
A refusal says when the oldest counted message leaves the window (``retry_after``).
:meth:`InterestStore.delete_before` removes messages past the retention period
(``biotraza market purge``).

Left out: replies.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from ledger.statements import parse_ts
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
    """Too many recent messages from this client, or for this lot: refused, not stored.

    ``scope`` is ``source`` or ``lot``; ``retry_after`` the seconds until a slot frees.
    """

    def __init__(self, message: str, scope: str, retry_after: int) -> None:
        super().__init__(message)
        self.scope = scope
        self.retry_after = retry_after


class InterestStore:
    """The ``market_interest`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _locked(self, *names: str) -> Iterator[SqlCursor]:
        """A transaction holding the write lock (SQLite) or advisory locks on ``names``
        (PostgreSQL, taken in sorted order so two writers cannot deadlock)."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                # The engine begins reads with a deferred BEGIN; a count then insert needs
                # the write lock from the start, or two writers both count the last slot.
                raw = conn.connection.driver_connection
                assert raw is not None  # noqa: S101 - an open connection has one
                cursor = SqlCursor.over_dbapi(raw, sqlite=True)
                cursor.run("BEGIN IMMEDIATE")
                try:
                    yield cursor
                except BaseException:
                    raw.rollback()
                    raise
                raw.commit()
                return
            with conn.begin():
                cursor = SqlCursor(conn)
                for name in sorted(names):
                    cursor.run("SELECT pg_advisory_xact_lock(hashtext(?))", (name,))
                yield cursor

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
        lot got ``per_lot``, since ``since`` (ISO time, the start of the window ending at
        ``interest.received_at``); counted and inserted under one lock.

        Raises:
            InterestLimitError: a limit is reached (``scope`` ``source`` or ``lot``).
        """
        window = parse_ts(interest.received_at) - parse_ts(since)
        names = (f"market-interest:source:{source}", f"market-interest:lot:{interest.lot_id}")
        with self._locked(*names) as cursor:
            limits = (
                ("source", source, per_source, "too many messages from this client"),
                ("lot_id", interest.lot_id, per_lot, "too many messages for this lot"),
            )
            for column, value, limit, reason in limits:
                # The slot frees when the oldest message still counted leaves the window.
                row = cursor.one(
                    f"SELECT received_at FROM market_interest WHERE {column} = ? "  # noqa: S608 - fixed column names
                    "AND received_at >= ? ORDER BY received_at DESC LIMIT 1 OFFSET ?",
                    (value, since, limit - 1),
                )
                if row is not None:
                    frees = parse_ts(str(row[0])) + window - parse_ts(interest.received_at)
                    wait = max(1, math.ceil(frees.total_seconds()))
                    scope = "source" if column == "source" else "lot"
                    raise InterestLimitError(f"{reason}; try again in {wait} s", scope, wait)
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

    def delete_before(self, before: str) -> int:
        """Delete every message received before ``before`` (ISO time); how many went."""
        with self.engine.connect() as conn, conn.begin():
            result = conn.execute(
                text("DELETE FROM market_interest WHERE received_at < :before"),
                {"before": before},
            )
            return int(result.rowcount or 0)

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
