"""Engine construction with the settings each back end needs for a correct ledger.

SQLite: WAL journal (readers never block the writer), ``synchronous=FULL`` (an acknowledged
append survives power loss, not only a process crash), a busy timeout so concurrent processes
wait instead of failing; the store opens append transactions with ``BEGIN IMMEDIATE`` so two
writers never both read the same head. PostgreSQL: the pool pings a connection before handing
it out (dead connections are replaced, not handed to a read); the store takes a
transaction-scoped advisory lock.

Left out: reading configuration (the caller passes the URL).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection

__all__ = ["create_ledger_engine", "is_sqlite"]


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def create_ledger_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for a ledger database URL (``sqlite:///…`` or ``postgresql+psycopg://…``).

    Raises:
        ValueError: the URL names an unsupported back end.
    """
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            raise ValueError("in-memory SQLite cannot be shared by connections; use a file path")
        engine = create_engine(
            url, connect_args={"timeout": 60, "check_same_thread": False}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql"):
        # Pre-ping: a round trip per checkout, so that a pooled connection the server
        # dropped (a restart, pg_terminate_backend, a failover) is replaced before a read
        # uses it; without it the first read on each stale connection failed.
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql+psycopg://")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Reads and migrations; appends open their own BEGIN IMMEDIATE (see the store).
        conn.exec_driver_sql("BEGIN")
