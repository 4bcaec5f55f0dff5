"""``biotraza epcis …``: validate, hash and import (capture) partner EPCIS 2.0 documents.

Every command streams the file (``verifiers.epcis.stream``): memory is one event at a time,
whatever the file size, and a progress bar (bytes read) shows on stderr.

``biotraza epcis import FILE --key NAME`` checks the file against the configured limits
(``BIOTRAZA_EPCIS_MAX_BYTES`` before reading, ``BIOTRAZA_EPCIS_MAX_EVENTS`` while reading;
``--max-bytes`` / ``--max-events`` override them), then classifies every event
(``api.services.epcis_import``): schema errors, events captured before or repeated, and
events that name no lot of the ledger (unless ``--allow-unrelated``, which is signed into
each capture). If any event would be refused, nothing is recorded and the plan says why;
``--dry-run`` prints the plan (counts by event type and lot, refusals with reasons) and
records nothing. Otherwise the events are captured as ``epcis.events.captured`` entries signed
by the named organization key — locally or on ``--server`` (where the server's ledger checks
the lots: ``--dry-run`` needs the local database). A document too large for one statement is
captured in several entries (``<capture-id>-1``, ``-2``…), events split in order.
``validate`` and ``hash`` do the checks alone, without writing anything.

Left out: the XML binding (JSON-LD only).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import Progress

from api.cli.common import (
    ServerOpt,
    app,
    cli_errors,
    err,
    fail,
    load_key,
    out,
    progress,
    settings,
    submit,
)

if TYPE_CHECKING:  # types only: the modules load when a command runs
    from api.services.epcis_import import ImportPlan
    from api.services.ledger import LedgerService

__all__ = ["epcis_app", "split_document", "split_events"]

epcis_app = typer.Typer(no_args_is_help=True, help="GS1 EPCIS 2.0: validate, hash, import.")
app.add_typer(epcis_app, name="epcis")

_ENVELOPE_BYTES = 1024
"""Room for the statement's own fields (type, actor, ts, nonce, capture id) around the body."""
_MAX_LISTED_ERRORS = 50


def split_events(
    head: dict[str, Any], pairs: Iterable[tuple[dict[str, Any], str]]
) -> Iterator[dict[str, Any]]:
    """Group streamed ``(event, hash)`` pairs into capture bodies that each fit a statement.

    ``head`` is the document without its events (``epcisBody`` may hold other members).
    Yields ``{"document": …, "event_hashes": […]}``, events in order.

    Raises:
        ValueError: one event alone is too large for a statement.
    """
    from ledger.canonical import canonicalize
    from ledger.statements import MAX_STATEMENT_BYTES

    body = {k: v for k, v in (head.get("epcisBody") or {}).items() if k != "eventList"}
    top = {k: v for k, v in head.items() if k != "epcisBody"}
    limit = MAX_STATEMENT_BYTES - _ENVELOPE_BYTES
    base = len(canonicalize({**top, "epcisBody": {**body, "eventList": []}, "event_hashes": []}))
    batch: list[dict[str, Any]] = []
    batch_hashes: list[str] = []
    size = base
    for event, digest in pairs:
        cost = len(canonicalize(event)) + len(digest) + 4
        if base + cost > limit:
            raise ValueError(f"event {digest} alone is larger than a ledger statement")
        if batch and size + cost > limit:
            yield _part(top, body, batch, batch_hashes)
            batch, batch_hashes, size = [], [], base
        batch.append(event)
        batch_hashes.append(digest)
        size += cost
    if batch:
        yield _part(top, body, batch, batch_hashes)


def split_document(document: dict[str, Any], hashes: list[str]) -> list[dict[str, Any]]:
    """Split a parsed document into capture bodies (see :func:`split_events`)."""
    from verifiers.epcis.event_hash import document_events

    return list(split_events(document, zip(document_events(document), hashes, strict=True)))


def _part(
    top: dict[str, Any],
    body: dict[str, Any],
    events: list[dict[str, Any]],
    hashes: list[str],
) -> dict[str, Any]:
    return {
        "document": {**top, "epcisBody": {**body, "eventList": events}},
        "event_hashes": hashes,
    }


