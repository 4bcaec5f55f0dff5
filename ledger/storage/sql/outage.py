"""Which database exceptions mean the storage is lost, rather than that a request is wrong.

A read that meets an unreachable server, a connection the server terminated, a pool with no
free connection, a missing or unreadable SQLite file, or a database that is not a migrated
ledger has not found a bug: the client should retry later (HTTP 503), and the operator needs
the driver's reason in the log. Everything else a driver raises (a constraint, a bad value)
is not an outage.

Left out: mapping to HTTP (``api.http.errors``), and appends, whose transaction code turns
the same conditions into ``StorageUnavailableError`` itself.
"""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy import exc as sa_exc

__all__ = ["DATABASE_ERRORS", "is_storage_loss"]

DATABASE_ERRORS: tuple[type[Exception], ...] = (
    sa_exc.SQLAlchemyError,
    sqlite3.Error,
    psycopg.Error,
)
"""Every exception class a database call may raise (SQLAlchemy's own and the raw drivers')."""

_LOST = (sqlite3.OperationalError, psycopg.OperationalError, psycopg.InterfaceError)


def is_storage_loss(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is unreachable or unusable (not that data is bad)."""
    if isinstance(exc, sa_exc.TimeoutError):
        return True  # no pooled connection came free in time
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
            return True
        exc = exc.orig if isinstance(exc.orig, BaseException) else exc
    # sqlite3.DatabaseError itself (not a subclass): "file is not a database".
    return isinstance(exc, _LOST) or type(exc) is sqlite3.DatabaseError
