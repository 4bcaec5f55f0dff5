"""SQLite appends: one writer connection per process, queued on an OS file lock.

SQLite has one writer at a time, and an append spends most of its time holding that lock,
so what it costs around the statements matters:

* **One connection per process for appends**, kept open and guarded by a thread lock. The
  threads of a process take turns on it (they would serialize on SQLite's write lock
  anyway), it skips the pool's checkout and check-in on every append, and its page cache
  stays warm from one append to the next as long as no other process wrote in between.
* **An exclusive ``flock`` on ``<database>-writer.lock``** queues writer processes before
  they ask SQLite for the write lock. SQLite alone makes a waiting writer poll (its busy
  handler sleeps 1, 2, 5 … up to 100 ms between tries), so under eight writers most time
  went to sleeping past the moment the lock was freed; the kernel hands a ``flock`` over
  the instant its holder lets go.

Neither is needed for correctness: ``BEGIN IMMEDIATE`` still serializes every writer,
including other programs that open the file. After a ``fork`` the child opens its own
connection and lock file (an inherited SQLite connection must not be used, and an
inherited lock file description would share the parent's lock).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine

try:  # POSIX only; elsewhere SQLite's own busy handler is the only queue.
    import fcntl
except ImportError:  # pragma: no cover - not on the platforms we run on
    fcntl = None  # type: ignore[assignment]

__all__ = ["SqliteWriter"]


class _Opened:
    """The process's writer connection and lock file, closed when dropped."""

    def __init__(self, engine: Engine) -> None:
        self.pid = os.getpid()
        # Detached from the pool: this connection is ours for the life of the store, with
        # the engine's pragmas (WAL, synchronous=FULL, busy timeout) already applied.
        pooled = engine.raw_connection()
        pooled.detach()  # closing it now closes the DBAPI connection
        self.connection: Any = pooled.dbapi_connection
        database = engine.url.database
        self.lock_fd = (
            os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
            if fcntl is not None and database
            else None
        )
        self._finalizer = weakref.finalize(self, _close, pooled, self.lock_fd, self.pid)

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


class SqliteWriter:
    """Serializes one store's appends in this process and queues it behind other processes."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._mutex = threading.Lock()
        self._opened: _Opened | None = None

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """The writer connection, held exclusively in this process and, through the lock
        file, ahead of other processes' writers. The caller opens and ends the transaction;
        a connection left inside one (the caller failed to roll back) is closed, not reused.
        """
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
                    if opened.connection.in_transaction:
                        opened.close()
                        self._opened = None
                finally:
                    if opened.lock_fd is not None and self._opened is opened:
                        fcntl.flock(opened.lock_fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the connection and the lock file (reopened if the store appends again)."""
        with self._mutex:
            if self._opened is not None:
                self._opened.close()
                self._opened = None
