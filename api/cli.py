"""The ``biotraza`` command line: thin commands over ``api.services.ledger`` and the HTTP client.

Every command that can fail on input prints one clear line to stderr and exits non-zero;
long operations show a progress bar. Writes go straight to the configured database, or to a
server with ``--server URL`` (then the statement is signed here and submitted over HTTP).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from api.client import BiotrazaClient, ClientError, entry_from_public
from api.services.ledger import LedgerService, projection_key
from api.settings import Settings
from ledger.canonical import parse_json_strict
from ledger.checkpoints import parse_verifier_key
from ledger.errors import IntegrityError, LedgerError
from ledger.keys import encode_public_key
from ledger.keystore import KeyStore, load_pem_ed25519
from ledger.statements import SignedStatement, schema_errors, sign_statement
from ledger.transparency import (
    ConsistencyProofDocument,
    InclusionProofDocument,
    parse_proof_document,
    verify_consistency_document,
    verify_inclusion_document,
)
from ledger.trust import GENESIS_TYPE

__all__ = ["app", "main"]

app = typer.Typer(no_args_is_help=True, help="Biotraza traceability ledger.")
keys_app = typer.Typer(no_args_is_help=True, help="Manage Ed25519 keys in the key store.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
ledger_app = typer.Typer(no_args_is_help=True, help="Inspect and verify the ledger.")
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
app.add_typer(ledger_app, name="ledger")
proof_app = typer.Typer(no_args_is_help=True, help="Merkle proofs: fetch, and verify offline.")
app.add_typer(proof_app, name="proof")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ServerOpt = Annotated[
    str | None,
    typer.Option("--server", help="Submit to this Biotraza server instead of the local DB."),
]


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error line and exit non-zero."""
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn expected failures into one line and an exit code, never a traceback."""
    try:
        yield
    except ClientError as exc:
        details = "; ".join(f"{f['field']}: {f['reason']}" for f in exc.fields)
        fail(f"{exc}" + (f" ({details})" if details else ""))
    except LedgerError as exc:
        fail(str(exc))
    except ValidationError as exc:
        fail("; ".join(f"{field}: {reason}" for field, reason in schema_errors(exc)))
    except (OSError, ValueError) as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        # The driver's own first line ("connection refused", "no such table") says what is
        # wrong; SQLAlchemy's wrapping adds only the statement and a link.
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        fail(f"database error: {reason} (check BIOTRAZA_DATABASE_URL and that the server is up)")


def settings() -> Settings:
    """Settings from the environment."""
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
    return KeyStore(cfg.key_dir)


def load_key(cfg: Settings, name: str) -> Ed25519PrivateKey:
    """Decrypt a stored key."""
    return keystore(cfg).load(name, passphrase(cfg))


def submit(cfg: Settings, signed: SignedStatement, server: str | None) -> dict[str, Any]:
    """Append locally or through a server; return ``{seq, entry_hash, created}``."""
    if server:
        with BiotrazaClient(server) as client:
            result = client.submit(signed)
            return {"seq": result.seq, "entry_hash": result.entry_hash, "created": result.created}
    service = LedgerService.open(cfg.resolved_database_url, seal_key=projection_key(cfg.data_dir))
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


# --------------------------------------------------------------------------- keys


@keys_app.command("new")
def keys_new(
    name: Annotated[str, typer.Argument(help="Key name, e.g. root or certifier-ccpm.")],
) -> None:
    """Create an Ed25519 key, stored encrypted (PKCS#8) in the key store."""
    cfg = settings()
    with cli_errors():
        info = keystore(cfg).create(name, passphrase(cfg, confirm=True))
    out.print(f"created key [bold]{info.name}[/] id {info.key_id}")
    out.print(f"public key {info.public_key}")


@keys_app.command("list")
def keys_list() -> None:
    """List stored keys (name, key id, public key); needs no passphrase."""
    cfg = settings()
    with cli_errors():
        infos = keystore(cfg).list()
    table = Table("name", "key id", "public key")
    for info in infos:
        table.add_row(info.name, info.key_id, info.public_key)
    out.print(table)


@keys_app.command("export")
def keys_export(name: str) -> None:
    """Print a key's public half as JSON (name, key_id, public_key)."""
    cfg = settings()
    with cli_errors():
        info = keystore(cfg).info(name)
    typer.echo(
        json.dumps({"name": info.name, "key_id": info.key_id, "public_key": info.public_key})
    )


@keys_app.command("import")
def keys_import(
    name: Annotated[str, typer.Argument(help="Name to store the key under.")],
    pem_file: Annotated[Path, typer.Argument(help="PKCS#8 PEM file of an Ed25519 key.")],
    pem_passphrase: Annotated[
        str | None, typer.Option(help="Passphrase of the PEM file, if it is encrypted.")
    ] = None,
) -> None:
    """Store a key generated elsewhere (e.g. by a certifier), encrypted like the others."""
    cfg = settings()
    with cli_errors():
        private_key = load_pem_ed25519(pem_file.read_bytes(), pem_passphrase)
        info = keystore(cfg).save(name, private_key, passphrase(cfg, confirm=True))
    out.print(f"{info.name}: {info.key_id}")


def parse_scope(items: list[str]) -> dict[str, str]:
    """``["k=v", …]`` as a dict.

    Raises:
        ValueError: an item without ``=`` or with an empty key, or a key given twice.
    """
    scope: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise ValueError(f"--scope {item!r}: expected KEY=VALUE")
        if key in scope:
            raise ValueError(f"--scope {key} given twice")
        scope[key] = value
    return scope


@keys_app.command("grant")
def keys_grant(
    name: Annotated[str, typer.Argument(help="Stored key to delegate a role to.")],
    role: Annotated[
        str, typer.Option(help="root, operator, registrar, certifier or label_issuer.")
    ],
    signer: Annotated[
        str, typer.Option(help="Stored root key that signs the delegation.")
    ] = "root",
    scope: Annotated[
        list[str],
        typer.Option(help="Scope as KEY=VALUE, e.g. certifier_id=certimex (repeat)."),
    ] = [],  # noqa: B006 - typer reads list defaults, never mutates them
    server: ServerOpt = None,
) -> None:
    """Record key.added: a root key delegates ROLE to the stored key NAME."""
    cfg = settings()
    with cli_errors():
        info = keystore(cfg).info(name)
        body: dict[str, Any] = {"name": info.name, "public_key": info.public_key, "role": role}
        if scope:
            body["scope"] = parse_scope(scope)
        signed = sign_statement(load_key(cfg, signer), "key.added", body)
        result = submit(cfg, signed, server)
    out.print(f"key {info.key_id} granted {role} at seq {result['seq']}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="Key id (32 hex) to revoke.")],
    reason: Annotated[str, typer.Option(help="Why, for the record.")],
    signer: Annotated[str, typer.Option(help="Stored root key that signs.")] = "root",
    server: ServerOpt = None,
) -> None:
    """Record key.revoked: the key signs nothing valid from this position on."""
    cfg = settings()
    with cli_errors():
        signed = sign_statement(
            load_key(cfg, signer), "key.revoked", {"key_id": key_id, "reason": reason}
        )
        result = submit(cfg, signed, server)
    out.print(f"key {key_id} revoked at seq {result['seq']}")


# --------------------------------------------------------------------------- db / init


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (idempotent)."""
    cfg = settings()
    with cli_errors():
        service = LedgerService.open(
            cfg.resolved_database_url, seal_key=projection_key(cfg.data_dir)
        )
        try:
            resealed = service.reseal_if_needed()
        finally:
            service.close()
    out.print(f"database at the latest revision: {cfg.resolved_database_url}")
    if resealed is not None:
        out.print(f"projections rebuilt from {resealed} verified entries and sealed")


def ensure_key(cfg: Settings, store: KeyStore, name: str, secret: str) -> Ed25519PrivateKey:
    """Load a stored key, creating it first if it does not exist."""
    if not store.exists(name):
        store.create(name, secret)
        out.print(f"created key {name}")
    return store.load(name, secret)


def init_ledger(
    cfg: Settings,
    secret: str,
    root_name: str = "root",
    operator_name: str = "operator",
    *,
    ts: str | None = None,
) -> dict[str, Any]:
    """Create keys if needed, migrate, and append genesis if the ledger is empty.

    ``ts`` fixes the genesis time (the demo uses it so its timeline starts at genesis).
    """
    store = keystore(cfg)
    root = ensure_key(cfg, store, root_name, secret)
    operator = ensure_key(cfg, store, operator_name, secret)
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    service = LedgerService.open(cfg.resolved_database_url, seal_key=projection_key(cfg.data_dir))
    try:
        head = service.head()
        if head.size:
            genesis = service.entry(0)
            return {"seq": 0, "entry_hash": genesis.entry_hash.hex(), "created": False}
        signed = sign_statement(
            root,
            GENESIS_TYPE,
            {
                "origin": cfg.origin,
                "root_keys": [{"name": root_name, "public_key": encode_public_key(root)}],
                "operator_key": {"name": operator_name, "public_key": encode_public_key(operator)},
            },
            ts=ts,
        )
        result = service.submit(signed)
        return {"seq": 0, "entry_hash": result.entry.entry_hash.hex(), "created": True}
    finally:
        service.close()


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
    state = "created" if result["created"] else "already present"
    out.print(f"genesis {state}: {result['entry_hash']} ({cfg.resolved_database_url})")


# --------------------------------------------------------------------------- ledger


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
        service = LedgerService.open(
            cfg.resolved_database_url, seal_key=projection_key(cfg.data_dir), migrate=False
        )
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
    cfg = settings()
    with cli_errors():
        service = LedgerService.open(
            cfg.resolved_database_url, seal_key=projection_key(cfg.data_dir), migrate=False
        )
        try:
            head = service.head()
        finally:
            service.close()
    typer.echo(json.dumps({"size": head.size, "head_hash": head.last_hash.hex()}))


# --------------------------------------------------------------------------- transparency


def open_service(cfg: Settings, *, with_operator: bool = False) -> LedgerService:
    """Open the configured ledger (no migration), optionally holding the operator key."""
    key = load_key(cfg, cfg.operator_key_name) if with_operator else None
    return LedgerService.open(
        cfg.resolved_database_url,
        seal_key=projection_key(cfg.data_dir),
        migrate=False,
        operator_key=key,
    )


@contextmanager
def opened_service(cfg: Settings, *, with_operator: bool = False) -> Iterator[LedgerService]:
    """The configured ledger for the duration of a command."""
    service = open_service(cfg, with_operator=with_operator)
    try:
        yield service
    finally:
        service.close()


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


@proof_app.command("inclusion")
def proof_inclusion(
    seq: int,
    tree_size: Annotated[int | None, typer.Option(help="Tree size (default: current).")] = None,
) -> None:
    """Print the inclusion proof of entry SEQ as JSON."""
    cfg = settings()
    with cli_errors():
        service = open_service(cfg)
        try:
            document = service.inclusion(seq, tree_size)
        finally:
            service.close()
    typer.echo(document.model_dump_json(indent=2))


@proof_app.command("consistency")
def proof_consistency(
    first: int,
    second: Annotated[int | None, typer.Argument(help="Larger size (default: current).")] = None,
) -> None:
    """Print the consistency proof between tree sizes FIRST and SECOND as JSON."""
    cfg = settings()
    with cli_errors():
        service = open_service(cfg)
        try:
            document = service.consistency(first, second)
        finally:
            service.close()
    typer.echo(document.model_dump_json(indent=2))


def read_text_arg(value: str) -> str:
    """A literal value, or the contents of the file it names."""
    path = Path(value)
    return path.read_text(encoding="utf-8").strip() if path.is_file() else value.strip()


CheckpointOpt = Annotated[Path, typer.Option("--checkpoint", help="Signed checkpoint file.")]
OperatorKeyOpt = Annotated[
    str, typer.Option("--operator-key", help="C2SP verifier key string, or a file holding it.")
]
ProofOpt = Annotated[Path, typer.Option("--proof", help="Proof JSON file.")]


@proof_app.command("verify-inclusion")
def proof_verify_inclusion(
    checkpoint_file: CheckpointOpt,
    operator_key: OperatorKeyOpt,
    proof_file: ProofOpt,
    entry_file: Annotated[
        Path | None, typer.Option("--entry", help="Entry JSON; its hash must be the leaf.")
    ] = None,
) -> None:
    """Offline: the entry is in the tree the operator signed. Needs no database."""
    with cli_errors():
        origin, _kid, public = parse_verifier_key(read_text_arg(operator_key))
        proof = parse_proof_document(
            parse_json_strict(proof_file.read_bytes()), InclusionProofDocument
        )
        leaf = None
        if entry_file is not None:
            leaf = entry_from_public(parse_json_strict(entry_file.read_bytes())).entry_hash
        verified = verify_inclusion_document(
            proof, checkpoint_file.read_text(encoding="utf-8"), origin, public, leaf
        )
    out.print(
        f"[green]ok[/]: entry {proof.leaf_index} is in {origin} at tree size {verified.tree_size}"
    )


@proof_app.command("verify-consistency")
def proof_verify_consistency(
    checkpoint_file: CheckpointOpt,
    operator_key: OperatorKeyOpt,
    proof_file: ProofOpt,
    old_checkpoint: Annotated[
        Path | None, typer.Option(help="The older signed checkpoint (recommended).")
    ] = None,
) -> None:
    """Offline: the older tree is a prefix of the checkpointed one (nothing rewritten)."""
    with cli_errors():
        origin, _kid, public = parse_verifier_key(read_text_arg(operator_key))
        proof = parse_proof_document(
            parse_json_strict(proof_file.read_bytes()), ConsistencyProofDocument
        )
        old_note = old_checkpoint.read_text(encoding="utf-8") if old_checkpoint else None
        new, _old_root = verify_consistency_document(
            proof, checkpoint_file.read_text(encoding="utf-8"), origin, public, old_note
        )
    source = "signed old checkpoint" if old_checkpoint else "root stated in the proof"
    out.print(f"[green]ok[/]: tree {proof.first} ({source}) is a prefix of tree {new.tree_size}")


# --------------------------------------------------------------------------- serve / demo


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP API (uvicorn)."""
    import uvicorn

    cfg = settings()
    with cli_errors():
        LedgerService.open(
            cfg.resolved_database_url, seal_key=projection_key(cfg.data_dir)
        ).close()  # migrate once, before workers
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or cfg.host,
        port=port or cfg.port,
        workers=workers,
    )


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option(help="Where the demo ledger and keys go.")] = Path(
        "biotraza-demo"
    ),
    run_server: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the server afterwards.")
    ] = True,
    port: Annotated[int, typer.Option(help="Port for --serve.")] = 8000,
    database_url: Annotated[
        str | None,
        typer.Option(help="Put the demo in this database instead of SQLite under DATA_DIR."),
    ] = None,
) -> None:
    """Build the demo ledger (SQLite under DATA_DIR by default) and serve it.

    The demo never writes into the configured ledger: it uses DATA_DIR (not
    BIOTRAZA_DATA_DIR) and its own SQLite file unless --database-url is given.
    """
    from api.demo import build_demo

    os.environ["BIOTRAZA_DATA_DIR"] = str(data_dir.resolve())
    os.environ.pop("BIOTRAZA_DATABASE_URL", None)
    if database_url:
        os.environ["BIOTRAZA_DATABASE_URL"] = database_url
    os.environ.setdefault("BIOTRAZA_KEY_PASSPHRASE", "demo-passphrase-not-secret")
    cfg = settings()
    with cli_errors():
        summary = build_demo(cfg)
    out.print(f"demo ledger: {summary['size']} entries in {cfg.resolved_database_url}")
    base = f"http://{cfg.host}:{port}"
    out.print(f"lots:   {base}/  (index of export lots, Spanish/English)", highlight=False)
    for name, label in summary.get("labels", {}).items():
        out.print(f"label {name:15} {base}{label['path']}", highlight=False)
    if run_server:
        out.print(f"serving on {base}/  (API reference: {base}/docs)", highlight=False)
        serve(host=None, port=port, workers=1)


def main() -> None:
    """Console-script entry point."""
    app()


# The supply-chain commands live in their own module and register themselves on `app`;
# imported last because that module imports the helpers defined above.
import api.cli_supply  # noqa: E402, F401, I001
import api.cli_certification  # noqa: E402, F401, I001
import api.cli_exports  # noqa: E402, F401, I001
import api.cli_evidence  # noqa: E402, F401, I001
import api.cli_audit  # noqa: E402, F401, I001
import api.cli_epcis  # noqa: E402, F401, I001
import api.cli_labels  # noqa: E402, F401, I001
