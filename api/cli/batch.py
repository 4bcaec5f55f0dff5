"""``biotraza submit-batch``: append files of statements signed elsewhere, many per request.

A field phone's outbox, an export of another tool, a script's output: statements already
signed, sent in batches (``POST /api/v1/batches`` with ``--server``, one transaction
per batch locally). Each is admitted or refused on its own; a refused one is named on one
line with its reason and the command exits 1. Running it again on the same files is safe:
what was recorded comes back as already present.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.common import ServerOpt, app, cli_errors, err, fail, out, progress, settings

if TYPE_CHECKING:
    from api.settings import Settings
    from ledger.statements import SignedStatement

__all__ = ["Outcome", "read_statements", "submit_in_batches"]

DEFAULT_BATCH = 1000
"""Statements per request: the server's default ``BIOTRAZA_MAX_BATCH_STATEMENTS``."""


@dataclass(frozen=True)
class Outcome:
    """What became of one statement: ``appended``, ``duplicate`` or ``refused`` (then
    ``reason`` is the single endpoint's error on one line)."""

    status: str
    seq: int | None
    entry_hash: str | None
    reason: str | None


def read_statements(path: str) -> list[SignedStatement]:
    """The signed statements of a file (``-``: stdin): a JSON list, ``{"statements":
    [...]}`` (a batch body) or JSON Lines, one statement per line.

    Raises:
        ValueError: naming the file, the item and the field at fault.
    """
    from ledger.canonical import parse_json_strict
    from ledger.errors import LedgerError
    from ledger.statements import SignedStatement

    raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    items = _items(raw, path, parse_json_strict)
    statements: list[SignedStatement] = []
    for number, item in items:
        try:
            statements.append(SignedStatement.from_dict(item))
        except LedgerError as exc:
            raise ValueError(f"{path} {number}: {_reason(exc)}") from exc
    return statements


def _items(raw: str, path: str, parse: Callable[[str], Any]) -> list[tuple[str, Any]]:
    """The file's items, each with how to name it (``item 3`` or ``line 7``): the whole file
    as one JSON document if it is one, else JSON Lines."""
    from ledger.errors import EncodingError

    try:
        document = parse(raw)
    except EncodingError:
        lines = [(n, line) for n, line in enumerate(raw.splitlines(), 1) if line.strip()]
        if len(lines) < 2:
            raise ValueError(f"{path}: not JSON, nor JSON Lines") from None
        return [(f"line {n}", _parse(parse, line, f"{path} line {n}")) for n, line in lines]
    if isinstance(document, dict) and set(document) == {"statements"}:
        document = document["statements"]
        if not isinstance(document, list):
            raise ValueError(f"{path}: statements: not a list")
    if isinstance(document, list):
        return [(f"item {i}", item) for i, item in enumerate(document)]
    return [("item 0", document)]


def _parse(parse: Callable[[str], Any], text: str, where: str) -> Any:
    from ledger.errors import EncodingError

    try:
        return parse(text)
    except EncodingError as exc:
        raise ValueError(f"{where}: {exc}") from exc


def _reason(exc: Exception) -> str:
    from api.error_report import describe, one_line
    from ledger.errors import LedgerError

    if isinstance(exc, LedgerError):
        report = describe(exc)
        return one_line(report.message, report.fields)
    return str(exc)


def submit_in_batches(
    cfg: Settings,
    statements: Sequence[SignedStatement],
    server: str | None,
    size: int,
    on_batch: Callable[[int], None],
) -> list[Outcome]:
    """Append ``statements`` in batches of ``size`` (through ``server``, or in this process),
    calling ``on_batch`` with the number done after each; one outcome per statement."""
    outcomes: list[Outcome] = []
    for batch in _chunks(statements, size) if server else ():
        outcomes.extend(_remote(server, batch))
        on_batch(len(outcomes))
    if server:
        return outcomes
    from api.services.ledger import LedgerService

    service = LedgerService.from_settings(cfg)
    try:
        for batch in _chunks(statements, size):
            outcomes.extend(_local(service, batch))
            on_batch(len(outcomes))
    finally:
        service.close()
    return outcomes


def _chunks(items: Sequence[SignedStatement], size: int) -> Iterator[Sequence[SignedStatement]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _remote(server: str | None, batch: Sequence[SignedStatement]) -> list[Outcome]:
    from api.client import BiotrazaClient
    from api.error_report import one_line

    assert server is not None  # noqa: S101 - only called with a server
    with BiotrazaClient(server, timeout=120.0) as client:
        results = client.submit_batch(batch)
    return [
        Outcome(
            r.status,
            None if r.entry is None else int(r.entry["seq"]),
            None if r.entry is None else str(r.entry["entry_hash"]),
            one_line(r.message, [(f["field"], f["reason"]) for f in r.fields])
            if r.refused
            else None,
        )
        for r in results
    ]


def _local(service: Any, batch: Sequence[SignedStatement]) -> list[Outcome]:
    from ledger.chain import AppendResult

    outcomes: list[Outcome] = []
    for result in service.submit_batch(batch):
        if isinstance(result, AppendResult):
            status = "appended" if result.created else "duplicate"
            entry = result.entry
            outcomes.append(Outcome(status, entry.seq, entry.entry_hash.hex(), None))
        else:
            outcomes.append(Outcome("refused", None, None, _reason(result)))
    return outcomes


@app.command("submit-batch")
def submit_batch(
    files: Annotated[
        list[str],
        typer.Argument(
            help="Files of signed statements: a JSON list, a batch body "
            '{"statements": [...]}, or JSON Lines; "-" reads stdin.'
        ),
    ],
    server: ServerOpt = None,
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size", min=1, help="Statements per request (the server's limit or less)."
        ),
    ] = DEFAULT_BATCH,
) -> None:
    """Append statements signed elsewhere, many per request, each admitted or refused on its
    own; safe to run again on the same files."""
    cfg = settings()
    with cli_errors():
        named: list[tuple[str, int]] = []
        statements: list[SignedStatement] = []
        for path in files:
            found = read_statements(path)
            named.extend((path, index) for index in range(len(found)))
            statements.extend(found)
        with progress() as bar:
            task = bar.add_task("submitting", total=len(statements))
            outcomes = submit_in_batches(
                cfg, statements, server, batch_size, lambda done: bar.update(task, completed=done)
            )
    refused = 0
    for (path, index), outcome in zip(named, outcomes, strict=True):
        if outcome.status == "refused":
            refused += 1
            err.print(f"{path} item {index}: refused: {outcome.reason}", markup=False)
    appended = sum(o.status == "appended" for o in outcomes)
    duplicates = sum(o.status == "duplicate" for o in outcomes)
    out.print(f"{appended} appended, {duplicates} already present, {refused} refused")
    if refused:
        fail(f"{refused} of {len(outcomes)} statements were refused (reasons above)")
