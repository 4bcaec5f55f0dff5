"""Group commit: concurrent ``LedgerService.submit`` calls share transactions, on SQLite and
PostgreSQL, and each caller still gets exactly what a single append would give it.

Threads submit at once; afterwards there is one contiguous chain that verifies, every
acknowledged entry is stored with the hash its caller was told, a statement submitted twice
at the same moment became one entry (both callers told the same seq), and a statement a rule
refuses raised its own error in its own caller only. One test makes a group certain rather
than likely: it holds the writer while callers queue, so they must commit together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.services.ledger import LedgerService
from ledger.chain import AppendResult
from ledger.errors import AuthorizationError, LedgerError
from ledger.statements import SignedStatement
from tests.factories import Keys, bootstrap, make_key, make_key_added
from tests.integration.test_concurrency import assert_one_chain

THREADS = 8
PER_THREAD = 30


def _new_key(keys: Keys, name: str) -> SignedStatement:
    return make_key_added(keys.root, Ed25519PrivateKey.generate(), name=name)


def _refused(name: str) -> SignedStatement:
    """Signed by a key the ledger does not know as a root: refused by authorization."""
    return make_key_added(make_key("not-a-root"), Ed25519PrivateKey.generate(), name=name)


def _run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each call in its own thread, released at once; each one's result or exception."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except LedgerError as exc:
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_concurrent_submits_keep_one_chain_and_each_callers_outcome(
    service: LedgerService,
) -> None:
    keys = bootstrap(service.store, service.registry)
    twice = _new_key(keys, "submitted twice")

    def one_thread(t: int) -> Callable[[], list[Any]]:
        def run() -> list[Any]:
            out: list[Any] = []
            for j in range(PER_THREAD):
                refuse = j == PER_THREAD // 2
                statement = _refused(f"r{t}") if refuse else _new_key(keys, f"{t}-{j}")
                try:
                    out.append(service.submit(statement))
                except LedgerError as exc:
                    out.append(exc)
            out.append(service.submit(twice))
            return out

        return run

    per_thread = _run_together([one_thread(t) for t in range(THREADS)])
    outcomes = [o for thread in per_thread for o in thread]
    refused = [o for o in outcomes if isinstance(o, LedgerError)]
    assert len(refused) == THREADS
    assert all(isinstance(o, AuthorizationError) for o in refused)
    results = [o for o in outcomes if isinstance(o, AppendResult)]
    twice_results = [r for r in results if r.entry.statement == twice.statement]
    assert len(twice_results) == THREADS
    assert sum(r.created for r in twice_results) == 1
    assert len({r.entry.seq for r in twice_results}) == 1
    created = [r for r in results if r.created]
    assert len(created) == THREADS * (PER_THREAD - 1) + 1
    # The callers of the statement sent twice were all told the same (seq, hash): one ack.
    acks = sorted({(r.entry.seq, r.entry.entry_hash.hex()) for r in results})
    assert_one_chain(service.store, service.registry, 1 + len(created), acks)
    stats = service.group.stats
    assert stats.submits == THREADS * (PER_THREAD + 1)
    # Eight threads appending flat out always overlap: some transactions carried several.
    assert stats.transactions < stats.submits


def test_callers_queued_behind_a_commit_share_one_transaction(service: LedgerService) -> None:
    keys = bootstrap(service.store, service.registry)
    held = threading.Event()
    release = threading.Event()

    def hold_writer() -> None:
        with service.store.appending():
            held.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=hold_writer)
    holder.start()
    held.wait(timeout=30)
    statements = [_new_key(keys, f"queued-{i}") for i in range(5)]
    statements.insert(2, _refused("queued-refused"))
    before = service.group.stats.transactions
    done: list[Any] = []

    def submit_all() -> None:
        done.extend(_run_together([lambda s=s: service.submit(s) for s in statements]))

    submitter = threading.Thread(target=submit_all)
    submitter.start()
    # Every caller is queued (one of them, the leader, waits for the writer we hold).
    while service.group.stats.submits < len(statements):
        threading.Event().wait(0.01)
    release.set()
    holder.join(timeout=30)
    submitter.join(timeout=60)
    assert len(done) == len(statements)
    refused = [o for o in done if isinstance(o, LedgerError)]
    assert len(refused) == 1 and isinstance(refused[0], AuthorizationError)
    created = [o for o in done if isinstance(o, AppendResult) and o.created]
    assert len(created) == len(statements) - 1
    # The leader's group (whoever had queued when it took the lead) waited for the writer;
    # everyone who queued meanwhile went in the next transaction, together.
    assert service.group.stats.transactions - before <= 2
    assert service.group.stats.largest >= len(statements) // 2
    acks = [(r.entry.seq, r.entry.entry_hash.hex()) for r in created]
    assert_one_chain(service.store, service.registry, 1 + len(created), acks)
