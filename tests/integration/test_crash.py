"""A writer killed with SIGKILL loses no acknowledged entry and leaves no partial one.

The writer (``tests/integration/_crash_writer.py``) prints an ack only after ``append``
returned. The parent kills it at a random moment after ~100 acks — inside a transaction,
during a commit or between commit and print — then restarts (a new engine) and checks the
database. Several kill rounds run against the same ledger, so later rounds also start from a
database that already survived a crash.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.chain import append, verify_stored_leaves
from ledger.merkle import root_at, root_from_leaf_hashes
from ledger.registry import Registry
from ledger.storage.sql import SqlLedgerStore
from tests.factories import bootstrap, make_key, make_key_added
from tests.helpers_storage import merkle_node_count, open_store, projection_of, raw_count

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 3
ACKS_BEFORE_KILL = (80, 120)

Ack = tuple[int, str]


def _parse_ack(line: str) -> Ack:
    tag, seq, entry_hash = line.split()
    assert tag == "ACK", line
    return int(seq), entry_hash


def run_and_kill(url: str, rng: random.Random) -> list[Ack]:
    """Start a writer, SIGKILL it after a random number of acks; return every ack it printed."""
    writer = subprocess.Popen(  # our own interpreter and module
        [sys.executable, "-m", "tests.integration._crash_writer", url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None and writer.stderr is not None
    acks: list[Ack] = []
    kill_after = rng.randint(*ACKS_BEFORE_KILL)
    try:
        assert writer.stdout.readline() == "READY\n", writer.stderr.read()
        while len(acks) < kill_after:
            line = writer.stdout.readline()
            if not line:
                pytest.fail(f"writer exited early ({writer.wait()}): {writer.stderr.read()}")
            acks.append(_parse_ack(line))
        # Land anywhere in the append cycle, not just right after a print.
        time.sleep(rng.uniform(0, 0.01))
        writer.send_signal(signal.SIGKILL)
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.wait(timeout=30)
    # Acks printed between the last read and the kill were acknowledged too.
    rest = writer.stdout.read()
    acks.extend(_parse_ack(line) for line in rest.splitlines(keepends=True) if line.endswith("\n"))
    writer.stdout.close()
    writer.stderr.close()
    assert writer.returncode == -signal.SIGKILL
    return acks


def check_after_crash(store: SqlLedgerStore, registry: Registry, acks: list[Ack]) -> int:
    """Every ack stored, one verified chain, no partial entry; return the ledger size."""
    stored = list(store.stored_leaves())
    size = len(stored)
    # verify_stored_leaves parses every row and re-checks hash, link, signature and rules.
    verification = verify_stored_leaves(stored, registry)
    assert verification.size == size == store.head().size
    by_seq = {s.seq: s.entry_hash.hex() for s in stored}
    lost = [(seq, h) for seq, h in acks if by_seq.get(seq) != h]
    assert not lost, f"acknowledged entries missing or different after SIGKILL: {lost[:5]}"
    # At most one append was in flight: committed but killed before its ack was printed.
    assert size - (max(seq for seq, _ in acks) + 1) in (0, 1)
    # Merkle nodes and projections committed with their entries, never without them.
    assert raw_count(store.engine, "merkle_nodes") == merkle_node_count(size)
    assert root_at(store, size) == root_from_leaf_hashes(verification.leaf_hashes)
    assert projection_of(verification.state) == sorted(store.projection_rows())
    return size


def test_sigkill_loses_no_acknowledged_entry(db_url: str, registry: Registry) -> None:
    rng = random.Random()
    with open_store(db_url) as store:
        bootstrap(store, registry)
    all_acks: list[Ack] = []
    for _round in range(ROUNDS):
        acks = run_and_kill(db_url, rng)
        assert len(acks) >= ACKS_BEFORE_KILL[0]
        all_acks.extend(acks)
        with open_store(db_url) as restarted:  # a new engine: the "restart"
            size = check_after_crash(restarted, registry, all_acks)
            head = restarted.head()
            # The chain continues right where the crash left it.
            follow = append(
                restarted,
                registry,
                make_key_added(make_key("root"), Ed25519PrivateKey.generate(), name="after"),
            )
            assert follow.created
            assert follow.entry.seq == size
            assert follow.entry.prev == head.last_hash
            all_acks.append((follow.entry.seq, follow.entry.entry_hash.hex()))
            assert check_after_crash(restarted, registry, all_acks) == size + 1