def _on_bytes(bar: Progress, description: str, total: int) -> Callable[[int], None]:
    task = bar.add_task(description, total=total)
    return lambda done: bar.update(task, completed=done)


def _header(path: Path, bar: Progress) -> dict[str, Any]:
    from verifiers.epcis.stream import StreamError, read_header

    try:
        return read_header(path, _on_bytes(bar, "read", path.stat().st_size))
    except StreamError as exc:
        fail(f"{path}: {exc}")


def _print_errors(path: Path, errors: list[tuple[str, str]], count: int) -> None:
    for field, reason in errors[:_MAX_LISTED_ERRORS]:
        err.print(f"  {escape(field)}: {escape(reason)}", highlight=False)
    fail(f"{path}: document does not match the EPCIS 2.0.1 JSON Schema ({count} errors)")


@epcis_app.command("validate")
def epcis_validate(
    file: Annotated[Path, typer.Argument(help="EPCIS 2.0 JSON-LD document.")],
) -> None:
    """Check a document against the EPCIS 2.0.1 JSON Schema (formats checked), streaming."""
    from verifiers.epcis.stream import StreamError, check_events

    with cli_errors():
        size = file.stat().st_size
        errors: list[tuple[str, str]] = []
        count = bad = 0
        with progress() as bar:
            header = _header(file, bar)
            try:
                for checked in check_events(file, header, _on_bytes(bar, "validate", size)):
                    count += 1
                    bad += len(checked.errors)
                    errors.extend(checked.errors[: max(0, _MAX_LISTED_ERRORS - len(errors))])
            except StreamError as exc:
                fail(f"{file}: {exc}")
        if count == 0:
            fail(f"{file}: the document has no events")
        if bad:
            _print_errors(file, errors, bad)
    out.print(f"{file}: valid EPCIS 2.0.1 document, {count} events", highlight=False)


@epcis_app.command("hash")
def epcis_hash(
    file: Annotated[Path, typer.Argument(help="EPCIS 2.0 JSON-LD document.")],
) -> None:
    """Print the GS1 event hash (CBV 2.0 event ID) of every event, one per line, streaming."""
    from verifiers.epcis.event_hash import HashContext, event_hash
    from verifiers.epcis.stream import StreamError, read_header, stream_events

    with cli_errors():
        try:
            header = read_header(file)
            context = HashContext.from_context(header.get("@context"))
            for event in stream_events(file):
                typer.echo(event_hash(event, context))
        except StreamError as exc:
            fail(f"{file}: {exc}")


def _plan(
    file: Path,
    header: dict[str, Any],
    bar: Progress,
    *,
    max_events: int,
    allow_unrelated: bool,
    service: LedgerService | None,
) -> ImportPlan:
    from api.services.epcis_import import plan_import
    from verifiers.epcis.capture import EVENT_KIND
    from verifiers.epcis.relation import LotIndex
    from verifiers.epcis.stream import check_events

    checked = check_events(file, header, _on_bytes(bar, "check", file.stat().st_size))
    if service is None:
        return plan_import(
            checked,
            header,
            max_events=max_events,
            lots=None,
            captured_in=lambda _digest: None,
            allow_unrelated=allow_unrelated,
        )
    with service.store.read_state() as state:
        return plan_import(
            checked,
            header,
            max_events=max_events,
            lots=LotIndex(state),
            captured_in=lambda digest: (state.get(EVENT_KIND, digest) or {}).get("capture_id"),
            allow_unrelated=allow_unrelated,
        )


