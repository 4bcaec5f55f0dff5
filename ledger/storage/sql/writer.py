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

Every wait an append makes for another writer is bounded by one deadline, ``lock_timeout``
seconds from the call (``BIOTRAZA_LOCK_TIMEOUT_SECONDS``, 5 by default): the process's
thread lock, then on SQLite the ``flock`` and SQLite's own busy wait (set to what is left),
on PostgreSQL the advisory lock (``SET LOCAL lock_timeout`` to what is left, see
``ledger.storage.sql.pg_append``). A live but hung holder therefore costs a waiting append
``StorageUnavailableError`` after the bound, never a frozen worker; nothing was written, and
the same signed statement can be sent again. ``flock`` itself has no timeout, so a contended
one is waited for by a helper thread on its own descriptor of the lock file: the append takes
the lock over from it when it comes in time, and a helper given up on releases the lock the
moment it gets it. An uncontended lock is taken without a thread.

None of this is needed for correctness: the database's own lock still serializes every
writer, including other programs. A connection that comes back inside a transaction (its
rollback failed) or broken is closed and replaced, never reused. After a ``fork`` the child
opens its own connection and lock file: an inherited database connection must not be used,
and an inherited lock file description would share the parent's lock.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import psycopg
from sqlalchemy import Engine

from ledger.errors import StorageUnavailableError
from ledger.storage.sql.engine import is_sqlite

try:  # POSIX only; elsewhere SQLite's own busy handler is the only queue.
    import fcntl
except ImportError:  # pragma: no cover - not on the platforms we run on
    fcntl = None  # type: ignore[assignment]

__all__ = ["DEFAULT_LOCK_TIMEOUT", "AppendConnection", "LockWaitTimeoutError"]

from ledger.storage.limits import DEFAULT_LOCK_TIMEOUT

"""Seconds an append waits for other writers before it gives up (the setting's default)."""


class LockWaitTimeoutError(StorageUnavailableError):
    """Another writer held the ledger's write lock for longer than the bound: nothing was
    written; the same signed statement can be sent again (it is idempotent)."""

    retry_after = 1  # the holder is alive: the lock frees up soon
    public = True  # says only that the ledger is busy

    def __init__(self, timeout: float) -> None:
        super().__init__(
            f"the ledger is busy: another append held the write lock for more than "
            f"{timeout:g} s; nothing was recorded, send the same signed statement again"
        )
        self.timeout = timeout


class _Opened:
    """The process's append connection (and SQLite lock file), closed when dropped."""

    def __init__(self, engine: Engine, lock_timeout: float) -> None:
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
        self.lock_path = f"{database}-writer.lock" if fcntl is not None and database else None
        self.lock_fd = (
            os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600) if self.lock_path else None
        )
        # SQLite's own wait for its write lock, in ms: the bound, or what is left of it.
        self.full_busy_ms = _milliseconds(lock_timeout)
        self.busy_ms = 0
        if self.sqlite:
            self.set_busy_timeout(self.full_busy_ms)
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

    def set_busy_timeout(self, milliseconds: int) -> None:
        """How long SQLite waits for its write lock in ``BEGIN IMMEDIATE`` (this connection)."""
        if milliseconds != self.busy_ms:
            self.connection.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
            self.busy_ms = milliseconds

    def close(self) -> None:
        self._finalizer()


def _milliseconds(seconds: float) -> int:
    """A positive whole number of milliseconds (0 means "no timeout" to both engines)."""
    return max(1, int(seconds * 1000))


class _FlockWaiter:
    """A blocking ``flock`` on a descriptor of its own, in a helper thread, that the caller
    waits for with a timeout (``flock`` has none)."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR)
        self._done = threading.Event()
        self._guard = threading.Lock()
        self._abandoned = False
        self._error: OSError | None = None
        thread = threading.Thread(target=self._wait, name="biotraza-writer-lock", daemon=True)
        thread.start()

    def _wait(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except OSError as exc:  # pragma: no cover - flock on an open regular file
            self._error = exc
        with self._guard:
            self._done.set()
            if self._abandoned:
                _release(self.fd)  # given up on: let the lock go at once

    def take(self, timeout: float) -> bool:
        """Whether the lock came within ``timeout`` seconds (then the caller owns ``fd`` and
        releases it with :func:`_release`); otherwise the helper releases it when it comes."""
        self._done.wait(max(timeout, 0.0))
        with self._guard:
            if not self._done.is_set():
                self._abandoned = True
                return False
        if self._error is not None:  # pragma: no cover - see _wait
            os.close(self.fd)
            raise self._error
        return True


def _release(fd: int) -> None:
    """Unlock and close a helper's descriptor. Unlocked explicitly: a child forked meanwhile
    holds a copy of the descriptor, and closing ours alone would leave the lock held."""
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


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

    def __init__(self, engine: Engine, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        if not lock_timeout > 0:
            raise ValueError(f"lock_timeout must be a positive number of seconds: {lock_timeout}")
        self._engine = engine
        self.lock_timeout = lock_timeout
        self._mutex = threading.Lock()
        self._opened: _Opened | None = None
        self._deadline = 0.0

    def remaining_ms(self) -> int:
        """Milliseconds left of the current append's wait bound (at least 1); only meaningful
        inside :meth:`connection`, for the database's own lock wait."""
        return _milliseconds(self._deadline - time.monotonic())

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """The DBAPI connection, held exclusively in this process. The caller opens and
        ends the transaction; a connection not left idle is closed, not reused.

        Raises:
            LockWaitTimeoutError: other writers kept the lock past the bound.
        """
        deadline = time.monotonic() + self.lock_timeout
        queued = not self._mutex.acquire(blocking=False)
        if queued and not self._mutex.acquire(timeout=self.lock_timeout):
            raise LockWaitTimeoutError(self.lock_timeout)
        try:
            self._deadline = deadline
            opened = self._opened
            if opened is None or opened.pid != os.getpid():
                opened = self._opened = _Opened(self._engine, self.lock_timeout)
            held, waited = self._flock(opened, deadline)
            try:
                if opened.sqlite:
                    # SQLite's own wait gets what is left of the bound: all of it when
                    # nothing had to be waited for (the usual case: no statement then).
                    waited = waited or queued
                    opened.set_busy_timeout(self.remaining_ms() if waited else opened.full_busy_ms)
                yield opened.connection
            finally:
                try:
                    if not opened.reusable():
                        self._opened = None
                        opened.close()  # closing the lock file also releases the flock
                finally:
                    if held is not None and held != opened.lock_fd:
                        _release(held)  # a helper's descriptor
                    elif held is not None and self._opened is opened:
                        fcntl.flock(held, fcntl.LOCK_UN)
        finally:
            self._mutex.release()

    def _flock(self, opened: _Opened, deadline: float) -> tuple[int | None, bool]:
        """Take the SQLite writer file lock by ``deadline``: the descriptor holding it (none
        without a lock file), and whether it had to be waited for.

        Raises:
            LockWaitTimeoutError: it did not come in time.
        """
        if opened.lock_fd is None or opened.lock_path is None:
            return None, False
        try:
            fcntl.flock(opened.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass
        else:
            return opened.lock_fd, False
        waiter = _FlockWaiter(opened.lock_path)
        if not waiter.take(deadline - time.monotonic()):
            raise LockWaitTimeoutError(self.lock_timeout)
        return waiter.fd, True

    def close(self) -> None:
        """Close the connection (and lock file); the next append opens a new one."""
        with self._mutex:
            if self._opened is not None:
                self._opened.close()
                self._opened = None
