"""``biotraza keys …``: create, list, export, import, grant and revoke Ed25519 keys."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from api.cli.common import (
    ServerOpt,
    cli_errors,
    keys_app,
    keystore,
    load_key,
    opened_service,
    out,
    passphrase,
    settings,
    submit,
)
from api.cli.secrets import read_pem_passphrase, read_secret_file

if TYPE_CHECKING:
    from api.settings import Settings


@keys_app.command("new")
def keys_new(
    name: Annotated[str, typer.Argument(help="Key name, e.g. root or certifier-ccpm.")],
) -> None:
    """Create an Ed25519 key, encrypted (Argon2id + AES-256-GCM) under the store's passphrase."""
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
def keys_export(
    name: Annotated[str, typer.Argument(help="Stored key name.")],
    public: Annotated[
        bool,
        typer.Option(
            "--public", help="Print only the base64url public key (to paste into a body)."
        ),
    ] = False,
) -> None:
    """Print a key's public half as JSON (name, key_id, public_key); never the private key."""
    cfg = settings()
    with cli_errors():
        info = keystore(cfg).info(name)
    if public:
        typer.echo(info.public_key)
        return
    typer.echo(
        json.dumps({"name": info.name, "key_id": info.key_id, "public_key": info.public_key})
    )


@keys_app.command("import")
def keys_import(
    name: Annotated[str, typer.Argument(help="Name to store the key under.")],
    pem_file: Annotated[Path, typer.Argument(help="PKCS#8 PEM file of an Ed25519 key.")],
    pem_passphrase_file: Annotated[
        Path | None,
        typer.Option(
            help="File whose first line is the PEM file's passphrase ('-' for stdin, or "
            "/dev/fd/N). Or set BIOTRAZA_PEM_PASSPHRASE, or answer the prompt; never argv.",
        ),
    ] = None,
) -> None:
    """Store a key generated elsewhere (e.g. by a certifier), encrypted like the others."""
    from ledger.keystore import load_pem_ed25519

    cfg = settings()
    pem = pem_file.read_bytes()
    private_key = load_pem_ed25519(pem, read_pem_passphrase(cfg, pem, pem_passphrase_file))
    info = keystore(cfg).save(name, private_key, passphrase(cfg, confirm=True))
    out.print(f"{info.name}: {info.key_id}")


