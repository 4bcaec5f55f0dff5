"""Shared parts of the ``biotraza`` command line: the command tree, consoles and helpers.

Every command module imports from here and registers itself on :data:`app` (or one of its
sub-apps); nothing here imports a command module, so imports run one way:
``api.cli.main`` → command modules → ``api.cli.common`` → services and core packages.
Every command that can fail on input prints one clear line to stderr and exits non-zero;
long operations show a progress bar. Writes go straight to the configured database, or to a
server with ``--server URL`` (then the statement is signed here and submitted over HTTP).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api.cli.errors import CliGroup, cli_errors, err, fail

if TYPE_CHECKING:  # types only: the modules load when a command runs
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from api.services.ledger import LedgerService
    from api.settings import Settings
    from ledger.keystore import KeyStore
    from ledger.statements import SignedStatement

__all__ = [
    "CheckpointOpt",
    "OperatorKeyOpt",
    "ProofOpt",
    "ServerOpt",
    "server_option",
    "app",
    "cli_errors",
    "db_app",
    "err",
    "fail",
    "keys_app",
    "keystore",
    "ledger_app",
    "load_key",
    "open_service",
    "opened_service",
    "out",
    "passphrase",
    "progress",
    "proof_app",
    "read_text_arg",
    "settings",
    "submit",
]

app = typer.Typer(cls=CliGroup, no_args_is_help=True, help="Biotraza traceability ledger.")
keys_app = typer.Typer(no_args_is_help=True, help="Manage Ed25519 keys in the key store.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
ledger_app = typer.Typer(no_args_is_help=True, help="Inspect and verify the ledger.")
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
app.add_typer(ledger_app, name="ledger")
proof_app = typer.Typer(no_args_is_help=True, help="Merkle proofs: fetch, and verify offline.")
app.add_typer(proof_app, name="proof")


out = Console(soft_wrap=True)


def _server_option(value: str | None) -> str | None:
    """Check ``--server`` while parsing, before any key is decrypted or statement signed."""
    from api.client import server_url

    if value is None:
        return None
    try:
        return server_url(value)
    except ValueError as exc:
        raise ValueError(f"--server {value!r}: {exc}") from None


def server_option(help_text: str) -> Any:
    """A ``--server`` option checked like :data:`ServerOpt`, for commands whose help must
    say what they do there other than submit (a dry-run evaluation reads, it submits
    nothing)."""
    return typer.Option("--server", help=help_text, callback=_server_option)


ServerOpt = Annotated[
    str | None,
    server_option("Submit to this Biotraza server (http:// or https://) instead of the local DB."),
]


def settings() -> Settings:
    """Settings from the environment."""
    from api.settings import Settings

    return Settings()


def passphrase(cfg: Settings, *, confirm: bool = False) -> str:
    """The key-store passphrase: ``BIOTRAZA_KEY_PASSPHRASE`` or an interactive prompt."""
    if cfg.key_passphrase:
        return cfg.key_passphrase
    if not sys.stdin.isatty():
        fail("set BIOTRAZA_KEY_PASSPHRASE or run in a terminal to be asked for the passphrase")
    value: str = typer.prompt("Key store passphrase", hide_input=True, confirmation_prompt=confirm)
    return value


def keystore(cfg: Settings) -> KeyStore:
    """The configured key store."""
    from ledger.keystore import KeyStore

    return KeyStore(cfg.key_dir)


def load_key(cfg: Settings, name: str) -> Ed25519PrivateKey:
    """Decrypt a stored key."""
    return keystore(cfg).load(name, passphrase(cfg))


def submit(cfg: Settings, signed: SignedStatement, server: str | None) -> dict[str, Any]:
    """Append locally or through a server; return ``{seq, entry_hash, created}``."""
    from api.client import BiotrazaClient
    from api.services.ledger import LedgerService

    if server:
        with BiotrazaClient(server) as client:
            result = client.submit(signed)
            return {"seq": result.seq, "entry_hash": result.entry_hash, "created": result.created}
    service = LedgerService.from_settings(cfg)
    try:
        appended = service.submit(signed)
    finally:
        service.close()
    return {
        "seq": appended.entry.seq,
        "entry_hash": appended.entry.entry_hash.hex(),
        "created": appended.created,
    }


def progress() -> Progress:
    """A progress bar for long operations (to stderr, so --json output stays clean)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


def open_service(cfg: Settings, *, with_operator: bool = False) -> LedgerService:
    """Open the configured ledger (no migration), optionally holding the operator key."""
    from api.services.ledger import LedgerService

    key = load_key(cfg, cfg.operator_key_name) if with_operator else None
    return LedgerService.from_settings(cfg, migrate=False, operator_key=key)


@contextmanager
def opened_service(cfg: Settings, *, with_operator: bool = False) -> Iterator[LedgerService]:
    """The configured ledger for the duration of a command."""
    service = open_service(cfg, with_operator=with_operator)
    try:
        yield service
    finally:
        service.close()


def read_text_arg(value: str) -> str:
    """A literal value, or the contents of the file it names."""
    path = Path(value)
    return path.read_text(encoding="utf-8").strip() if path.is_file() else value.strip()


CheckpointOpt = Annotated[Path, typer.Option("--checkpoint", help="Signed checkpoint file.")]
OperatorKeyOpt = Annotated[
    str, typer.Option("--operator-key", help="C2SP verifier key string, or a file holding it.")
]
ProofOpt = Annotated[Path, typer.Option("--proof", help="Proof JSON file.")]
