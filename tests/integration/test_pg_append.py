"""PostgreSQL's two-message append (``ledger.storage.sql.pg_append``) against the real server.

The append relies on two prepared statements that psycopg may deallocate behind its back, on
a write that is sent together with its COMMIT, and on read plans that stay primary-key
probes. Each of those is checked here on a real schema; the rest of the append contract is
covered for both engines in ``test_sql_store.py``, ``test_concurrency.py`` and
``test_crash.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from ledger.chain import append, verify_stored_leaves
from ledger.entries import build_entry
from ledger.merkle import InMemoryNodes
from ledger.registry import Registry
from ledger.storage.sql import SqlLedgerStore
from ledger.storage.sql.store import _PG_TREE
from tests.factories import bootstrap, make_key, make_key_added
from tests.helpers_storage import open_store, raw_count

pytestmark = pytest.mark.postgres

_OUR_STATEMENTS = (
    "SELECT name FROM pg_prepared_statements WHERE name LIKE 'biotraza_append_%' ORDER BY name"
)


@pytest.fixture
def pg_store(pg_schema_url: str) -> Iterator[SqlLedgerStore]:
    with open_store(pg_schema_url) as store:
        yield store


@contextmanager
def append_connection(store: SqlLedgerStore) -> Iterator[psycopg.Connection[Any]]:
    """The connection the store appends through (autocommit, between appends)."""
    with store._writer.connection() as connection:  # noqa: SLF001 - white-box test
        assert isinstance(connection, psycopg.Connection)
        yield connection


def generic_plan(connection: psycopg.Connection[Any], execute: str) -> str:
    """The generic plan PostgreSQL would cache for a prepared statement (``EXECUTE …``)."""
    connection.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    rows = connection.execute(f"EXPLAIN {execute}").fetchall()
    return "\n".join(str(row[0]) for row in rows)


def _session_facts(store: SqlLedgerStore) -> tuple[int, list[str]]:
    """The append connection's backend pid and the append statements prepared on it."""
    with append_connection(store) as connection:
        pid = connection.info.backend_pid
        names = [str(row[0]) for row in connection.execute(_OUR_STATEMENTS).fetchall()]
        return pid, names


def test_appends_survive_psycopg_deallocating_every_prepared_statement(
    pg_store: SqlLedgerStore, registry: Registry
) -> None:
    store = pg_store
    keys = bootstrap(store, registry)
    append(store, registry, make_key_added(keys.root, make_key("before"), name="before"))
    pid, names = _session_facts(store)
    assert names == ["biotraza_append_reads", "biotraza_append_write"]

    # What psycopg itself sends after a ROLLBACK or DDL once it has prepared statements.
    with append_connection(store) as connection:
        connection.execute("DEALLOCATE ALL")
    assert _session_facts(store) == (pid, [])

    result = append(store, registry, make_key_added(keys.root, make_key("after"), name="after"))
    assert result.created
    assert result.entry.seq == 2
    assert _session_facts(store) == (pid, names)  # prepared again on the same session
    verified = verify_stored_leaves(store.stored_leaves(), registry)
    assert verified.size == 3


def test_a_write_refused_by_the_database_leaves_nothing_behind(
    pg_store: SqlLedgerStore, registry: Registry
) -> None:
    store = pg_store
    keys = bootstrap(store, registry)
    signed = make_key_added(keys.root, make_key("refused"), name="refused")
    before = (
        store.head(),
        raw_count(store.engine, "state_objects"),
        raw_count(store.engine, "merkle_nodes"),
    )

    # A projection key longer than its column (200 characters) makes the database refuse
    # the one statement that carries the projections, the entry and the nodes; the COMMIT
    # sent in the same message must then not run.
    with pytest.raises(psycopg.errors.StringDataRightTruncation), store.appending() as tx:
        assert tx.find_by_nonce(signed.statement.actor, signed.statement.nonce) is None
        head = tx.head()
        tx.state.put("lot", "x" * 201, {"seq": head.size}, head.size)
        tx.insert(build_entry(head.size, head.last_hash, signed))

    after = (
        store.head(),
        raw_count(store.engine, "state_objects"),
        raw_count(store.engine, "merkle_nodes"),
    )
    assert after == before
    # The connection went back to the pool usable, and the same statement appends now.
    result = append(store, registry, signed)
    assert result.created
    assert result.entry.seq == before[0].size
    assert verify_stored_leaves(store.stored_leaves(), registry).size == before[0].size + 1


def test_reads_stay_primary_key_probes_on_a_fresh_unanalyzed_ledger(
    pg_store: SqlLedgerStore, registry: Registry
) -> None:
    """The first version joined the Merkle siblings on ``level`` only and scanned a whole
    tree level per append on tables the planner had no statistics for yet."""
    store = pg_store
    keys = bootstrap(store, registry)
    for n in range(600):
        append(store, registry, make_key_added(keys.root, make_key(f"k{n}"), name=f"k{n}"))
    with append_connection(store) as connection, connection.transaction():
        plan = generic_plan(
            connection, "EXECUTE biotraza_append_reads('a', 'b', '[[\"key\", \"c\"]]')"
        )
    assert "Seq Scan" not in plan, plan
    assert "Index Cond: ((level = g.l) AND (idx = " in plan, plan
    # The leaves a 16th append folds: one primary-key probe each, never a range scan.
    assert "Index Scan using entries_pkey on entries e " in plan, plan
    assert re.search(r"Index Cond: \(seq = \(h_\d+\.seq - g_\d+\.k\)\)", plan), plan
    assert (
        "Index Cond: (((kind)::text = (d.value ->> 0)) AND ((key)::text = (d.value ->> 1)))" in plan
    ), plan


def test_proof_reads_stay_primary_key_probes_with_a_generic_plan(
    pg_store: SqlLedgerStore, registry: Registry
) -> None:
    """The first sparse-tree version joined the wanted nodes to ``merkle_nodes``; once the
    table was small (10,000 entries: 1,245 nodes), the generic plan hashed a scan of all of
    it on every proof."""
    store = pg_store
    keys = bootstrap(store, registry)
    for n in range(300):
        append(store, registry, make_key_added(keys.root, make_key(f"p{n}"), name=f"p{n}"))
    numbered = iter(range(1, 4))
    text = re.sub(r"\?", lambda _m: f"${next(numbered)}", _PG_TREE)
    with append_connection(store) as connection, connection.transaction():
        connection.execute("ANALYZE merkle_nodes")
        connection.execute("ANALYZE entries")
        connection.execute(f"PREPARE proof_tree AS {text}")
        plan = generic_plan(connection, "EXECUTE proof_tree('{4,5}', '{3,1}', '{1,2,3,290,291}')")
        connection.execute("DEALLOCATE proof_tree")
    # One probe per wanted node and leaf (a subplan each), never a join of the wanted list
    # with a whole table. (A one-page node table may be probed by reading its page.)
    assert "Join" not in plan, plan
    assert plan.count("SubPlan") == 2, plan
    assert "Seq Scan on entries" not in plan, plan
    assert "Index Cond: (seq = s.seq)" in plan, plan
    # And the query answers: present nodes and leaves, nothing for what does not exist.
    with store.snapshot() as snapshot:
        found = snapshot.get_nodes([(4, 3), (5, 1), (4, 99), (0, 1), (3, 36)])
    reference = InMemoryNodes(e.entry_hash for e in store.entries(0, 301))
    assert found == {key: reference.get_node(*key) for key in [(4, 3), (5, 1), (0, 1), (3, 36)]}
