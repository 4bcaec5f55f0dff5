"""Seals on projection rows: an append never builds on a row changed behind its back.

Appends read projection documents (a lot's quantity, a key's status) to judge the next
statement. Those rows are derived from the signed entries, and ``ledger verify`` compares them
with their replay (``ledger.replay_check``), but an append cannot replay the ledger first. So
each row the ledger writes carries an HMAC-SHA256 seal under a per-deployment secret that the
database does not hold (``projection.key`` in the data directory, mode 0600), and every read an
append makes checks it (issue 15 item 6). Someone who can write the database but cannot read
that file cannot change a document so that an append accepts it: the append stops with
``TamperedDataError`` (HTTP 503 ``ledger_integrity``) until ``ledger verify`` has named the
difference and ``ledger rebuild`` has replaced the projections from the entries.

What a seal does not stop — putting back an *older* sealed version of the same document, or
deleting a row — is caught by ``ledger verify``; see docs/transparency.md.

Left out: where the key lives (``api.services.ledger.projection_key``) and links between
documents (``state_links``), which ``ledger verify`` compares but appends do not seal-check.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from ledger.errors import TamperedDataError

__all__ = ["SEAL_KEY_BYTES", "ProjectionSealer"]

SEAL_KEY_BYTES = 32
_DOMAIN = b"biotraza:projection-seal:v1\n"


class ProjectionSealer:
    """Seals and checks ``(kind, key, JSON text, seq)`` projection rows with one secret."""

    def __init__(self, key: bytes) -> None:
        if len(key) < SEAL_KEY_BYTES:
            raise ValueError(f"a projection seal key has at least {SEAL_KEY_BYTES} bytes")
        self._key = key

    def seal(self, kind: str, key: str, text: str, seq: int) -> bytes:
        """The 32-byte seal of one document row (every field bound, unambiguously)."""
        message = json.dumps([kind, key, text, seq], ensure_ascii=False, separators=(",", ":"))
        return hmac.new(self._key, _DOMAIN + message.encode("utf-8"), hashlib.sha256).digest()

    def check(self, kind: str, key: str, text: str, seq: int, seal: bytes | None) -> None:
        """Raise unless ``seal`` is this row's seal.

        Raises:
            TamperedDataError: the row was changed, or written without the deployment's key.
        """
        if seal is None or not hmac.compare_digest(bytes(seal), self.seal(kind, key, text, seq)):
            state = "has no seal" if seal is None else "does not match its seal"
            raise TamperedDataError(
                f"projection document {kind}/{key} {state}: it was changed outside the ledger "
                "(or written without this deployment's projection.key); nothing was recorded. "
                "Run `ledger verify` to see the difference, then `ledger rebuild`"
            )
