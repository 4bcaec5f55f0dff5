"""Engine construction with the settings each back end needs for a correct ledger.

SQLite: WAL journal (readers never block the writer), ``synchronous=FULL`` (an acknowledged
append survives power loss, not only a process crash), a busy timeout so concurrent processes
wait instead of failing; the store opens append transactions with ``BEGIN IMMEDIATE`` so two
writers never both read the same head. PostgreSQL: the pool pings a connection before handing
it out (dead connections are replaced, not handed to a read); the store takes a
transaction-scoped advisory lock.

The SQLite file holds personal data (``personal_data``), so it is created owner-only (0600)
before SQLite first opens it — SQLite gives its ``-wal`` and ``-shm`` files the database
file's mode — and an existing one, or its companions, found readable by others is tightened
(``ledger.private_paths``).

Left out: reading configuration (the caller passes the URL).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError

from ledger.private_paths import private_file

__all__ = ["create_ledger_engine", "is_sqlite", "redact_url"]

# The password of a URL's userinfo, as SQLAlchemy's own URL pattern reads it (up to the @),
# wherever the URL sits in the text (an error message quoting it, say).
_USERINFO_PASSWORD = re.compile(r"(?P<keep>\b[a-z][\w+.-]*://[^:/@\s'\"]*:)[^@\s'\"]*(?=@)", re.I)
_QUERY_PASSWORD = re.compile(r"(?P<keep>[?&](?:password|passwd|sslpassword)=)[^&#]*", re.I)


def redact_url(url: str) -> str:
    """``url`` with any password (in the userinfo or a query parameter) shown as ``***``.

    Every place that prints or logs a database URL goes through here: ``init`` and
    ``db upgrade`` print where the ledger is, the CLI's error lines may quote one, and a
    password must not reach a terminal scrollback, a CI log or a support ticket. Works on any
    text: a URL, or a message with URLs in it.
    """
    url = _USERINFO_PASSWORD.sub(lambda m: m["keep"] + "***", url)
    return _QUERY_PASSWORD.sub(lambda m: m["keep"] + "***", url)


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def create_ledger_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for a ledger database URL (``sqlite:///…`` or ``postgresql+psycopg://…``).

    Raises:
        ValueError: the URL is malformed or names an unsupported back end.
    """
    try:
        make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise ValueError(f"malformed database URL {redact_url(url)!r}: {exc}") from None
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            raise ValueError("in-memory SQLite cannot be shared by connections; use a file path")
        _private_sqlite_files(make_url(url).database)
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
    raise ValueError(
        f"unsupported database URL {redact_url(url)!r}: use sqlite:/// or postgresql+psycopg://"
    )


_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal", "-writer.lock")


def _private_sqlite_files(database: str | None) -> None:
    """Create the database file owner-only if missing; tighten it and its companions."""
    if not database or database.startswith("file:"):
        return  # a URI filename: SQLite resolves it, and applies the mode of the file it finds
    private_file(database, create=True)
    for suffix in _SQLITE_COMPANIONS:
        private_file(f"{database}{suffix}")


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
