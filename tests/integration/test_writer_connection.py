"""The per-process append connection (``ledger.storage.sql.writer``) on SQLite and PostgreSQL.

The connection outlives each append, so what could go wrong is what it carries over: a
transaction left open, a ``fork`` that copies it into a child, a store closed between
appends. Concurrency across processes and threads is covered in ``test_concurrency.py``.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path

import psycopg
import pytest

from ledger.chain import append, verify_stored_leaves
from ledger.errors import DomainRuleError
from ledger.registry import Registry
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine, upgrade_database
from ledger.storage.sql.writer import AppendConnection
from tests.factories import Keys, bootstrap, make_key, make_key_added


def _grant(store: SqlLedgerStore, registry: Registry, keys: Keys, name: str) -> int:
    result = append(store, registry, make_key_added(keys.root, make_key(name), name=name))
    assert result.created
    return result.entry.seq


def _child_appends(store: SqlLedgerStore, registry: Registry, keys: Keys) -> None:
    for n in range(5):
        _grant(store, registry, keys, f"child-{n}")
    opened = store._writer._opened  # noqa: SLF001
    assert opened is not None
    assert opened.pid == os.getpid()  # its own connection, not the parent's copy


def test_a_forked_child_appends_through_its_own_connection(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    keys = bootstrap(sql_store, registry)
    _grant(sql_store, registry, keys, "parent-before")  # the parent's writer is open
    child = multiprocessing.get_context("fork").Process(
        target=_child_appends, args=(sql_store, registry, keys)
    )
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert _grant(sql_store, registry, keys, "parent-after") == 7
    verified = verify_stored_leaves(sql_store.stored_leaves(), registry)
    assert verified.size == 8


def test_a_refused_append_leaves_the_writer_usable(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    keys = bootstrap(sql_store, registry)
    _grant(sql_store, registry, keys, "once")
    again = make_key_added(keys.root, make_key("once"), name="once-again")
    with pytest.raises(DomainRuleError):
        append(sql_store, registry, again)
    assert _grant(sql_store, registry, keys, "next") == 2
    assert sql_store.head().size == 3


def test_a_sqlite_transaction_left_open_is_not_carried_into_the_next_append(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    engine = create_ledger_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    writer = AppendConnection(engine)
    with writer.connection() as connection:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO label_scan_salts VALUES ('2026-01', x'00', 'now')")
        # Leaves without COMMIT or ROLLBACK: the writer must drop this connection.
    other = sqlite3.connect(path, timeout=1)
    try:
        # SQLite's write lock is free again and the uncommitted row is gone.
        other.execute("INSERT INTO label_scan_salts VALUES ('2026-02', x'01', 'now')")
        other.commit()
        assert other.execute("SELECT period FROM label_scan_salts").fetchall() == [("2026-02",)]
    finally:
        other.close()
    with writer.connection() as connection:
        assert not connection.in_transaction
        assert connection.execute("SELECT count(*) FROM label_scan_salts").fetchone() == (1,)
    writer.close()
    engine.dispose()


def test_closing_the_writer_between_appends_reopens_it(
    sql_store: SqlLedgerStore, registry: Registry
) -> None:
    keys = bootstrap(sql_store, registry)
    _grant(sql_store, registry, keys, "first")
    sql_store.close()
    assert _grant(sql_store, registry, keys, "second") == 2


@pytest.mark.postgres
def test_a_postgres_transaction_left_open_is_not_carried_into_the_next_append(
    pg_schema_url: str,
) -> None:
    engine = create_ledger_engine(pg_schema_url)
    upgrade_database(engine)
    writer = AppendConnection(engine)
    try:
        with writer.connection() as connection:
            first_pid = connection.info.backend_pid
            connection.execute("BEGIN")
            connection.execute("INSERT INTO label_scan_salts VALUES ('2026-01', '\\x00', 'now')")
            # Leaves without COMMIT or ROLLBACK: the writer must drop this connection.
        with writer.connection() as connection:
            assert connection.info.backend_pid != first_pid
            assert connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            found = connection.execute("SELECT count(*) FROM label_scan_salts").fetchone()
            assert found == (0,)
    finally:
        writer.close()
        engine.dispose()
