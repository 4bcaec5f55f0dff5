"""Crash-test writer: append until killed, acknowledging each append after it returned.

Run as ``python -m tests.integration._crash_writer <database url>`` against a ledger that
``tests.factories.bootstrap`` created (its root key signs here). Prints ``READY`` once, then
``ACK <seq> <entry_hash hex>`` per append, flushed only after ``append`` returned, i.e. after
the commit. The parent SIGKILLs this process at a random moment.
"""

from __future__ import annotations

import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.catalog import core_registry
from ledger.chain import append
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine
from tests.factories import make_key, make_key_added


def main(url: str) -> None:
    """Append key.added entries for fresh keys forever."""
    store = SqlLedgerStore(create_ledger_engine(url))
    registry = core_registry()
    root = make_key("root")
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    while True:
        fresh = Ed25519PrivateKey.generate()
        result = append(store, registry, make_key_added(root, fresh, name="crash"))
        sys.stdout.write(f"ACK {result.entry.seq} {result.entry.entry_hash.hex()}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
