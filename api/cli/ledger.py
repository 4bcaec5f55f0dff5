"""``biotraza init``, ``db upgrade``, ``ledger verify|head``, ``checkpoint`` and ``log-key``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import (
    app,
    cli_errors,
    db_app,
    fail,
    ledger_app,
    open_service,
    out,
    passphrase,
    progress,
    settings,
)
from api.services.genesis import init_ledger
from api.services.ledger import LedgerService
from ledger.errors import IntegrityError


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (idempotent)."""
    cfg = settings()
    with cli_errors():
        LedgerService.open(cfg.resolved_database_url).close()
    out.print(f"database at the latest revision: {cfg.resolved_database_url}")


@app.command()
def init(
    root_key: Annotated[
        str, typer.Option(help="Name of the root key (created if missing).")
    ] = "root",
    operator_key: Annotated[str, typer.Option(help="Name of the log operator key.")] = "operator",
) -> None:
    """Create the database and the genesis entry naming the root and operator keys."""
    cfg = settings()
    with cli_errors():
        result = init_ledger(cfg, passphrase(cfg, confirm=True), root_key, operator_key)
    for name in result["created_keys"]:
        out.print(f"created key {name}")
    state = "created" if result["created"] else "already present"
    out.print(f"genesis {state}: {result['entry_hash']} ({cfg.resolved_database_url})")


@ledger_app.command("verify")
def ledger_verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    jobs: Annotated[
        int | None,
        typer.Option(help="Processes checking signatures beside the replay (default: auto)."),
    ] = None,
) -> None:
    """Re-check every entry: canonical bytes, hashes, chain, signatures, authorization, schema."""
    cfg = settings()
    with cli_errors():
        service = LedgerService.open(cfg.resolved_database_url, migrate=False)
        try:
            total = service.head().size
            with progress() as bar:
                task = bar.add_task("verifying entries", total=total)
                try:
                    result = service.verify(on_entry=lambda _seq: bar.advance(task), workers=jobs)
                except IntegrityError as exc:
                    bar.stop()
                    if as_json:
                        typer.echo(
                            json.dumps({"ok": False, "bad_seq": exc.seq, "reason": str(exc)})
                        )
                        raise typer.Exit(1) from exc
                    fail(f"verification failed at seq {exc.seq}: {exc}")
        finally:
            service.close()
    if as_json:
        typer.echo(
            json.dumps({"ok": True, "size": result.size, "head_hash": result.head_hash.hex()})
        )
    else:
        out.print(f"[green]ok[/]: {result.size} entries verified; head {result.head_hash.hex()}")


@ledger_app.command("head")
def ledger_head() -> None:
    """Print the chain head (size and last entry hash)."""
    cfg = settings()
    with cli_errors():
        service = LedgerService.open(cfg.resolved_database_url, migrate=False)
        try:
            head = service.head()
        finally:
            service.close()
    typer.echo(json.dumps({"size": head.size, "head_hash": head.last_hash.hex()}))


@app.command()
def checkpoint(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write it here.")
    ] = None,
) -> None:
    """Sign (with the operator key) and print a checkpoint of the current tree."""
    cfg = settings()
    with cli_errors():
        service = open_service(cfg, with_operator=True)
        try:
            note = service.checkpoint().note
        finally:
            service.close()
        if output is not None:
            output.write_text(note, encoding="utf-8")
    typer.echo(note, nl=False)


@app.command("log-key")
def log_key() -> None:
    """Print the operator's C2SP verifier key (what offline verifiers need)."""
    cfg = settings()
    with cli_errors():
        service = open_service(cfg)
        try:
            typer.echo(service.log_info().verifier_key)
        finally:
            service.close()
