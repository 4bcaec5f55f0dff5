"""SqlLedgerStore on a real SQLite file and a real PostgreSQL schema (DESIGN §2).

Every test runs once per engine through the ``db_url`` / ``sql_store`` fixtures. Nothing is
mocked: the append-only guarantees are checked against the triggers the migration created.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from ledger.chain import append, verify_stored_leaves
from ledger.errors import (
    AuthorizationError,
    DomainRuleError,
    EntryNotFoundError,
    NonceReplayError,
)
from ledger.hashing import GENESIS_PREV
from ledger.keys import encode_public_key, key_id
from ledger.merkle import STORED_FROM_LEVEL, InMemoryNodes, root_at, root_from_leaf_hashes
from ledger.registry import AppendContext, EntryType, Registry
from ledger.statements import sign_statement
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine, upgrade_database
from ledger.storage.sql.migrate import current_revision, downgrade_database, head_revision
from ledger.storage.sql.store import SqlCursor, TreeSnapshot
from tests.factories import TS, bootstrap, make_key, make_key_added
from tests.helpers_storage import (
    build_ledger,
    merkle_node_count,
    open_store,
    raw_count,
    raw_entry_row,
)

N_GRANTS = 6


def test_append_then_same_statement_again_is_idempotent(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    keys = bootstrap(sql_store, registry)
    statements = [
        make_key_added(keys.root, make_key(f"k{i}"), name=f"k{i}") for i in range(N_GRANTS)
    ]
    first = [append(sql_store, registry, s) for s in statements]
    assert [r.created for r in first] == [True] * N_GRANTS
    assert [r.entry.seq for r in first] == list(range(1, N_GRANTS + 1))
    head = sql_store.head()
    assert head.size == N_GRANTS + 1
    assert head.last_hash == first[-1].entry.entry_hash

    # A rural client retries every statement (including genesis): nothing new is written.
    again = [append(sql_store, registry, s) for s in statements]
    assert [r.created for r in again] == [False] * N_GRANTS
    for a, b in zip(first, again, strict=True):
        assert (b.entry.seq, b.entry.entry_hash, b.entry.leaf_bytes) == (
            a.entry.seq,
            a.entry.entry_hash,
            a.entry.leaf_bytes,
        )
    genesis_again = append(sql_store, registry, sql_store.get(0).signed)
    assert not genesis_again.created
    assert genesis_again.entry.seq == 0
    assert sql_store.head() == head
    assert raw_count(sql_store.engine, "entries") == N_GRANTS + 1


def test_same_nonce_different_body_is_rejected_and_head_unchanged(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    keys = bootstrap(sql_store, registry)
    original = make_key_added(keys.root, make_key("a"), name="a")
    entry = append(sql_store, registry, original).entry
    head = sql_store.head()
    rows = sql_store.projection_rows()

    forged_body = {**original.statement.body, "name": "b"}
    replay = sign_statement(
        keys.root, "key.added", forged_body, ts=TS, nonce=original.statement.nonce
    )
    with pytest.raises(NonceReplayError, match=f"already used by entry {entry.seq}"):
        append(sql_store, registry, replay)
    assert sql_store.head() == head
    assert sql_store.projection_rows() == rows
    assert sql_store.find_by_nonce(key_id(keys.root), original.statement.nonce) == entry

    # A nonce is scoped to its actor: another key may use the same one.
    other = make_key("other-root")
    append(sql_store, registry, make_key_added(keys.root, other, role="root"))
    other_body = {"name": "c", "public_key": encode_public_key(make_key("c")), "role": "certifier"}
    same_nonce = sign_statement(
        other, "key.added", other_body, ts=TS, nonce=original.statement.nonce
    )
    assert append(sql_store, registry, same_nonce).entry.seq == sql_store.head().size - 1


def test_readers_agree_on_every_entry(sql_store: SqlLedgerStore, registry: Registry) -> None:
    keys, entries, _granted = build_ledger(sql_store, registry, N_GRANTS + 1)
    head = sql_store.head()
    assert head.size == len(entries)
    assert head.last_hash == entries[-1].entry_hash
    prev = GENESIS_PREV
    for seq, entry in enumerate(entries):
        assert entry.seq == seq
        assert entry.prev == prev
        by_seq = sql_store.get(seq)
        by_hash = sql_store.get_by_hash(entry.entry_hash)
        by_nonce = sql_store.find_by_nonce(entry.statement.actor, entry.statement.nonce)
        assert by_seq == by_hash == by_nonce == entry
        assert entry.statement.actor == key_id(keys.root)
        prev = entry.entry_hash
    assert sql_store.entries(2, 3) == entries[2:5]
    assert sql_store.entries(len(entries), 10) == []
    assert [(s.seq, s.leaf_bytes, s.entry_hash) for s in sql_store.stored_leaves(batch=3)] == [
        (e.seq, e.leaf_bytes, e.entry_hash) for e in entries
    ]
    assert sql_store.public_key(key_id(keys.root)) is not None
    assert sql_store.public_key("0" * 32) is None


def test_missing_seq_hash_and_nonce(sql_store: SqlLedgerStore, registry: Registry) -> None:
    keys = bootstrap(sql_store, registry)
    with pytest.raises(EntryNotFoundError):
        sql_store.get(1)
    with pytest.raises(EntryNotFoundError):
        sql_store.get(-1)
    with pytest.raises(EntryNotFoundError):
        sql_store.get_by_hash(b"\x07" * 32)
    assert sql_store.find_by_nonce(key_id(keys.root), "no-such-nonce") is None


def test_empty_store_head_is_genesis_prev(sql_store: SqlLedgerStore) -> None:
    head = sql_store.head()
    assert (head.size, head.last_hash) == (0, GENESIS_PREV)
    assert list(sql_store.stored_leaves()) == []


def _transaction_started(cursor: SqlCursor) -> object:
    row = cursor.one("SELECT transaction_timestamp(), pg_sleep(0.01)")
    assert row is not None
    return row[0]


@pytest.mark.postgres
def test_postgres_reads_run_outside_a_transaction(pg_schema_url: str, registry: Registry) -> None:
    """Each read statement is its own transaction (no BEGIN/COMMIT round trips), and the
    pooled connection it used goes back to transactional use for the next borrower."""
    engine = create_ledger_engine(pg_schema_url, pool_size=1, max_overflow=0)
    store = SqlLedgerStore(engine)
    try:
        upgrade_database(engine)
        bootstrap(store, registry)
        with store.reading() as cursor:
            assert _transaction_started(cursor) != _transaction_started(cursor)
        # The same (only) pooled connection, borrowed through the plain engine: one
        # transaction again, and a rollback there undoes its write.
        with engine.connect() as conn:
            cursor = SqlCursor(conn)
            assert _transaction_started(cursor) == _transaction_started(cursor)
            cursor.run("DELETE FROM state_links")
            cursor.run(
                "INSERT INTO state_links (kind, src, dst, seq) VALUES ('probe', 'a', 'b', 0)"
            )
            conn.rollback()
        assert raw_count(engine, "state_links") == 0
        assert store.head().size == 1
    finally:
        store.close()
        engine.dispose()


def test_sqlite_reads_share_one_snapshot(tmp_path: Path, registry: Registry) -> None:
    """On SQLite the reads of one ``reading`` see one snapshot: an append committed by
    another connection meanwhile is not seen until the next ``reading``."""
    with open_store(f"sqlite:///{tmp_path}/ledger.db") as store:
        keys = bootstrap(store, registry)
        with store.reading() as cursor:
            before = TreeSnapshot(cursor).head().size
            append(store, registry, make_key_added(keys.root, make_key("late")))
            assert TreeSnapshot(cursor).head().size == before
            assert cursor.one("SELECT count(*) FROM entries") == (before,)
        assert store.head().size == before + 1


# --------------------------------------------------------------------------- migrations


def test_upgrade_database_twice_is_idempotent(db_url: str, registry: Registry) -> None:
    engine = create_ledger_engine(db_url)
    try:
        assert current_revision(engine) is None
        upgrade_database(engine)
        assert current_revision(engine) == head_revision()
        assert head_revision() is not None
        store = SqlLedgerStore(engine)
        bootstrap(store, registry)
        upgrade_database(engine)
        assert current_revision(engine) == head_revision()
        assert store.head().size == 1
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- append-only


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("UPDATE entries SET nonce = 'tampered-nonce' WHERE seq = 0", id="upd-entry"),
        pytest.param("UPDATE entries SET leaf = leaf WHERE seq = 0", id="noop-upd-entry"),
        pytest.param("DELETE FROM entries WHERE seq = 0", id="del-entry"),
        pytest.param("DELETE FROM entries", id="del-all-entries"),
        pytest.param(
            "UPDATE merkle_nodes SET hash = hash WHERE level = 4 AND idx = 0", id="upd-node"
        ),
        pytest.param("DELETE FROM merkle_nodes", id="del-nodes"),
    ],
)
def test_database_refuses_update_and_delete(
    sql_store: SqlLedgerStore, registry: Registry, statement: str
) -> None:
    build_ledger(sql_store, registry, 16)  # 16 leaves: one stored merkle node
    engine = sql_store.engine
    before_entry = raw_entry_row(engine, 0)
    with engine.connect() as conn:
        before_nodes = conn.execute(text("SELECT level, idx, hash FROM merkle_nodes")).all()
    assert len(before_nodes) == 1

    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))

    assert raw_entry_row(engine, 0) == before_entry
    with engine.connect() as conn:
        assert conn.execute(text("SELECT level, idx, hash FROM merkle_nodes")).all() == before_nodes
    verify_stored_leaves(sql_store.stored_leaves(), registry)


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["entries", "merkle_nodes", "checkpoints"])
def test_postgres_refuses_truncate(pg_schema_url: str, registry: Registry, table: str) -> None:
    with open_store(pg_schema_url) as store:
        build_ledger(store, registry, 16)
        counts = {t: raw_count(store.engine, t) for t in ("entries", "merkle_nodes")}
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {table}"))
        assert {t: raw_count(store.engine, t) for t in counts} == counts
        assert counts == {"entries": 16, "merkle_nodes": 1}


# --------------------------------------------------------------------------- failed appends


def test_failed_appends_change_nothing(sql_store: SqlLedgerStore, registry: Registry) -> None:
    keys = bootstrap(sql_store, registry)
    certifier = make_key("certifier")
    append(sql_store, registry, make_key_added(keys.root, certifier, role="certifier"))
    engine = sql_store.engine

    def snapshot() -> tuple[object, ...]:
        return (
            sql_store.head(),
            [(e.seq, e.entry_hash) for e in sql_store.entries(0, 100)],
            sql_store.projection_rows(),
            raw_count(engine, "merkle_nodes"),
        )

    before = snapshot()
    # DomainRuleError: the certifier's key is already registered.
    with pytest.raises(DomainRuleError, match="already registered"):
        append(sql_store, registry, make_key_added(keys.root, certifier, role="registrar"))
    assert snapshot() == before
    # AuthorizationError: a certifier may not grant keys.
    with pytest.raises(AuthorizationError, match="certifier"):
        append(sql_store, registry, make_key_added(certifier, make_key("x"), role="certifier"))
    assert snapshot() == before
    # More refusals: revoking an unknown key, revoking the last active root.
    revoke_unknown = sign_statement(
        keys.root, "key.revoked", {"key_id": "f" * 32, "reason": "gone"}, ts=TS
    )
    with pytest.raises(DomainRuleError, match="unknown key"):
        append(sql_store, registry, revoke_unknown)
    revoke_last_root = sign_statement(
        keys.root, "key.revoked", {"key_id": key_id(keys.root), "reason": "gone"}, ts=TS
    )
    with pytest.raises(DomainRuleError, match="last active root"):
        append(sql_store, registry, revoke_last_root)
    assert snapshot() == before
    # And the ledger still continues normally.
    result = append(sql_store, registry, make_key_added(keys.root, make_key("y")))
    assert result.entry.seq == 2


def _half_written(ctx: AppendContext, _body: BaseModel) -> None:
    # Overwrites an existing projection row and creates a new one, then refuses.
    root_doc = ctx.state.get("key", ctx.statement.actor)
    assert root_doc is not None
    ctx.state.put("key", ctx.statement.actor, {**root_doc, "name": "overwritten"}, ctx.seq)
    ctx.state.put("test", "partial", {"written": True}, ctx.seq)
    raise DomainRuleError("refused after writing two projection rows")


class _AnyBody(BaseModel):
    model_config = ConfigDict(extra="allow")


def test_projection_writes_of_a_refused_entry_roll_back(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    registry.register(
        EntryType(
            name="test.half_written",
            body_model=_AnyBody,
            roles=frozenset({"root"}),
            apply=_half_written,
        )
    )
    # 15 entries: the refused one would be leaf 15, which completes a stored merkle node.
    keys, _entries, _granted = build_ledger(sql_store, registry, 15)
    head, rows = sql_store.head(), sql_store.projection_rows()
    with pytest.raises(DomainRuleError, match="after writing"):
        append(sql_store, registry, sign_statement(keys.root, "test.half_written", {}, ts=TS))
    assert sql_store.head() == head
    assert sql_store.projection_rows() == rows
    assert raw_count(sql_store.engine, "merkle_nodes") == 0


# --------------------------------------------------------------------------- Merkle nodes


def test_merkle_nodes_written_with_each_append_survive_restart(
    db_url: str, registry: Registry
) -> None:
    size = 45  # not a power of two: the root folds a ragged right edge; stored levels 4, 5
    with open_store(db_url) as store:
        _keys, entries, _granted = build_ledger(store, registry, size)
        hashes = [e.entry_hash for e in entries]
        for n in range(1, size + 1):
            assert root_at(store, n) == root_from_leaf_hashes(hashes[:n])
    # A new engine is a process restart: only what was committed is there.
    with open_store(db_url) as reopened:
        assert raw_count(reopened.engine, "merkle_nodes") == merkle_node_count(size)
        stored = [s.entry_hash for s in reopened.stored_leaves()]
        assert stored == hashes
        for n in range(1, size + 1):
            assert root_at(reopened, n) == root_from_leaf_hashes(hashes[:n])
        for level, index in [(0, size), (3, 6), (4, 2), (5, 1)]:  # not complete at 45
            with pytest.raises(EntryNotFoundError):
                reopened.get_node(level, index)
        verification = verify_stored_leaves(reopened.stored_leaves(), registry)
        assert verification.size == size
        assert verification.leaf_hashes == hashes


def _complete_nodes(tree: InMemoryNodes) -> dict[tuple[int, int], bytes]:
    """Every complete node of ``tree``, from the full in-memory reference tree."""
    return {
        (level, index): tree.get_node(level, index)
        for level in range(tree.size.bit_length())
        for index in range(tree.size >> level)
    }


def _stored_node_rows(engine: Engine) -> dict[tuple[int, int], bytes]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT level, idx, hash FROM merkle_nodes")).all()
    return {(int(lv), int(ix)): bytes(h) for lv, ix, h in rows}


def test_only_upper_merkle_levels_are_stored_and_every_node_reads_back(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    size = 50
    _keys, entries, _granted = build_ledger(sql_store, registry, size)
    reference = _complete_nodes(InMemoryNodes(e.entry_hash for e in entries))
    stored = _stored_node_rows(sql_store.engine)
    # The rows are exactly the reference tree's nodes from STORED_FROM_LEVEL up: (4, 0..2)
    # and (5, 0) at 50 leaves.
    assert stored == {k: v for k, v in reference.items() if k[0] >= STORED_FROM_LEVEL}
    assert sorted(stored) == [(4, 0), (4, 1), (4, 2), (5, 0)]
    # Every complete node, stored or folded from the entries' hashes, in one call.
    assert sql_store.get_nodes(reference) == reference
    with sql_store.snapshot() as snapshot:
        assert snapshot.get_nodes(list(reference)) == reference
    # Nodes that are not complete are left out, not invented.
    assert sql_store.get_nodes([(1, 25), (3, 6), (4, 3), (6, 0)]) == {}
    for n in (1, 15, 16, 17, 31, 32, 33, 48, 50):
        assert root_at(sql_store, n) == root_from_leaf_hashes([e.entry_hash for e in entries[:n]])


def test_migration_0004_drops_lower_nodes_and_its_downgrade_restores_them(
    db_url: str, registry: Registry
) -> None:
    size = 37
    with open_store(db_url) as store:
        _keys, entries, _granted = build_ledger(store, registry, size)
        engine = store.engine
        reference = _complete_nodes(InMemoryNodes(e.entry_hash for e in entries))
        sparse = _stored_node_rows(engine)

        # Back to 0003: every complete node of every level, as revisions up to 0003 wrote.
        downgrade_database(engine, "0003")
        assert current_revision(engine) == "0003"
        assert _stored_node_rows(engine) == reference
        assert len(reference) == 2 * size - size.bit_count()

        # And up again: the lower levels are deleted, the rest untouched.
        upgrade_database(engine)
        assert current_revision(engine) == head_revision()
        assert _stored_node_rows(engine) == sparse
        assert root_at(store, size) == root_from_leaf_hashes([e.entry_hash for e in entries])
        # The append-only trigger set aside for the deletion is back.
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM merkle_nodes"))
        assert _stored_node_rows(engine) == sparse
        # Appends continue on the migrated database: leaf 47 completes (4, 2).
        build_more = [make_key_added(_keys.root, make_key(f"m{i}")) for i in range(11)]
        for statement in build_more:
            append(store, registry, statement)
        assert store.head().size == 48
        assert (4, 2) in _stored_node_rows(engine)