@epcis_app.command("import")
def epcis_import(
    file: Annotated[Path, typer.Argument(help="EPCIS 2.0 JSON-LD document from a partner.")],
    key: Annotated[str, typer.Option("--key", help="Stored key of the capturing organization.")],
    capture_id: Annotated[
        str | None,
        typer.Option("--capture-id", help="Capture id (default: epcis-<file hash prefix>)."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Say what would be recorded and refused; record nothing."),
    ] = False,
    allow_unrelated: Annotated[
        bool,
        typer.Option(
            "--allow-unrelated", help="Also record events that name no lot of this ledger."
        ),
    ] = False,
    max_events: Annotated[
        int | None,
        typer.Option(
            "--max-events", min=1, help="Event limit (default BIOTRAZA_EPCIS_MAX_EVENTS)."
        ),
    ] = None,
    max_bytes: Annotated[
        int | None,
        typer.Option(
            "--max-bytes", min=1, help="File size limit (default BIOTRAZA_EPCIS_MAX_BYTES)."
        ),
    ] = None,
    server: ServerOpt = None,
) -> None:
    """Capture a partner's EPCIS document into the ledger, signed by an organization key."""
    from api.services.ledger import LedgerService
    from verifiers.epcis.stream import StreamError

    cfg = settings()
    event_limit = max_events or cfg.epcis_max_events
    byte_limit = max_bytes or cfg.epcis_max_bytes
    with cli_errors():
        size = file.stat().st_size
        if size > byte_limit:
            fail(
                f"{file}: {size} bytes is over the limit of {byte_limit} "
                "(BIOTRAZA_EPCIS_MAX_BYTES or --max-bytes); nothing recorded"
            )
        if dry_run and server:
            fail(
                "--dry-run reads the ledger's lots from the local database; run it without --server"
            )
        service = None if server else LedgerService.from_settings(cfg)
        try:
            with progress() as bar:
                header = _header(file, bar)
                try:
                    plan = _plan(
                        file,
                        header,
                        bar,
                        max_events=event_limit,
                        allow_unrelated=allow_unrelated,
                        service=service,
                    )
                except StreamError as exc:
                    fail(f"{file}: {exc}")
        finally:
            if service is not None:
                service.close()
        if plan.errors:
            _print_errors(file, plan.errors, len(plan.errors))
        if dry_run:
            for line in plan.lines():
                out.print(escape(line), highlight=False)
            out.print("dry run: nothing recorded", highlight=False)
            return
        if plan.refused:
            for line in plan.lines():
                err.print(escape(line), highlight=False)
            fail(
                f"{file}: nothing recorded: {plan.refused_count} of {plan.events} events would "
                "be refused"
                + (
                    " (--allow-unrelated records unrelated events)"
                    if plan.refused.get("names no lot of this ledger")
                    else ""
                )
            )
        results = _capture(file, header, cfg, key, capture_id, server, allow_unrelated, plan)
    hashes: list[str] = []
    for part_id, result, part_hashes in results:
        state = "captured" if result["created"] else "already captured"
        out.print(
            f"{part_id}: {len(part_hashes)} events {state} at seq {result['seq']}",
            highlight=False,
        )
        hashes.extend(part_hashes)
    typer.echo(json.dumps({"event_hashes": hashes}, indent=2))


def _capture(
    file: Path,
    header: dict[str, Any],
    cfg: Any,
    key: str,
    capture_id: str | None,
    server: str | None,
    allow_unrelated: bool,
    plan: ImportPlan,
) -> list[tuple[str, dict[str, Any], list[str]]]:
    """Stream the file again and append one capture per statement-sized part."""
    from ledger.statements import sign_statement
    from verifiers.epcis.capture import CAPTURE_TYPE
    from verifiers.epcis.event_hash import HashContext, event_hash
    from verifiers.epcis.stream import stream_events

    digest = hashlib.sha256()
    with file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    base_id = capture_id or f"epcis-{digest.hexdigest()[:16]}"
    signer = load_key(cfg, key)
    context = HashContext.from_context(header.get("@context"))
    pairs = ((event, event_hash(event, context)) for event in stream_events(file))
    parts = split_events(header, pairs)
    results: list[tuple[str, dict[str, Any], list[str]]] = []
    with progress() as bar:
        task = bar.add_task("capture", total=plan.events)
        done = 0
        pending = next(parts, None)
        number = 0
        while pending is not None:
            following = next(parts, None)
            number += 1
            single = number == 1 and following is None
            part_id = base_id if single else f"{base_id}-{number}"
            body = {"capture_id": part_id, **pending}
            if allow_unrelated:
                body["allow_unrelated"] = True
            signed = sign_statement(signer, CAPTURE_TYPE, body)
            results.append((part_id, submit(cfg, signed, server), pending["event_hashes"]))
            done += len(pending["event_hashes"])
            bar.update(task, completed=done)
            pending = following
    return results
