"""``SqlState.prefetch`` on SQLite and PostgreSQL: one query for many documents, and reads
after it answer exactly what reads without it would — present, absent, written since (the
write wins, even after a flush), never a dict shared between two readers. Nothing here is
committed: each test ends its append transaction with an exception.
"""

from __future__ import annotations

import pytest

from ledger.storage.sql import SqlLedgerStore


class _DiscardError(Exception):
    """Rolls the test's transaction back."""


def test_prefetched_reads_match_plain_reads(sql_store: SqlLedgerStore) -> None:
    with pytest.raises(_DiscardError), sql_store.appending() as tx:
        state = tx.state
        for n in range(250):  # more than one prefetch chunk
            state.put("lot", f"l-{n:03d}", {"n": n, "tags": ["a"]}, n)
        state.put("plot", "p-1", {"area": 2.5}, 300)
        state.flush()  # type: ignore[attr-defined]
        wanted = [("lot", f"l-{n:03d}") for n in range(0, 260, 3)] + [("plot", "p-1")]
        wanted.append(("plot", "absent"))
        plain = {key: state.get(*key) for key in wanted}
        state.prefetch(wanted)
        assert {key: state.get(*key) for key in wanted} == plain
        assert state.get("plot", "absent") is None and state.get("lot", "l-255") is None
        first = state.get("lot", "l-003")
        assert first is not None
        first["tags"].append("mutated by a reader")
        assert state.get("lot", "l-003") == {"n": 3, "tags": ["a"]}
        raise _DiscardError


def test_a_write_after_prefetch_wins(sql_store: SqlLedgerStore) -> None:
    with pytest.raises(_DiscardError), sql_store.appending() as tx:
        state = tx.state
        state.put("lot", "l-1", {"v": 1}, 1)
        state.flush()  # type: ignore[attr-defined]
        state.prefetch([("lot", "l-1"), ("lot", "l-2")])
        state.put("lot", "l-1", {"v": 2}, 2)
        state.put("lot", "l-2", {"v": 3}, 3)
        state.flush()  # type: ignore[attr-defined]
        assert state.get("lot", "l-1") == {"v": 2}
        assert state.get("lot", "l-2") == {"v": 3}
        raise _DiscardError
