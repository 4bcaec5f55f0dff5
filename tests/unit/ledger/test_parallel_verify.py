"""Verification with signature workers gives the same answers as inline verification."""

from __future__ import annotations

import pytest

from ledger.catalog import core_registry
from ledger.chain import (
    PARALLEL_VERIFY_THRESHOLD,
    append,
    signature_workers,
    verify_stored_leaves,
)
from ledger.errors import ChainBrokenError, IntegrityError
from ledger.hashing import leaf_hash
from ledger.storage import InMemoryLedgerStore, StoredLeaf
from tests.factories import bootstrap, make_key, make_key_added

N = 4500  # more than two batches of 2,000 signatures


@pytest.fixture(scope="module")
def rows() -> list[StoredLeaf]:
    store, registry = InMemoryLedgerStore(), core_registry()
    keys = bootstrap(store, registry)
    for i in range(N):
        append(store, registry, make_key_added(keys.root, make_key(f"pv{i}"), name=f"pv{i}"))
    return list(store.stored_leaves())


def _forge_signature(row: StoredLeaf) -> StoredLeaf:
    at = row.leaf_bytes.index(b'"sig":"') + 7
    swapped = b"B" if row.leaf_bytes[at : at + 1] == b"A" else b"A"
    leaf = row.leaf_bytes[:at] + swapped + row.leaf_bytes[at + 1 :]
    return StoredLeaf(row.seq, leaf, leaf_hash(leaf))


def test_workers_agree_with_inline(rows: list[StoredLeaf]) -> None:
    registry = core_registry()
    inline = verify_stored_leaves(rows, registry)
    parallel = verify_stored_leaves(rows, registry, workers=2)
    assert parallel.size == inline.size == N + 1
    assert parallel.head_hash == inline.head_hash
    assert parallel.state.rows() == inline.state.rows()


@pytest.mark.parametrize("bad_seq", [1, 1999, 2000, 3333, N])
@pytest.mark.parametrize("workers", [0, 2])
def test_a_forged_signature_is_reported_at_its_seq(
    rows: list[StoredLeaf], bad_seq: int, workers: int
) -> None:
    tampered = list(rows)
    tampered[bad_seq] = _forge_signature(rows[bad_seq])
    # The next entry's prev no longer matches either, but the signature at bad_seq is first.
    with pytest.raises(IntegrityError, match="signature") as info:
        verify_stored_leaves(tampered, core_registry(), workers=workers)
    assert info.value.seq == bad_seq
    assert not isinstance(info.value, ChainBrokenError)


def test_signature_workers_start_only_for_large_ledgers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    assert signature_workers(PARALLEL_VERIFY_THRESHOLD - 1) == 0
    assert signature_workers(PARALLEL_VERIFY_THRESHOLD) == 3
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert signature_workers(10 * PARALLEL_VERIFY_THRESHOLD) == 1
