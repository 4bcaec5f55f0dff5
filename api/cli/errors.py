"""The one place where the ``biotraza`` CLI turns known failures into one line and an exit code.

``CliGroup`` is the root command's class, so every command, and the parsing of its options,
runs inside ``cli_errors()``: an unreachable server, a malformed ``--server``, a database that
is down or was never migrated, an invalid ``BIOTRAZA_*`` setting, a refused statement all end
as ``error: <what is wrong>`` on stderr and exit 1, never as a traceback. Commands need no
handling of their own (``with cli_errors():`` inside a command still works and says the same).
Anything not listed here is a bug and keeps its traceback.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

if TYPE_CHECKING:  # types only: the modules load when a command runs
    import httpx


__all__ = ["CliGroup", "cli_errors", "err", "fail", "failure_line"]

err = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error line and exit non-zero."""
    # Escaped: a message quoting user input ("[bold]…") must print as it is, not as markup.
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _http_failure(exc: httpx.HTTPError) -> str:
    try:
        url = exc.request.url
        where = f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"
    except RuntimeError:  # an error raised before any request was made
        where = "the server"
    return f"cannot reach {where}: {_first_line(exc)} (check --server and the network)"


def failure_line(exc: BaseException) -> str | None:
    """The error line for a known failure, or ``None`` for one that is a bug.

    Refusals name the field and the reason exactly as the HTTP API's error body does
    (``api.error_report``), whether the statement was refused by a server or locally.
    """
    import httpx
    import psycopg
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from api.client import ClientError
    from api.error_report import describe, one_line
    from api.settings import SETTINGS_PREFIX
    from ledger.errors import LedgerError
    from ledger.statements import schema_errors

    if isinstance(exc, ClientError):
        return one_line(str(exc), [(f["field"], f["reason"]) for f in exc.fields])
    if isinstance(exc, LedgerError):
        report = describe(exc)
        return one_line(report.message, report.fields)
    if isinstance(exc, ValidationError):
        if exc.title == "Settings":
            return "; ".join(
                f"setting {SETTINGS_PREFIX}{str(e['loc'][0]).upper()}: {e['msg']}"
                for e in exc.errors()
            )
        return "; ".join(f"{field}: {reason}" for field, reason in schema_errors(exc))
    if isinstance(exc, httpx.HTTPError):
        return _http_failure(exc)
    if isinstance(exc, httpx.InvalidURL):
        return f"--server: {exc}"
    if isinstance(exc, SQLAlchemyError | sqlite3.Error | psycopg.Error):
        # The driver's own first line ("connection refused", "no such table") says what is
        # wrong; SQLAlchemy's wrapping adds only the statement and a link.
        return (
            f"database error: {_first_line(exc)} "
            f"(check {SETTINGS_PREFIX}DATABASE_URL and that the server is up)"
        )
    if isinstance(exc, OSError | ValueError):
        return str(exc) or type(exc).__name__
    return None


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn known failures into one line and exit 1; let bugs show their traceback."""
    try:
        yield
    except Exception as exc:
        line = failure_line(exc)  # None for typer.Exit and click's usage errors: they pass on
        if line is None:
            raise
        from ledger.storage.sql import redact_url  # only on failure: it loads SQLAlchemy

        fail(redact_url(line))  # a driver or parser message may quote the database URL


class CliGroup(TyperGroup):
    """The root command: runs whatever is invoked under it inside ``cli_errors``."""

    def invoke(self, ctx: Any) -> Any:  # typer's (vendored) click Context
        """Invoke the subcommand, translating known failures."""
        with cli_errors():
            return super().invoke(ctx)
