"""Crash-test batch writer: append batches until killed, acknowledging each batch's entries
after ``append_batch`` returned.

Run as ``python -m tests.integration._crash_batch_writer <database url> <batch size>``
against a ledger that ``tests.factories.bootstrap`` created (its root key signs here).
Prints ``READY`` once, then ``ACK <seq> <entry_hash hex>`` for every entry of a batch,
flushed only after ``append_batch`` returned, i.e. after the batch's one commit. The parent
SIGKILLs this process at a random moment.
"""

from __future__ import annotations

import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.catalog import core_registry
from ledger.chain import AppendResult, append_batch
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine
from tests.factories import make_key, make_key_added


def main(url: str, size: int) -> None:
    """Append batches of ``size`` key.added entries for fresh keys forever."""
    store = SqlLedgerStore(create_ledger_engine(url))
    registry = core_registry()
    root = make_key("root")
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    while True:
        batch = [
            make_key_added(root, Ed25519PrivateKey.generate(), name="crash") for _ in range(size)
        ]
        outcomes = append_batch(store, registry, batch)
        lines = []
        for outcome in outcomes:
            assert isinstance(outcome, AppendResult) and outcome.created, outcome  # noqa: S101
            lines.append(f"ACK {outcome.entry.seq} {outcome.entry.entry_hash.hex()}\n")
        sys.stdout.write("".join(lines))
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
