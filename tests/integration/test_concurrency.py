"""Concurrent writers serialize on the chain head (DESIGN §2).

Processes (``spawn``: each a fresh interpreter with its own engine), threads on one store,
and racing idempotent retries. Afterwards there is one contiguous chain that verifies, no
hash twice, and every append a writer saw return is stored with the hash it was told.

The worker functions live in this module so spawned children can import them by name.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.catalog import core_registry
from ledger.chain import append, verify_stored_leaves
from ledger.errors import NonceReplayError
from ledger.keys import encode_public_key
from ledger.merkle import root_at, root_from_leaf_hashes
from ledger.registry import Registry
from ledger.statements import SignedStatement, sign_statement
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine
from tests.factories import TS, bootstrap, make_key, make_key_added
from tests.helpers_storage import merkle_node_count, raw_count

pytestmark = pytest.mark.slow

PROCESSES = 4
APPENDS_PER_PROCESS = 200
THREADS = 8
APPENDS_PER_THREAD = 50
RETRIED_STATEMENTS = 50
CHILD_TIMEOUT = 240.0

Ack = tuple[int, str]


def writer_key(index: int) -> Ed25519PrivateKey:
    """The root-role key of writer ``index``: the parent and the child derive the same one."""
    return make_key(f"concurrent-writer-{index}")


def grant_writers(store: SqlLedgerStore, registry: Registry, count: int) -> int:
    """Bootstrap genesis and grant each writer a root-role key; return the ledger size."""
    keys = bootstrap(store, registry)
    for index in range(count):
        grant = make_key_added(keys.root, writer_key(index), role="root", name=f"writer{index}")
        assert append(store, registry, grant).created
    return 1 + count


# --------------------------------------------------------------------------- child processes


def _child(target: Any, url: str, index: int, start: Any, results: Any, *args: Any) -> None:
    """Run ``target(store, registry, index, *args)`` in a child; report result or traceback."""
    engine = create_ledger_engine(url)
    try:
        store, registry = SqlLedgerStore(engine), core_registry()
        start.wait(timeout=CHILD_TIMEOUT)
        results.put((index, "ok", target(store, registry, index, *args)))
    except BaseException:  # every failure, even SystemExit, goes back to the parent
        results.put((index, "error", traceback.format_exc()))
    finally:
        engine.dispose()


def append_fresh_keys(
    store: SqlLedgerStore, registry: Registry, index: int, count: int
) -> list[Ack]:
    """Sign and append ``count`` key.added for fresh random keys; return every ack."""
    signer = writer_key(index)
    acks: list[Ack] = []
    for j in range(count):
        fresh = Ed25519PrivateKey.generate()
        result = append(store, registry, make_key_added(signer, fresh, name=f"w{index}-{j}"))
        assert result.created
        acks.append((result.entry.seq, result.entry.entry_hash.hex()))
    return acks


def submit_all(
    store: SqlLedgerStore, registry: Registry, _index: int, statements: list[dict[str, Any]]
) -> list[tuple[int, str, bool]]:
    """Append every pre-signed statement (a retry storm); return (seq, hash, created)."""
    out = []
    for data in statements:
        result = append(store, registry, SignedStatement.from_dict(data))
        out.append((result.entry.seq, result.entry.entry_hash.hex(), result.created))
    return out


def submit_conflicting(
    store: SqlLedgerStore, registry: Registry, index: int, variants: list[list[dict[str, Any]]]
) -> list[tuple[str, int, str]]:
    """Append this child's variant of each contested nonce; report ok or the replay refusal."""
    out: list[tuple[str, int, str]] = []
    for per_nonce in variants:
        try:
            result = append(store, registry, SignedStatement.from_dict(per_nonce[index]))
        except NonceReplayError as exc:
            out.append(("replay", -1, str(exc)))
        else:
            out.append(("ok", result.entry.seq, result.entry.entry_hash.hex()))
    return out


