"""``biotraza`` commands of the supply chain: submit signed statements, read lots and lineage,
register producers with personal data, erase personal data, rebuild projections.

Writes are signed here with a stored key and appended locally or sent to ``--server``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import (
    ServerOpt,
    app,
    cli_errors,
    fail,
    load_key,
    open_service,
    out,
    progress,
    settings,
    submit,
)

__all__ = ["lot_app", "producer_app"]

lot_app = typer.Typer(no_args_is_help=True, help="Lots: show, lineage.")
producer_app = typer.Typer(no_args_is_help=True, help="Producers and their personal data.")
app.add_typer(lot_app, name="lot")
app.add_typer(producer_app, name="producer")


def read_body(value: str) -> dict[str, Any]:
    """A JSON object from a file path, ``-`` (stdin) or literal JSON text."""
    from ledger.canonical import parse_json_strict

    if value == "-":
        raw: bytes | str = sys.stdin.read()
    elif value.lstrip().startswith("{"):
        raw = value
    else:
        raw = Path(value).read_bytes()
    body = parse_json_strict(raw)
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


@app.command("submit")
def submit_statement(
    entry_type: Annotated[str, typer.Argument(help="Entry type, e.g. lot.harvested.")],
    body: Annotated[str, typer.Option(help="Body JSON: a file, '-' for stdin, or inline JSON.")],
    signer: Annotated[str, typer.Option(help="Stored key that signs the statement.")],
    server: ServerOpt = None,
) -> None:
    """Sign a statement with a stored key and append it (any entry type)."""
    from ledger.statements import sign_statement

    cfg = settings()
    with cli_errors():
        signed = sign_statement(load_key(cfg, signer), entry_type, read_body(body))
        result = submit(cfg, signed, server)
    state = "appended" if result["created"] else "already present"
    out.print(f"{entry_type} {state} at seq {result['seq']} ({result['entry_hash']})")


@lot_app.command("show")
def lot_show(lot_id: str) -> None:
    """Print a lot as JSON."""
    from api.services.supply import document as read_document

    cfg = settings()
    with cli_errors():
        service = open_service(cfg)
        try:
            typer.echo(
                json.dumps(read_document(service, "lot", lot_id), indent=2, ensure_ascii=False)
            )
        finally:
            service.close()


@lot_app.command("lineage")
def lot_lineage(
    lot_id: str,
    downstream: Annotated[bool, typer.Option("--downstream", help="Lots made from it.")] = False,
) -> None:
    """Print a lot's upstream (or downstream) lineage as JSON."""
    from api.services.supply import lineage

    cfg = settings()
    with cli_errors():
        service = open_service(cfg)
        try:
            graph = lineage(service, lot_id, "downstream" if downstream else "upstream")
        finally:
            service.close()
    typer.echo(json.dumps(graph, indent=2, ensure_ascii=False))


@producer_app.command("register")
def producer_register(
    producer_id: str,
    name: Annotated[str, typer.Option(help="Full name (kept outside the ledger).")],
    signer: Annotated[str, typer.Option(help="The association's stored key.")],
    curp: Annotated[str | None, typer.Option(help="CURP (validated, kept outside).")] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    community: Annotated[str | None, typer.Option(help="Community (public).")] = None,
    consent_name: Annotated[
        bool, typer.Option(help="The producer consents to publishing the name.")
    ] = False,
    gender: Annotated[
        str | None, typer.Option(help="female, male or other (kept outside the ledger).")
    ] = None,
    birth_year: Annotated[
        int | None, typer.Option(help="Year of birth (kept outside the ledger).")
    ] = None,
    indigenous_speaker: Annotated[
        bool | None,
        typer.Option(
            "--indigenous-speaker/--not-indigenous-speaker",
            help="Speaks an Indigenous language (kept outside the ledger).",
        ),
    ] = None,
    consent_statistics: Annotated[
        bool,
        typer.Option(
            help="The producer consents that gender, age and language count in aggregate "
            "programme figures (groups under 5 hidden)."
        ),
    ] = False,
    server: ServerOpt = None,
) -> None:
    """Register a producer: a pseudonymous entry plus an erasable personal-data record.

    Gender, year of birth and Indigenous language are personal data: they go to the record,
    never to the ledger entry."""
    from api.client import BiotrazaClient
    from api.services.supply import personal_record, register_producer
    from ledger.statements import sign_statement
    from ledger.supply.producers import new_salt, personal_data_hash

    cfg = settings()
    with cli_errors():
        data = personal_record(
            name=name,
            curp=curp,
            phone=phone,
            consent_to_publish_name=consent_name,
            gender=gender,
            birth_year=birth_year,
            indigenous_language_speaker=indigenous_speaker,
            consent_to_statistics=consent_statistics,
        )
        salt = new_salt()
        body: dict[str, Any] = {
            "producer_id": producer_id,
            "pii_hash": personal_data_hash(salt, data),
        }
        if community:
            body["community"] = community
        signed = sign_statement(load_key(cfg, signer), "producer.registered", body)
        if server:
            with BiotrazaClient(server) as client:
                seq = client.register_producer(signed, data, salt).seq
        else:
            service = open_service(cfg)
            try:
                seq = register_producer(service, signed, data, salt).entry.seq
            finally:
                service.close()
    out.print(f"producer {producer_id} registered at seq {seq}; personal data kept off-ledger")


@producer_app.command("personal-data")
def producer_personal_data(producer_id: str) -> None:
    """Print a producer's personal data (local database only)."""
    from api.services.supply import personal_data

    cfg = settings()
    with cli_errors():
        service = open_service(cfg)
        try:
            record = personal_data(service, producer_id)
        finally:
            service.close()
    if record is None:
        fail(f"no personal data for producer {producer_id} (never recorded, or erased)")
    typer.echo(
        json.dumps({"producer_id": producer_id, **record.data}, ensure_ascii=False, indent=2)
    )


@producer_app.command("erase")
def producer_erase(
    producer_id: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a producer's personal data for good; the ledger keeps verifying."""
    from api.services.supply import erase_personal_data

    cfg = settings()
    if not yes and not typer.confirm(f"Erase the personal data of {producer_id}?"):
        fail("not erased")
    with cli_errors():
        service = open_service(cfg)
        try:
            erased = erase_personal_data(service, producer_id)
        finally:
            service.close()
    out.print(f"personal data of {producer_id} {'erased' if erased else 'was already absent'}")


@app.command()
def rebuild() -> None:
    """Drop every projection and replay it from the ledger (verifying as it goes)."""
    cfg = settings()
    with cli_errors():
        service = open_service(cfg)
        try:
            total = service.head().size
            with progress() as bar:
                task = bar.add_task("replaying entries", total=total)
                size = service.rebuild(on_entry=lambda _seq: bar.advance(task))
        finally:
            service.close()
    out.print(f"[green]ok[/]: projections rebuilt from {size} entries")
