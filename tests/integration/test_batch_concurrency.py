"""Batches racing with single appends and with other batches, on SQLite and PostgreSQL.

Spawned processes (each its own engine, as separate servers would be) append at the same
time: some in batches, some one statement at a time. Afterwards there is one contiguous
chain that verifies, no hash twice, every acknowledged entry stored with the hash its writer
was told, and each batch's entries contiguous (a batch commits under one lock hold). Then
the same pre-signed statements are raced as batches and as single appends: each becomes
exactly one entry, and every writer is told the same seq and hash for it.

The worker functions live in this module so spawned children can import them by name.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.chain import AppendResult, append, append_batch
from ledger.registry import Registry
from ledger.statements import SignedStatement
from ledger.storage.sql import SqlLedgerStore
from tests.factories import make_key, make_key_added
from tests.integration.test_concurrency import (
    PROCESSES,
    Ack,
    assert_one_chain,
    grant_writers,
    run_in_processes,
    writer_key,
)

pytestmark = pytest.mark.slow

BATCHES = 6
PER_BATCH = 25
SINGLES = 80


def batches_or_singles(store: SqlLedgerStore, registry: Registry, index: int) -> list[list[Ack]]:
    """Even writers append ``BATCHES`` batches of fresh keys, odd ones ``SINGLES`` single
    appends; every ack, grouped by the call that returned it."""
    signer = writer_key(index)
    calls: list[list[Ack]] = []
    if index % 2 == 0:
        for b in range(BATCHES):
            batch = [
                make_key_added(signer, Ed25519PrivateKey.generate(), name=f"w{index}-{b}-{j}")
                for j in range(PER_BATCH)
            ]
            outcomes = append_batch(store, registry, batch)
            assert all(isinstance(o, AppendResult) and o.created for o in outcomes), outcomes
            calls.append([_ack(o) for o in outcomes])
        return calls
    for j in range(SINGLES):
        statement = make_key_added(signer, Ed25519PrivateKey.generate(), name=f"w{index}-{j}")
        result = append(store, registry, statement)
        assert result.created
        calls.append([(result.entry.seq, result.entry.entry_hash.hex())])
    return calls


def _ack(outcome: Any) -> Ack:
    return (outcome.entry.seq, outcome.entry.entry_hash.hex())


def same_statements(
    store: SqlLedgerStore, registry: Registry, index: int, statements: list[dict[str, Any]]
) -> list[tuple[int, str]]:
    """The same pre-signed statements, as batches of 20 (even writers) or one by one (odd);
    what each became."""
    signed = [SignedStatement.from_dict(data) for data in statements]
    if index % 2 == 0:
        told: list[tuple[int, str]] = []
        for start in range(0, len(signed), 20):
            told.extend(_ack(o) for o in append_batch(store, registry, signed[start : start + 20]))
        return told
    return [_ack(append(store, registry, s)) for s in signed]


def test_batches_and_single_appends_form_one_chain(
    sql_store: SqlLedgerStore, registry: Registry, db_url: str
) -> None:
    base = grant_writers(sql_store, registry, PROCESSES)
    collected = run_in_processes(db_url, batches_or_singles)
    acks = [ack for index in sorted(collected) for call in collected[index] for ack in call]
    batch_writers = [i for i in collected if i % 2 == 0]
    expected = len(batch_writers) * BATCHES * PER_BATCH + (PROCESSES - len(batch_writers)) * SINGLES
    assert len(acks) == expected
    for index in batch_writers:
        for call in collected[index]:
            seqs = [seq for seq, _ in call]
            assert seqs == list(range(seqs[0], seqs[0] + PER_BATCH)), "a batch was split"
    # They really ran at the same time: single appends landed between batches.
    single_seqs = {seq for i in collected if i % 2 for call in collected[i] for seq, _ in call}
    batch_spans = [(c[0][0], c[-1][0]) for i in batch_writers for c in collected[i]]
    first, last = min(lo for lo, _ in batch_spans), max(hi for _, hi in batch_spans)
    assert any(first < seq < last for seq in single_seqs), "no interleaving"
    assert_one_chain(sql_store, registry, base + expected, acks)


def test_the_same_statements_raced_as_batches_and_singles(
    sql_store: SqlLedgerStore, registry: Registry, db_url: str
) -> None:
    base = grant_writers(sql_store, registry, PROCESSES)
    root = make_key("root")
    statements = [
        make_key_added(root, make_key(f"raced-{i}"), name=f"raced-{i}").to_dict()
        for i in range(100)
    ]
    collected = run_in_processes(db_url, same_statements, statements)
    told = [collected[index] for index in sorted(collected)]
    assert all(answer == told[0] for answer in told), "writers were told different entries"
    acks = told[0]
    assert sorted(seq for seq, _ in acks) == list(range(base, base + len(statements)))
    assert_one_chain(sql_store, registry, base + len(statements), acks)
