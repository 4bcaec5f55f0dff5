"""``biotraza device …``: enrol and revoke an association's field devices, list them and
what the ledger refused from them.

Enrolling and revoking are ``device.enrolled`` / ``device.revoked`` statements signed here
with the association's stored key and appended locally or sent to ``--server``; the lists
read the local ledger or the server's office API (``api.http.routes.devices``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from api.cli.common import (
    ServerOpt,
    app,
    cli_errors,
    load_key,
    opened_service,
    out,
    settings,
    submit,
)

__all__ = ["device_app"]

device_app = typer.Typer(
    no_args_is_help=True, help="Field devices of an association: enroll, revoke, list, refusals."
)
app.add_typer(device_app, name="device")

OrgArg = Annotated[str, typer.Argument(help="The association's org id, e.g. coop-sierra.")]
SignerOpt = Annotated[
    str, typer.Option(help="Stored key of the association that signs (its org.registered key).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@device_app.command("enroll")
def device_enroll(
    org_id: OrgArg,
    public_key: Annotated[
        str, typer.Argument(help="The device's Ed25519 public key (base64url), as it shows it.")
    ],
    label: Annotated[str, typer.Option(help="Who carries it, e.g. 'Técnico Siltepec 2'.")],
    signer: SignerOpt,
    entry_type: Annotated[
        list[str],
        typer.Option(
            "--type",
            help="Capture type the device may sign (repeat): producer.registered, "
            "plot.registered, apiary.registered, lot.harvested. Default: all four.",
        ),
    ] = [],  # noqa: B006 - typer reads list defaults, never mutates them
    valid_until: Annotated[
        str | None, typer.Option(help="Expiry, RFC 3339, e.g. 2027-03-01T00:00:00Z.")
    ] = None,
    offline_grace_days: Annotated[
        int | None,
        typer.Option(help="Days after --valid-until that captures made before it may sync (0–30)."),
    ] = None,
    server: ServerOpt = None,
) -> None:
    """Record device.enrolled: the association authorizes a field device's key."""
    from ledger.errors import LedgerError
    from ledger.keys import decode_public_key, key_id
    from ledger.statements import sign_statement
    from ledger.supply.devices import DEVICE_CAPTURE_TYPES

    cfg = settings()
    with cli_errors():
        try:
            kid = key_id(decode_public_key(public_key))
        except (LedgerError, ValueError) as exc:
            raise ValueError(
                f"PUBLIC_KEY: not an Ed25519 public key (base64url of 32 bytes): {exc}"
            ) from None
        body: dict[str, Any] = {
            "org_id": org_id,
            "public_key": public_key,
            "label": label,
            "entry_types": entry_type or list(DEVICE_CAPTURE_TYPES),
        }
        if valid_until is not None:
            body["valid_until"] = valid_until
        if offline_grace_days is not None:
            body["offline_grace_days"] = offline_grace_days
        signed = sign_statement(load_key(cfg, signer), "device.enrolled", body)
        result = submit(cfg, signed, server)
    out.print(f"device {kid} enrolled for {org_id} at seq {result['seq']}")


@device_app.command("revoke")
def device_revoke(
    org_id: OrgArg,
    key_id: Annotated[str, typer.Argument(help="The device's key id (32 hex).")],
    reason: Annotated[str, typer.Option(help="lost, stolen or retired.")],
    signer: SignerOpt,
    note: Annotated[str | None, typer.Option(help="Free text for the record.")] = None,
    server: ServerOpt = None,
) -> None:
    """Record device.revoked: the device's key signs nothing valid from this position on."""
    from ledger.statements import sign_statement

    cfg = settings()
    with cli_errors():
        body: dict[str, Any] = {"org_id": org_id, "key_id": key_id, "reason": reason}
        if note is not None:
            body["note"] = note
        signed = sign_statement(load_key(cfg, signer), "device.revoked", body)
        result = submit(cfg, signed, server)
    out.print(f"device {key_id} revoked at seq {result['seq']}")


@device_app.command("list")
def device_list(org_id: OrgArg, as_json: JsonOpt = False, server: ServerOpt = None) -> None:
    """The association's devices: label, key id, status, entries synced, refusals kept."""
    cfg = settings()
    with cli_errors():
        if server:
            from api.client import BiotrazaClient

            with BiotrazaClient(server) as client:
                devices = client.devices(org_id)
        else:
            from api.services.devices import org_devices

            with opened_service(cfg) as service:
                devices = org_devices(service, org_id)
    if as_json:
        typer.echo(json.dumps({"data": devices, "count": len(devices)}, ensure_ascii=False))
        return
    table = Table("label", "key id", "status", "entries", "last seq", "refusals")
    for device in devices:
        status = device["status"]
        if device["revoked"] is not None:
            status += f" ({device['revoked']['reason']}, seq {device['revoked']['seq']})"
        last = device["last_seq"]
        table.add_row(
            device["label"],
            device["key_id"],
            status,
            str(device["entries"]["total"]),
            "" if last is None else str(last),
            str(device["refusals"]),
        )
    out.print(table)


@device_app.command("refusals")
def device_refusals_cmd(
    org_id: OrgArg,
    key_id: Annotated[str | None, typer.Option(help="Only this device's (key id).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many, newest first.")] = 100,
    as_json: JsonOpt = False,
    server: ServerOpt = None,
) -> None:
    """Statements the association's devices signed and the ledger refused, and why."""
    cfg = settings()
    with cli_errors():
        if server:
            from api.client import BiotrazaClient

            with BiotrazaClient(server) as client:
                found = client.device_refusals(org_id, key_id, limit)
        else:
            from api.services.devices import device_refusals

            with opened_service(cfg) as service:
                found = device_refusals(service, org_id, key_id, limit)
    if as_json:
        typer.echo(json.dumps({"data": found, "count": len(found)}, ensure_ascii=False))
        return
    table = Table("last at", "key id", "type", "code", "field", "reason", "attempts")
    for item in found:
        table.add_row(
            item["last_at"],
            item["key_id"],
            item["type"],
            item["code"],
            item["field"] or "",
            item["reason"],
            str(item["attempts"]),
        )
    out.print(table)
