"""Group commit: concurrent submits in one process share one transaction.

Every append pays one transaction, the writer lock and one flush to disk (an fsync on SQLite
with ``synchronous=FULL``, a WAL flush on PostgreSQL). When several requests arrive while one
is being committed, they would queue on the lock anyway; taking the ones that queued into the
*next* transaction together (``ledger.chain.append_batch``: each statement judged on its own,
in arrival order, exactly as a single append judges it, the admitted ones committed at once)
turns N flushes into one, so the server's append rate under concurrent clients rises above
what one client appending alone can reach (docs/performance.md, "HTTP appends").

Leader and followers, no timer: the first thread to arrive while no transaction is in flight
becomes the leader, takes everything queued (at most ``max_batch``), runs it, hands each
caller its own outcome, and passes the lead to the oldest caller that arrived meanwhile. A
caller that arrives alone runs a plain single append, so with one client nothing changes —
not the cost, not the code path. Nobody waits for company: a group only ever holds callers
that were already waiting for the one before it to commit.

What callers see is what a single append gives them: the entry (created or replayed) or the
error that refused *their* statement. A failure of the transaction itself (the database, a
lock wait past its bound, tampered stored data) is every caller's failure, since nothing of
the group was recorded; each caller gets its own copy of the error and may resend.
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ledger.chain import AppendResult, BatchOutcome
from ledger.errors import LedgerError
from ledger.statements import SignedStatement

__all__ = ["DEFAULT_MAX_GROUP", "GroupCommit", "GroupStats"]

DEFAULT_MAX_GROUP = 64
"""Statements per shared transaction at most: a bound on one transaction's work and on how
long the last of a group waits for the first."""


@dataclass
class GroupStats:
    """How submits were committed: ``transactions`` ≤ ``submits``; the difference is the
    flushes group commit saved."""

    submits: int = 0
    transactions: int = 0
    largest: int = 0


@dataclass(eq=False)
class _Slot:
    """One caller's statement and, once its group committed, its outcome."""

    signed: SignedStatement
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    result: AppendResult | None = None
    error: BaseException | None = None

    def outcome(self) -> AppendResult:
        if self.error is not None:
            raise self.error
        assert self.result is not None  # noqa: S101 - set with done unless error is
        return self.result


class GroupCommit:
    """Submit statements from many threads; concurrent ones share a transaction."""

    def __init__(
        self,
        single: Callable[[SignedStatement], AppendResult],
        batch: Callable[[Sequence[SignedStatement]], list[BatchOutcome]],
        max_group: int = DEFAULT_MAX_GROUP,
    ) -> None:
        """``single`` appends one statement (raising what refuses it); ``batch`` appends
        several in one transaction, one outcome per statement, in order."""
        self._single = single
        self._batch = batch
        self._max = max_group
        self._lock = threading.Lock()
        self._queue: deque[_Slot] = deque()
        self._busy = False
        self.stats = GroupStats()

    def submit(self, signed: SignedStatement) -> AppendResult:
        """Append ``signed`` alone or with the statements of other threads that queued
        meanwhile; its own outcome either way.

        Raises:
            LedgerError: what refused this statement, or what failed the transaction.
        """
        slot = _Slot(signed)
        with self._lock:
            self._queue.append(slot)
            self.stats.submits += 1
            lead = not self._busy
            self._busy = True
        if not lead:
            slot.done.wait()
            if not slot.lead:
                return slot.outcome()
        self._lead()
        return slot.outcome()

    def _lead(self) -> None:
        """Commit one group (the leader's own statement first among them), then hand the
        lead to the oldest caller still queued, or stand down."""
        with self._lock:
            group = [self._queue.popleft() for _ in range(min(self._max, len(self._queue)))]
            self.stats.transactions += 1
            self.stats.largest = max(self.stats.largest, len(group))
        try:
            self._commit(group)
        finally:
            with self._lock:
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.done.set()
                else:
                    self._busy = False
            for slot in group:
                slot.done.set()

    def _commit(self, group: list[_Slot]) -> None:
        """Run the group and give each slot its outcome (never raises for a slot's sake)."""
        try:
            if len(group) == 1:
                group[0].result = self._single(group[0].signed)
                return
            outcomes = self._batch([slot.signed for slot in group])
        except BaseException as exc:  # noqa: BLE001 - handed to every caller of the group
            for slot in group:
                slot.error = exc if slot is group[0] else copy.copy(exc)
            return
        for slot, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, LedgerError):
                slot.error = outcome
            else:
                slot.result = outcome