@keys_app.command("export-for-browser")
def keys_export_for_browser(
    name: Annotated[str, typer.Argument(help="Stored key name (the association's key).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    browser_passphrase_file: Annotated[
        Path | None,
        typer.Option(
            help="File whose first line is the passphrase the office will type in the "
            "browser ('-' for stdin, or /dev/fd/N); else a prompt. Never argv.",
        ),
    ] = None,
) -> None:
    """Seal a stored key for the field app's office screens (PBKDF2 + AES-256-GCM, which a
    browser opens with WebCrypto); import it on the Devices screen, then delete the file."""
    import sys

    from ledger.browser_keyfile import seal_for_browser

    cfg = settings()
    with cli_errors():
        private_key = load_key(cfg, name)
        if browser_passphrase_file is not None:
            secret = read_secret_file(browser_passphrase_file)
        elif sys.stdin.isatty():
            secret = typer.prompt(
                "Passphrase to type in the browser", hide_input=True, confirmation_prompt=True
            )
        else:
            raise ValueError("give the browser passphrase with --browser-passphrase-file FILE")
        if len(secret) < 12:
            raise ValueError("--browser-passphrase-file: the passphrase needs 12 characters")
        data = seal_for_browser(private_key, secret)
        output.write_bytes(data)
        output.chmod(0o600)
    out.print(f"wrote {output} for the browser: key {name}; delete it once imported")


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


def grantable_role(role: str) -> str:
    """``role`` if a root key may grant it.

    Raises:
        ValueError: not such a role; lists the valid ones and the nearest spelling.
    """
    from ledger.trust import DELEGABLE_ROLES

    valid = sorted(DELEGABLE_ROLES)
    if role in valid:
        return role
    near = difflib.get_close_matches(role.replace("-", "_").lower(), valid, n=1)
    hint = f" (did you mean {near[0]}?)" if near else ""
    raise ValueError(f"--role {role!r}: not a role{hint}; valid roles: {', '.join(valid)}")


def scope_for(role: str, items: list[str]) -> dict[str, str]:
    """The ``--scope`` items as a dict, checked to hold what ``role`` needs.

    Raises:
        ValueError: a malformed item, or a key the role needs is missing (named, with its
            meaning and an example).
    """
    from verifiers.certification import SCOPE_NEEDED

    scope = parse_scope(items)
    for key, meaning in SCOPE_NEEDED.get(role, {}).items():
        if not scope.get(key):
            raise ValueError(
                f"--scope: role {role} needs {key}=… ({meaning}), e.g. --scope {key}=certimex"
            )
    return scope


# The options of the two commands that delegate a role (grant, grant-browser).
DelegatorOpt = Annotated[str, typer.Option(help="Stored root key that signs the delegation.")]
ScopeOpt = Annotated[
    list[str], typer.Option(help="Scope as KEY=VALUE, e.g. certifier_id=certimex (repeat).")
]


@keys_app.command("grant")
def keys_grant(
    name: Annotated[str, typer.Argument(help="Stored key to delegate a role to.")],
    role: Annotated[
        str,
        typer.Option(
            help="root, operator, registrar, certifier or label_issuer "
            "(certifier needs --scope certifier_id=ID)."
        ),
    ],
    signer: DelegatorOpt = "root",
    scope: ScopeOpt = [],  # noqa: B006 - typer reads list defaults, never mutates them
    server: ServerOpt = None,
) -> None:
    """Record key.added: a root key delegates ROLE to the stored key NAME."""
    from ledger.statements import sign_statement

    cfg = settings()
    with cli_errors():
        role = grantable_role(role)
        granted_scope = scope_for(role, scope)
        info = keystore(cfg).info(name)
        body: dict[str, Any] = {"name": info.name, "public_key": info.public_key, "role": role}
        if granted_scope:
            body["scope"] = granted_scope
        signed = sign_statement(load_key(cfg, signer), "key.added", body)
        result = submit(cfg, signed, server)
    out.print(f"key {info.key_id} granted {role} at seq {result['seq']}")


@keys_app.command("grant-browser")
def keys_grant_browser(
    key: Annotated[
        str,
        typer.Argument(
            help="The browser's short code (a1b2-c3d4-e5f6, as its 'This phone' screen shows "
            "it) or its public key (base64url)."
        ),
    ],
    role: Annotated[str, typer.Option(help="certifier or label_issuer.")],
    name: Annotated[
        str | None, typer.Option(help="What to call the key (default: the label it proposed).")
    ] = None,
    signer: DelegatorOpt = "root",
    scope: ScopeOpt = [],  # noqa: B006 - typer reads list defaults, never mutates them
    server: ServerOpt = None,
) -> None:
    """Record key.added for a key made in a browser: a certifier's inspection device is
    enrolled like a field phone (it shows a short code; no private key leaves it), bound to
    its certification body by --scope certifier_id=…."""
    from ledger.errors import LedgerError
    from ledger.keys import decode_public_key, key_id
    from ledger.statements import sign_statement

    cfg = settings()
    with cli_errors():
        role = grantable_role(role)
        granted_scope = scope_for(role, scope)
        request = _browser_request(cfg, key, server)
        try:
            kid = key_id(decode_public_key(request["public_key"]))
        except (LedgerError, ValueError) as exc:
            raise ValueError(f"KEY: not a short code nor an Ed25519 public key: {exc}") from None
        body: dict[str, Any] = {
            "name": name or request.get("label") or f"browser-{kid[:12]}",
            "public_key": request["public_key"],
            "role": role,
        }
        if granted_scope:
            body["scope"] = granted_scope
        signed = sign_statement(load_key(cfg, signer), "key.added", body)
        result = submit(cfg, signed, server)
    out.print(f"key {kid} granted {role} at seq {result['seq']}")


def _browser_request(cfg: Settings, key: str, server: str | None) -> dict[str, Any]:
    """The public key (and proposed label) behind a short code, or the public key as given."""
    import re

    from api.services.device_requests import SHORT_CODE, find_request

    if not re.fullmatch(SHORT_CODE, key):
        return {"public_key": key}
    if server:
        from api.client import BiotrazaClient

        with BiotrazaClient(server) as client:
            return client.device_request(key)
    with opened_service(cfg) as service:
        return find_request(service, key)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="Key id (32 hex) to revoke.")],
    reason: Annotated[str, typer.Option(help="Why, for the record.")],
    signer: Annotated[str, typer.Option(help="Stored root key that signs.")] = "root",
    server: ServerOpt = None,
) -> None:
    """Record key.revoked: the key signs nothing valid from this position on."""
    from ledger.statements import sign_statement

    cfg = settings()
    with cli_errors():
        signed = sign_statement(
            load_key(cfg, signer), "key.revoked", {"key_id": key_id, "reason": reason}
        )
        result = submit(cfg, signed, server)
    out.print(f"key {key_id} revoked at seq {result['seq']}")
