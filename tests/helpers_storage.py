"""Helpers for the storage integration tests: fresh databases, ledgers and raw SQL.

The raw-SQL helpers play the attacker with database access: they change or delete rows of
``entries`` *around* the append-only triggers (SQLite: drop the trigger, write, recreate it
from the exact SQL text the migration stored; PostgreSQL: ``session_replication_role =
replica`` for one transaction, which disables ordinary triggers). They never go through the
store, which has no update or delete path.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, create_engine, text

from ledger.canonical import canonicalize
from ledger.chain import append
from ledger.entries import Entry
from ledger.merkle import STORED_FROM_LEVEL
from ledger.registry import Registry
from ledger.state import InMemoryState
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine, upgrade_database
from tests.factories import Keys, bootstrap, make_key, make_key_added

PG_URL = os.environ.get("BIOTRAZA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

ProjectionRow = tuple[str, str, str, int]


def is_sqlite_url(url: str) -> bool:
    """Whether a database URL names SQLite."""
    return url.startswith("sqlite")


def is_sqlite_engine(engine: Engine) -> bool:
    """Whether an engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


# --------------------------------------------------------------------------- databases


@contextmanager
def fresh_database(like_url: str, workdir: Path) -> Iterator[str]:
    """A URL of a new empty database on the same back end as ``like_url``; removed after.

    For hypothesis tests that need a new ledger per example while the ``db_url`` fixture
    only says which engine to use.
    """
    if is_sqlite_url(like_url):
        path = workdir / f"ledger-{uuid.uuid4().hex[:12]}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    schema = f"bt_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in PG_URL else "?"
        try:
            yield f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@contextmanager
def open_store(url: str) -> Iterator[SqlLedgerStore]:
    """A migrated store on a new engine (a "process start"); the engine is disposed after."""
    engine = create_ledger_engine(url)
    store = SqlLedgerStore(engine)
    try:
        upgrade_database(engine)
        yield store
    finally:
        store.close()
        engine.dispose()


def build_ledger(
    store: SqlLedgerStore, registry: Registry, size: int
) -> tuple[Keys, list[Entry], list[Ed25519PrivateKey]]:
    """Genesis plus ``size - 1`` key.added entries signed by the root; returns keys and entries.

    Every fourth grant is a root role, so the ledger has several kinds of projection rows.
    """
    keys = bootstrap(store, registry)
    granted: list[Ed25519PrivateKey] = []
    for i in range(size - 1):
        key = make_key(f"ledger-key-{i}")
        role = "root" if i % 4 == 3 else "certifier"
        append(store, registry, make_key_added(keys.root, key, role=role, name=f"k{i}"))
        granted.append(key)
    entries = store.entries(0, size + 1)
    assert len(entries) == size
    return keys, entries, granted


# --------------------------------------------------------------------------- projections


def projection_of(state: InMemoryState) -> list[ProjectionRow]:
    """A replayed state in the shape of ``SqlLedgerStore.projection_rows()``, sorted."""
    return sorted(
        (kind, key, canonicalize(doc).decode("utf-8"), seq)
        for (kind, key), (doc, seq) in state.dump().items()
    )


def merkle_node_count(tree_size: int) -> int:
    """Rows the SQL store keeps in ``merkle_nodes`` for ``tree_size`` leaves: the complete
    subtrees from ``STORED_FROM_LEVEL`` up, ``sum(n >> level for level >= 4)``, counted
    here independently of ``ledger.merkle.stored_node_count``."""
    return sum(tree_size >> level for level in range(STORED_FROM_LEVEL, 64))


# --------------------------------------------------------------------------- raw SQL


def raw_entry_row(engine: Engine, seq: int) -> dict[str, Any] | None:
    """The ``entries`` row at ``seq`` as stored (bytes columns as ``bytes``)."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM entries WHERE seq = :seq"), {"seq": seq}).first()
    if row is None:
        return None
    return {
        k: bytes(v) if isinstance(v, bytes | memoryview) else v for k, v in row._mapping.items()
    }


def raw_count(engine: Engine, table: str) -> int:
    """``SELECT count(*)`` of a table."""
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@contextmanager
def triggers_bypassed(engine: Engine, table: str = "entries") -> Iterator[Connection]:
    """One transaction in which ``table``'s append-only triggers do not fire.

    SQLite: its triggers are dropped and recreated, before commit, from the SQL text stored
    in ``sqlite_master`` (the exact statement the migration ran). PostgreSQL:
    ``SET LOCAL session_replication_role = replica`` (superuser; scoped to the transaction).
    """
    with engine.begin() as conn:
        if is_sqlite_engine(engine):
            saved = conn.execute(
                text(
                    "SELECT name, sql FROM sqlite_master "
                    "WHERE type = 'trigger' AND tbl_name = :table ORDER BY name"
                ),
                {"table": table},
            ).all()
            assert saved, f"no triggers on {table}: the migration did not create them"
            for name, _sql in saved:
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
            yield conn
            for _name, sql in saved:
                conn.exec_driver_sql(sql)
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            yield conn


def raw_update_entry(engine: Engine, seq: int, **values: Any) -> None:
    """UPDATE columns of one ``entries`` row around the triggers."""
    assignments = ", ".join(f"{column} = :{column}" for column in values)
    with triggers_bypassed(engine) as conn:
        result = conn.execute(
            text(f"UPDATE entries SET {assignments} WHERE seq = :seq"), {**values, "seq": seq}
        )
        assert result.rowcount == 1


def raw_delete_entry(engine: Engine, seq: int) -> None:
    """DELETE one ``entries`` row around the triggers."""
    with triggers_bypassed(engine) as conn:
        result = conn.execute(text("DELETE FROM entries WHERE seq = :seq"), {"seq": seq})
        assert result.rowcount == 1


def raw_insert_entry(engine: Engine, row: dict[str, Any]) -> None:
    """INSERT a row saved by :func:`raw_entry_row` (inserts are allowed; no bypass needed)."""
    columns = ", ".join(row)
    params = ", ".join(f":{column}" for column in row)
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO entries ({columns}) VALUES ({params})"), row)


def raw_update_document(
    engine: Engine, kind: str, key: str, change: Callable[[dict[str, Any]], None]
) -> None:
    """Change one projection document in place with raw SQL, keeping its seq and seal (what
    someone with write access to the database but not the projection key can do)."""
    with engine.begin() as conn:
        value = conn.execute(
            text("SELECT value FROM state_objects WHERE kind = :kind AND key = :key"),
            {"kind": kind, "key": key},
        ).scalar_one()
        document = json.loads(value)
        change(document)
        conn.execute(
            text("UPDATE state_objects SET value = :value WHERE kind = :kind AND key = :key"),
            {"value": json.dumps(document, sort_keys=True), "kind": kind, "key": key},
        )
