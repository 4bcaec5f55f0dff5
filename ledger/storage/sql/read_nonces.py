"""Nonces of signed reads already used (table ``read_nonces``, migration 0011).

Operational data beside the ledger. A ``Biotraza-Read`` header is good for one read: its
(key, nonce) is recorded when the read is admitted, and a second read with the same pair is
refused, so a header captured inside its time window opens nothing more. Rows older than the
caller's horizon are deleted in the same transaction as each new one; a header that old is
refused by its timestamp before it gets here, so forgetting it loses nothing.
"""

from __future__ import annotations

from sqlalchemy import Engine

from ledger.storage.sql.store import SqlCursor

__all__ = ["ReadNonceBook", "ReadNonceUsedError"]


class ReadNonceUsedError(Exception):
    """This key already used this nonce for a read."""


class ReadNonceBook:
    """The ``read_nonces`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def use(self, key_id: str, nonce: str, *, now: str, forget_before: str) -> None:
        """Record ``(key_id, nonce)`` as used at ``now`` and forget rows used before
        ``forget_before`` (timestamps in the ledger's fixed ``format_ts`` form, which sorts
        as text).

        Raises:
            ReadNonceUsedError: the pair was already used (by this or another process: the
                primary key decides, so two racing replays cannot both pass).
        """
        with self.engine.connect() as conn, conn.begin():
            cursor = SqlCursor(conn)
            cursor.run("DELETE FROM read_nonces WHERE used_at < ?", (forget_before,))
            added = cursor.one(
                "INSERT INTO read_nonces (key_id, nonce, used_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key_id, nonce) DO NOTHING RETURNING key_id",
                (key_id, nonce, now),
            )
        if added is None:
            raise ReadNonceUsedError(nonce)
