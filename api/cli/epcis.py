"""``biotraza epcis …``: validate, hash and import (capture) partner EPCIS 2.0 documents.

``biotraza epcis import FILE --key NAME`` checks the document against the EPCIS 2.0.1 schema
(printing every error with its JSON path and exiting 1 when it fails), computes each event's
hash, and appends ``epcis.events.captured`` entries signed by the named organization key —
locally or on ``--server``. A document whose statement would exceed the ledger's size limit
is captured in several entries (``<capture-id>-1``, ``-2``…), events split in order, with a
progress bar. ``validate`` and ``hash`` do the checks alone, without writing anything.

Left out: the XML binding (JSON-LD only).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

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
from ledger.canonical import canonicalize, parse_json_strict
from ledger.errors import SchemaError
from ledger.statements import MAX_STATEMENT_BYTES, sign_statement
from verifiers.epcis.capture import CAPTURE_TYPE, check_capture_document
from verifiers.epcis.event_hash import document_events

__all__ = ["epcis_app", "split_document"]

epcis_app = typer.Typer(no_args_is_help=True, help="GS1 EPCIS 2.0: validate, hash, import.")
app.add_typer(epcis_app, name="epcis")

_ENVELOPE_BYTES = 1024
"""Room for the statement's own fields (type, actor, ts, nonce, capture id) around the body."""


def _read(path: Path) -> dict[str, Any]:
    document = parse_json_strict(path.read_bytes())
    if not isinstance(document, dict):
        fail(f"{path}: expected a JSON object (an EPCISDocument)")
    return document


def _checked(document: dict[str, Any], path: Path) -> list[str]:
    try:
        return check_capture_document(document)
    except SchemaError as exc:
        for field, reason in exc.errors:
            err.print(f"  {escape(field)}: {escape(reason)}", highlight=False)
        fail(f"{path}: {exc}")


def split_document(document: dict[str, Any], hashes: list[str]) -> list[dict[str, Any]]:
    """Split a document into capture bodies that each fit one statement, events in order.

    Returns:
        ``[{"document": …, "event_hashes": […]}, …]`` — one item when the whole fits.

    Raises:
        ValueError: one event alone is too large for a statement.
    """
    events = document_events(document)
    limit = MAX_STATEMENT_BYTES - _ENVELOPE_BYTES
    head = {k: v for k, v in document.items() if k != "epcisBody"}
    base = len(canonicalize({**head, "epcisBody": {"eventList": []}, "event_hashes": []}))
    parts: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    batch_hashes: list[str] = []
    size = base
    for event, digest in zip(events, hashes, strict=True):
        cost = len(canonicalize(event)) + len(digest) + 4
        if base + cost > limit:
            raise ValueError(f"event {digest} alone is larger than a ledger statement")
        if batch and size + cost > limit:
            parts.append(_part(head, batch, batch_hashes))
            batch, batch_hashes, size = [], [], base
        batch.append(event)
        batch_hashes.append(digest)
        size += cost
    parts.append(_part(head, batch, batch_hashes))
    return parts


def _part(head: dict[str, Any], events: list[dict[str, Any]], hashes: list[str]) -> dict[str, Any]:
    return {"document": {**head, "epcisBody": {"eventList": events}}, "event_hashes": hashes}


@epcis_app.command("validate")
def epcis_validate(
    file: Annotated[Path, typer.Argument(help="EPCIS 2.0 JSON-LD document.")],
) -> None:
    """Check a document against the EPCIS 2.0.1 JSON Schema (formats checked)."""
    with cli_errors():
        hashes = _checked(_read(file), file)
    out.print(f"{file}: valid EPCIS 2.0.1 document, {len(hashes)} events", highlight=False)


@epcis_app.command("hash")
def epcis_hash(
    file: Annotated[Path, typer.Argument(help="EPCIS 2.0 JSON-LD document.")],
) -> None:
    """Print the GS1 event hash (CBV 2.0 event ID) of every event, one per line."""
    with cli_errors():
        hashes = _checked(_read(file), file)
    for digest in hashes:
        typer.echo(digest)


@epcis_app.command("import")
def epcis_import(
    file: Annotated[Path, typer.Argument(help="EPCIS 2.0 JSON-LD document from a partner.")],
    key: Annotated[str, typer.Option("--key", help="Stored key of the capturing organization.")],
    capture_id: Annotated[
        str | None,
        typer.Option("--capture-id", help="Capture id (default: epcis-<file hash prefix>)."),
    ] = None,
    server: ServerOpt = None,
) -> None:
    """Capture a partner's EPCIS document into the ledger, signed by an organization key."""
    cfg = settings()
    with cli_errors():
        raw = file.read_bytes()
        document = _read(file)
        hashes = _checked(document, file)
        parts = split_document(document, hashes)
        base_id = capture_id or f"epcis-{hashlib.sha256(raw).hexdigest()[:16]}"
        signer = load_key(cfg, key)
        results = []
        with progress() as bar:
            task = bar.add_task("capture", total=len(parts))
            for number, part in enumerate(parts, start=1):
                part_id = base_id if len(parts) == 1 else f"{base_id}-{number}"
                signed = sign_statement(signer, CAPTURE_TYPE, {"capture_id": part_id, **part})
                results.append((part_id, submit(cfg, signed, server), len(part["event_hashes"])))
                bar.update(task, completed=number)
    for part_id, result, count in results:
        state = "captured" if result["created"] else "already captured"
        out.print(f"{part_id}: {count} events {state} at seq {result['seq']}", highlight=False)
    typer.echo(json.dumps({"event_hashes": hashes}, indent=2))
