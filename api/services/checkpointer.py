"""When the log signs a checkpoint: on growth and on a schedule, never because someone read.

A checkpoint is a state change (a signature and an append-only row, written under the append
lock), so it must not be a side effect of an anonymous ``GET``: readers get the latest kept
checkpoint. The operator's process signs instead

* right after an append, when the tree grew by ``every_entries`` since the latest checkpoint
  or that checkpoint is ``max_age_seconds`` old (so a quiet log gets one at its next append,
  and a busy log one per ``every_entries`` appends, not one per append);
* on a timer every ``max_age_seconds`` (the server's background task, :meth:`tick`), when the
  tree grew at all — so the newest entries are covered within about ``max_age_seconds`` even
  when no further append comes;
* when asked (``biotraza checkpoint``).

Signing is idempotent per tree size (``ledger.transparency.issue_checkpoint``), so several
workers doing this at once add at most one row per size, and rows stay bounded by appends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.statements import parse_ts
from ledger.storage.base import StoredCheckpoint
from ledger.storage.sql import SqlLedgerStore
from ledger.transparency import issue_checkpoint

__all__ = ["CheckpointPolicy", "Checkpointer"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckpointPolicy:
    """How often the operator signs (``BIOTRAZA_CHECKPOINT_EVERY_ENTRIES`` and
    ``BIOTRAZA_CHECKPOINT_MAX_AGE_SECONDS``)."""

    every_entries: int = 256
    max_age_seconds: float = 10.0


class Checkpointer:
    """Signs checkpoints for one process that holds the operator key.

    Remembers the latest checkpoint it saw, so the check after an append costs no query.
    """

    def __init__(
        self,
        store: SqlLedgerStore,
        origin: Callable[[], str],
        operator_key: Ed25519PrivateKey,
        policy: CheckpointPolicy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._origin = origin
        self._key = operator_key
        self.policy = policy
        self._clock = clock
        self._latest: tuple[int, datetime] | None = None

    def issue(self) -> StoredCheckpoint:
        """Sign a checkpoint of the current tree now (or return the one kept for its size)."""
        checkpoint = issue_checkpoint(self._store, self._origin(), self._key)
        self._latest = (checkpoint.tree_size, parse_ts(checkpoint.issued_at))
        return checkpoint

    def _known_latest(self) -> tuple[int, datetime] | None:
        if self._latest is None:
            kept = self._store.latest_checkpoint()
            if kept is not None:
                self._latest = (kept.tree_size, parse_ts(kept.issued_at))
        return self._latest

    def after_append(self, size: int) -> StoredCheckpoint | None:
        """Sign if the tree of ``size`` entries is due (see the module docstring)."""
        latest = self._known_latest()
        if latest is not None:
            grown = size - latest[0]
            old = (self._clock() - latest[1]).total_seconds() >= self.policy.max_age_seconds
            if grown <= 0 or (grown < self.policy.every_entries and not old):
                return None
        return self.issue()

    def tick(self) -> StoredCheckpoint | None:
        """The scheduled run: sign if the tree grew since the latest checkpoint."""
        size = self._store.head().size
        latest = self._known_latest()
        if size == 0 or (latest is not None and latest[0] >= size):
            return None
        return self.issue()