def run_in_processes(url: str, target: Any, *args: Any) -> dict[int, Any]:
    """Start ``PROCESSES`` spawned children together and collect what each returned."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    children = [
        ctx.Process(target=_child, args=(target, url, index, start, results, *args))
        for index in range(PROCESSES)
    ]
    for child in children:
        child.start()
    collected: dict[int, Any] = {}
    errors: list[str] = []
    try:
        for _ in children:
            try:
                index, status, value = results.get(timeout=CHILD_TIMEOUT)
            except queue.Empty:
                pytest.fail(f"children did not finish within {CHILD_TIMEOUT}s")
            if status == "ok":
                collected[index] = value
            else:
                errors.append(f"child {index}:\n{value}")
    finally:
        for child in children:
            child.join(timeout=30)
            if child.is_alive():
                child.kill()
                child.join()
    assert not errors, "\n".join(errors)
    assert all(child.exitcode == 0 for child in children)
    return collected


# --------------------------------------------------------------------------- invariants


def assert_one_chain(store: SqlLedgerStore, registry: Registry, size: int, acks: list[Ack]) -> None:
    """Contiguous seq 0..size-1, one verified chain, unique hashes, every ack stored."""
    head = store.head()
    assert head.size == size
    stored = list(store.stored_leaves())
    assert [s.seq for s in stored] == list(range(size))
    hashes = [s.entry_hash for s in stored]
    assert len(set(hashes)) == size, "two entries share a hash"
    verification = verify_stored_leaves(stored, registry)
    assert verification.size == size
    assert verification.head_hash == head.last_hash
    lost = [(seq, h) for seq, h in acks if seq >= size or hashes[seq].hex() != h]
    assert not lost, f"acknowledged entries missing or different: {lost[:5]}"
    assert len({seq for seq, _ in acks}) == len(acks), "one seq acknowledged twice"
    assert raw_count(store.engine, "merkle_nodes") == merkle_node_count(size)
    assert root_at(store, size) == root_from_leaf_hashes(hashes)


# --------------------------------------------------------------------------- tests


def test_processes_appending_concurrently_form_one_chain(
    sql_store: SqlLedgerStore, registry: Registry, db_url: str
) -> None:
    base = grant_writers(sql_store, registry, PROCESSES)
    collected = run_in_processes(db_url, append_fresh_keys, APPENDS_PER_PROCESS)
    acks = [ack for index in sorted(collected) for ack in collected[index]]
    assert len(acks) == PROCESSES * APPENDS_PER_PROCESS
    for index, child_acks in collected.items():
        seqs = [seq for seq, _ in child_acks]
        assert seqs == sorted(seqs), f"child {index} saw its own appends out of order"
    # The writers really ran at the same time: their acknowledged ranges overlap.
    spans = [(min(s for s, _ in a), max(s for s, _ in a)) for a in collected.values()]
    assert max(lo for lo, _ in spans) < min(hi for _, hi in spans), f"no interleaving: {spans}"
    assert_one_chain(sql_store, registry, base + PROCESSES * APPENDS_PER_PROCESS, acks)


def test_threads_on_one_store_form_one_chain(sql_store: SqlLedgerStore, registry: Registry) -> None:
    base = grant_writers(sql_store, registry, THREADS)
    start = threading.Barrier(THREADS)

    def work(index: int) -> list[Ack]:
        start.wait(timeout=CHILD_TIMEOUT)
        return append_fresh_keys(sql_store, registry, index, APPENDS_PER_THREAD)

    with ThreadPoolExecutor(THREADS) as pool:
        per_thread = list(pool.map(work, range(THREADS)))
    acks = [ack for thread_acks in per_thread for ack in thread_acks]
    assert len(acks) == THREADS * APPENDS_PER_THREAD
    assert_one_chain(sql_store, registry, base + THREADS * APPENDS_PER_THREAD, acks)


def test_racing_idempotent_retries_write_each_statement_once(
    sql_store: SqlLedgerStore, registry: Registry, db_url: str
) -> None:
    keys = bootstrap(sql_store, registry)
    base = sql_store.head().size
    rng = random.Random(20260301)
    statements = [
        make_key_added(keys.root, make_key(f"retried-{rng.getrandbits(64):x}"), name=f"r{i}")
        for i in range(RETRIED_STATEMENTS)
    ]
    payload = [s.to_dict() for s in statements]
    assert [SignedStatement.from_dict(d) for d in payload] == statements

    collected = run_in_processes(db_url, submit_all, payload)

    assert sql_store.head().size == base + RETRIED_STATEMENTS
    per_statement = list(zip(*(collected[index] for index in range(PROCESSES)), strict=True))
    for i, results in enumerate(per_statement):
        placements = {(seq, h) for seq, h, _created in results}
        assert len(placements) == 1, f"statement {i} got different entries: {placements}"
        created = sum(c for _seq, _h, c in results)
        assert created == 1, f"statement {i} was created {created} times"
    seqs = sorted(results[0][0] for results in per_statement)
    assert seqs == list(range(base, base + RETRIED_STATEMENTS))
    acks = [(seq, h) for seq, h, _ in (results[0] for results in per_statement)]
    assert_one_chain(sql_store, registry, base + RETRIED_STATEMENTS, acks)
    for statement, (seq, _h) in zip(statements, acks, strict=True):
        assert sql_store.get(seq).signed == statement


def test_racing_conflicting_statements_on_one_nonce_write_exactly_one(
    sql_store: SqlLedgerStore, registry: Registry, db_url: str
) -> None:
    """Each child signs a *different* body under the same (actor, nonce): one wins per nonce."""
    keys = bootstrap(sql_store, registry)
    base = sql_store.head().size
    contested = 25
    variants = []
    for k in range(contested):
        target = make_key(f"contested-{k}")
        variants.append(
            [
                sign_statement(
                    keys.root,
                    "key.added",
                    {"name": f"v{i}", "public_key": encode_public_key(target), "role": "certifier"},
                    ts=TS,
                    nonce=f"contested-nonce-{k:03d}",
                ).to_dict()
                for i in range(PROCESSES)
            ]
        )

    collected = run_in_processes(db_url, submit_conflicting, variants)

    assert sql_store.head().size == base + contested
    acks: list[Ack] = []
    for k in range(contested):
        outcomes = [collected[i][k] for i in range(PROCESSES)]
        winners = [i for i, (status, _seq, _h) in enumerate(outcomes) if status == "ok"]
        assert len(winners) == 1, f"nonce {k}: {outcomes}"
        _status, seq, entry_hash = outcomes[winners[0]]
        for status, _seq, message in outcomes:
            if status == "replay":
                assert f"already used by entry {seq} " in message
        stored = sql_store.get(seq)
        assert stored.signed.to_dict() == variants[k][winners[0]]
        acks.append((seq, entry_hash))
    assert_one_chain(sql_store, registry, base + contested, acks)
