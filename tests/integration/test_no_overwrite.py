"""Append-only tables refuse every way of overwriting a row, not only UPDATE and DELETE.

SQLite's ``INSERT OR REPLACE`` and ``REPLACE INTO`` resolve a key conflict by deleting the
old row, and SQLite fires no DELETE trigger for that (unless ``recursive_triggers`` is on in
the writer's own connection, which an attacker does not turn on). Migration 0007 adds BEFORE
INSERT triggers that refuse a row whose key exists. An upsert (``ON CONFLICT … DO UPDATE``),
the one overwrite PostgreSQL offers, fires the UPDATE trigger on both engines.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from ledger.chain import verify_stored_leaves
from ledger.registry import Registry
from ledger.storage.sql import SqlLedgerStore
from tests.helpers_storage import build_ledger, is_sqlite_engine, open_store

_ENTRY = "seq, entry_hash, leaf, type, actor, 'overwritten-nonce', ts FROM entries WHERE seq = 0"
_NODE = "level, idx, {zeros} FROM merkle_nodes WHERE level = 4 AND idx = 0"

# {zeros} is 32 zero bytes in the engine's own syntax.
_SQLITE_REPLACES = {
    "entries-insert-or-replace": f"INSERT OR REPLACE INTO entries SELECT {_ENTRY}",
    "entries-replace-into": f"REPLACE INTO entries SELECT {_ENTRY}",
    "nodes-insert-or-replace": f"INSERT OR REPLACE INTO merkle_nodes SELECT {_NODE}",
    "nodes-replace-into": f"REPLACE INTO merkle_nodes SELECT {_NODE}",
    "checkpoints-replace-into": (
        "REPLACE INTO checkpoints SELECT tree_size, root_hash, 'forged', issued_at FROM checkpoints"
    ),
}
_UPSERTS = {
    "entries-upsert": (
        f"INSERT INTO entries SELECT {_ENTRY} ON CONFLICT (seq) DO UPDATE SET nonce = "
        "excluded.nonce"
    ),
    "nodes-upsert": (
        f"INSERT INTO merkle_nodes SELECT {_NODE} ON CONFLICT (level, idx) DO UPDATE SET "
        "hash = excluded.hash"
    ),
}


def _rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            table: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))]
            for table in ("entries", "merkle_nodes", "checkpoints")
        }


def _refused(store: SqlLedgerStore, registry: Registry, statement: str) -> None:
    """Build a ledger with a stored Merkle node and a checkpoint, run ``statement``, and
    check that it was refused and changed nothing."""
    engine = store.engine
    build_ledger(store, registry, 16)  # 16 leaves: one stored merkle node (4, 0)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO checkpoints VALUES (16, :root, 'note', '2026-01-01T00:00:00Z')"),
            {"root": bytes(32)},
        )
    before = _rows(engine)
    assert len(before["merkle_nodes"]) == 1

    zeros = "zeroblob(32)" if is_sqlite_engine(engine) else "'\\x" + "00" * 32 + "'::bytea"
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement.format(zeros=zeros)))

    assert _rows(engine) == before
    verify_stored_leaves(store.stored_leaves(), registry)


@pytest.mark.parametrize("name", sorted(_SQLITE_REPLACES))
def test_sqlite_replace_overwrites_no_append_only_row(
    tmp_path: Path, registry: Registry, name: str
) -> None:
    with open_store(f"sqlite:///{tmp_path}/ledger.db") as store:
        _refused(store, registry, _SQLITE_REPLACES[name])


@pytest.mark.parametrize("name", sorted(_UPSERTS))
def test_an_upsert_overwrites_no_append_only_row(
    sql_store: SqlLedgerStore, registry: Registry, name: str
) -> None:
    _refused(sql_store, registry, _UPSERTS[name])


def test_a_plain_insert_of_a_new_row_is_still_accepted(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    """The new triggers refuse existing keys only: appends go on (and a fresh checkpoint row
    can be written) on both engines."""
    build_ledger(sql_store, registry, 17)
    with sql_store.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO checkpoints VALUES (17, :root, 'note', '2026-01-01T00:00:00Z')"),
            {"root": bytes(32)},
        )
    assert sql_store.head().size == 17
