"""The append connection: one per store and process, kept open, used by one thread at a time.

Appends to one ledger are serialized anyway (``BEGIN IMMEDIATE`` on SQLite, an advisory
lock on PostgreSQL), and an append spends most of its time holding that lock, so what it
costs around its statements is paid by every writer waiting behind it. Keeping one
connection for the process's appends, guarded by a thread lock, skips the pool's checkout
and check-in, keeps SQLite's page cache warm between appends (as long as no other process
wrote in between), and lets PostgreSQL keep its session set up for appends (autocommit,
prepared statements; see ``ledger.storage.sql.pg_append``).

SQLite writers also queue on an exclusive ``flock`` of ``<database>-writer.lock`` before
they ask SQLite for the write lock. SQLite alone makes a waiting writer poll (its busy
handler sleeps 1, 2, 5 … up to 100 ms between tries), so under eight writers most time went
to sleeping past the moment the lock was freed; the kernel hands a ``flock`` over the
instant its holder lets go.

None of this is needed for correctness: the database's own lock still serializes every
writer, including other programs. A connection that comes back inside a transaction (its
rollback failed) or broken is closed and replaced, never reused. After a ``fork`` the child
opens its own connection and lock file: an inherited database connection must not be used,
and an inherited lock file description would share the parent's lock.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import psycopg
from sqlalchemy import Engine

from ledger.storage.sql.engine import is_sqlite

try:  # POSIX only; elsewhere SQLite's own busy handler is the only queue.
    import fcntl
except ImportError:  # pragma: no cover - not on the platforms we run on
    fcntl = None  # type: ignore[assignment]

__all__ = ["AppendConnection"]


class _Opened:
    """The process's append connection (and SQLite lock file), closed when dropped."""

    def __init__(self, engine: Engine) -> None:
        self.pid = os.getpid()
        self.sqlite = is_sqlite(engine)
        # Detached from the pool: ours for the life of the store, with the engine's
        # connection settings (SQLite pragmas, PostgreSQL search path) already applied.
        pooled = engine.raw_connection()
        pooled.detach()  # closing it now closes the DBAPI connection
        # sqlite3 or psycopg: the store knows which and uses each as such.
        self.connection: Any = cast(Any, pooled.dbapi_connection)
        if not self.sqlite:
            # The append transaction is opened by the append's first message (pg_append).
            self.connection.autocommit = True
        database = engine.url.database if self.sqlite else None
        self.lock_fd = (
            os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
            if fcntl is not None and database
            else None
        )
        self._finalizer = weakref.finalize(self, _close, pooled, self.lock_fd, self.pid)

    def reusable(self) -> bool:
        """Whether the connection came back idle: outside any transaction, not broken."""
        if self.sqlite:
            return not self.connection.in_transaction
        connection: psycopg.Connection[Any] = self.connection
        return (
            not connection.closed
            and not connection.broken
            and connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        )

    def close(self) -> None:
        self._finalizer()


def _close(pooled: Any, lock_fd: int | None, pid: int) -> None:
    if os.getpid() != pid:
        return  # a forked child's copy: the parent closes its own
    try:
        pooled.close()
    finally:
        if lock_fd is not None:
            os.close(lock_fd)


class AppendConnection:
    """Serializes one store's appends in this process (and, on SQLite, queues the process
    behind other processes' writers)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._mutex = threading.Lock()
        self._opened: _Opened | None = None

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """The DBAPI connection, held exclusively in this process. The caller opens and
        ends the transaction; a connection not left idle is closed, not reused."""
        with self._mutex:
            opened = self._opened
            if opened is None or opened.pid != os.getpid():
                opened = self._opened = _Opened(self._engine)
            if opened.lock_fd is not None:
                fcntl.flock(opened.lock_fd, fcntl.LOCK_EX)
            try:
                yield opened.connection
            finally:
                try:
                    if not opened.reusable():
                        self._opened = None
                        opened.close()  # closing the lock file also releases the flock
                finally:
                    if opened.lock_fd is not None and self._opened is opened:
                        fcntl.flock(opened.lock_fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the connection (and lock file); the next append opens a new one."""
        with self._mutex:
            if self._opened is not None:
                self._opened.close()
                self._opened = None
