"""``biotraza init``, ``db upgrade``, ``ledger verify|head``, ``checkpoint`` and ``log-key``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:  # types only: the modules load when a command runs
    from api.settings import Settings


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (idempotent)."""
    from api.services.ledger import LedgerService
    from ledger.storage.sql import redact_url

    cfg = settings()
    with cli_errors():
        service = LedgerService.from_settings(cfg)
        try:
            resealed = service.reseal_if_needed()
        finally:
            service.close()
    out.print(f"database at the latest revision: {redact_url(cfg.resolved_database_url)}")
    if resealed is not None:
        out.print(f"projections rebuilt from {resealed} verified entries and sealed")


ORIGIN_EXAMPLE = "ledger.your-association.mx/log"
RESOLVER_EXAMPLE = "qr.your-association.mx"


def _origin(cfg: Settings, given: str | None) -> str:
    """The log's name: the flag, else ``BIOTRAZA_ORIGIN``, else asked in a terminal."""
    from api.services.placeholders import is_placeholder, placeholder_reason

    origin = given or cfg.origin
    if origin is None:
        if not sys.stdin.isatty():
            fail(
                "--origin: the log needs a name, its own domain and path, e.g. "
                f"--origin {ORIGIN_EXAMPLE} (or set BIOTRAZA_ORIGIN)"
            )
        origin = str(typer.prompt(f"Name of this log (e.g. {ORIGIN_EXAMPLE})")).strip()
    if is_placeholder(origin):
        fail(f"--origin: {placeholder_reason(origin)}; use your own domain, e.g. {ORIGIN_EXAMPLE}")
    return origin


def _resolver_hosts(given: list[str]) -> list[str]:
    """The resolver hosts: the flags, else asked in a terminal (blank: decide later)."""
    if given or not sys.stdin.isatty():
        return given
    answer = typer.prompt(
        f"Host your labels' QR codes will point to (e.g. {RESOLVER_EXAMPLE}; blank: later)",
        default="",
        show_default=False,
    )
    return [host for host in answer.replace(",", " ").split() if host]


@app.command()
def init(
    origin: Annotated[
        str | None,
        typer.Option(
            help=f"The log's name in its checkpoints, e.g. {ORIGIN_EXAMPLE} "
            "(default: BIOTRAZA_ORIGIN; asked in a terminal). Permanent."
        ),
    ] = None,
    resolver_host: Annotated[
        list[str],
        typer.Option(
            "--resolver-host",
            help=f"Host that label QR codes point to, e.g. {RESOLVER_EXAMPLE} (repeat; "
            "asked in a terminal). Recorded as label.resolvers.",
        ),
    ] = [],  # noqa: B006 - typer reads list defaults, never mutates them
    root_key: Annotated[
        str, typer.Option(help="Name of the root key (created if missing).")
    ] = "root",
    operator_key: Annotated[str, typer.Option(help="Name of the log operator key.")] = "operator",
) -> None:
    """Create the database, the genesis entry naming the log and its root and operator keys,
    and record the resolver hosts labels will point to."""
    from api.services.genesis import init_ledger
    from api.services.labels import printable_host

    cfg = settings()
    with cli_errors():
        name = _origin(cfg, origin)
        hosts = _resolver_hosts(resolver_host)
        for host in hosts:
            printable_host(host)
        result = init_ledger(
            cfg,
            passphrase(cfg, confirm=True),
            root_key,
            operator_key,
            origin=name,
            resolver_hosts=hosts,
        )
    for key_name in result["created_keys"]:
        out.print(f"created key {key_name}")
    state = "created" if result["created"] else "already present"
    out.print(f"genesis {state}: {result['entry_hash']} (log {result['origin']})")
    if result["resolvers_seq"] is not None:
        out.print(f"resolver hosts {' '.join(hosts)} recorded at seq {result['resolvers_seq']}")
    elif not hosts:
        out.print(
            "no resolver host given: record one before issuing labels "
            "(biotraza label resolvers HOST)"
        )


@ledger_app.command("verify")
def ledger_verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    jobs: Annotated[
        int | None,
        typer.Option(help="Processes checking signatures beside the replay (default: auto)."),
    ] = None,
) -> None:
    """Re-check every entry: canonical bytes, hashes, chain, signatures, authorization, schema."""
    from api.services.ledger import LedgerService
    from ledger.errors import IntegrityError

    cfg = settings()
    with cli_errors():
        service = LedgerService.from_settings(cfg, migrate=False)
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
                    where = "" if exc.seq is None else f" at seq {exc.seq}"
                    fail(f"verification failed{where}: {exc}")
        finally:
            service.close()
    if as_json:
        document = {"ok": True, "size": result.size, "head_hash": result.head_hash.hex()}
        typer.echo(json.dumps({**document, "legacy_entries": result.legacy_entries}))
    else:
        legacy = result.legacy_entries
        note = f" ({legacy} legacy, judged at their ts: no log_time)" if legacy else ""
        out.print(
            f"[green]ok[/]: {result.size} entries verified{note}; head {result.head_hash.hex()}"
        )


@ledger_app.command("head")
def ledger_head() -> None:
    """Print the chain head (size and last entry hash)."""
    from api.services.ledger import LedgerService

    cfg = settings()
    with cli_errors():
        service = LedgerService.from_settings(cfg, migrate=False)
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
            note = service.issue_checkpoint().note
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
