"""A batch writer killed with SIGKILL loses no acknowledged entry and leaves no part of a
batch: the ledger holds whole batches only.

The writer (``tests/integration/_crash_batch_writer.py``) appends batches of ``BATCH``
statements and prints the acks of a batch only after ``append_batch`` returned. The parent
kills it at a random moment after a few batches — while statements are being admitted,
while the rows are written, during the commit, or between commit and print — then restarts
(a new engine) and checks the database, over several rounds on the same ledger.
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

from ledger.chain import append_batch, verify_stored_leaves
from ledger.merkle import root_at, root_from_leaf_hashes
from ledger.registry import Registry
from ledger.storage.sql import SqlLedgerStore
from tests.factories import bootstrap, make_key, make_key_added
from tests.helpers_storage import merkle_node_count, open_store, projection_of, raw_count
from tests.integration.test_crash import Ack, _parse_ack

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 3
BATCH = 37
"""Statements per batch: not a multiple of 16, so batches end anywhere in a Merkle block."""
BATCHES_BEFORE_KILL = (2, 5)


def run_and_kill(url: str, rng: random.Random) -> list[Ack]:
    """Start a batch writer, SIGKILL it after a random number of batches (at a random moment
    of the next one); return every ack it printed."""
    writer = subprocess.Popen(  # our own interpreter and module
        [sys.executable, "-m", "tests.integration._crash_batch_writer", url, str(BATCH)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None and writer.stderr is not None
    acks: list[Ack] = []
    kill_after = rng.randint(*BATCHES_BEFORE_KILL) * BATCH
    try:
        assert writer.stdout.readline() == "READY\n", writer.stderr.read()
        while len(acks) < kill_after:
            line = writer.stdout.readline()
            if not line:
                pytest.fail(f"writer exited early ({writer.wait()}): {writer.stderr.read()}")
            acks.append(_parse_ack(line))
        # A batch of 37 takes tens of milliseconds: land anywhere inside the next one.
        time.sleep(rng.uniform(0, 0.08))
        writer.send_signal(signal.SIGKILL)
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.wait(timeout=30)
    rest = writer.stdout.read()
    acks.extend(_parse_ack(line) for line in rest.splitlines(keepends=True) if line.endswith("\n"))
    writer.stdout.close()
    writer.stderr.close()
    assert writer.returncode == -signal.SIGKILL
    return acks


def check_after_crash(store: SqlLedgerStore, registry: Registry, acks: list[Ack], base: int) -> int:
    """Every ack stored, one verified chain of whole batches after ``base`` entries, Merkle
    nodes and projections committed with them; return the ledger size."""
    stored = list(store.stored_leaves())
    size = len(stored)
    verification = verify_stored_leaves(stored, registry)
    assert verification.size == size == store.head().size
    by_seq = {s.seq: s.entry_hash.hex() for s in stored}
    lost = [(seq, h) for seq, h in acks if by_seq.get(seq) != h]
    assert not lost, f"acknowledged entries missing or different after SIGKILL: {lost[:5]}"
    # All or nothing: whole batches only, and at most one of them was not acknowledged.
    assert (size - base) % BATCH == 0, f"a partial batch is stored: {size - base} entries"
    assert size - (max(seq for seq, _ in acks) + 1) in (0, BATCH)
    assert raw_count(store.engine, "merkle_nodes") == merkle_node_count(size)
    assert root_at(store, size) == root_from_leaf_hashes(verification.leaf_hashes)
    assert projection_of(verification.state) == sorted(store.projection_rows())
    return size


def test_sigkill_mid_batch_keeps_whole_batches_only(db_url: str, registry: Registry) -> None:
    rng = random.Random()
    with open_store(db_url) as store:
        bootstrap(store, registry)
    base = 1
    all_acks: list[Ack] = []
    for _round in range(ROUNDS):
        acks = run_and_kill(db_url, rng)
        assert len(acks) >= BATCHES_BEFORE_KILL[0] * BATCH
        all_acks.extend(acks)
        with open_store(db_url) as restarted:  # a new engine: the "restart"
            size = check_after_crash(restarted, registry, all_acks, base)
            head = restarted.head()
            # The chain goes on right where the crash left it, with another batch.
            batch = [
                make_key_added(make_key("root"), Ed25519PrivateKey.generate(), name="after")
                for _ in range(BATCH)
            ]
            follow = append_batch(restarted, registry, batch)
            first = follow[0]
            assert not isinstance(first, Exception) and first.entry.seq == size
            assert first.entry.prev == head.last_hash
            all_acks.extend(
                (o.entry.seq, o.entry.entry_hash.hex())
                for o in follow
                if not isinstance(o, Exception)
            )
            assert check_after_crash(restarted, registry, all_acks, base) == size + BATCH
