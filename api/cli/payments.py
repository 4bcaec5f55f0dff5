"""``biotraza payment …``: receipts of purchases and payments, and balances.

Purchases and payments are recorded like any entry (``biotraza submit purchase.recorded`` /
``payment.recorded --signer <association>``). ``receipt`` draws the receipt QR of a recorded
one (PNG or SVG, or its text); ``verify`` checks a receipt offline against a trust list (the
text, a file holding it, or an image of the QR) and prints the verdict in the reader's
language — with ``--ledger``, also whether the producer acknowledged it with her own key
(optional: the association's signature stands alone); ``acknowledge`` is that acknowledgement
signed with a producer's key; ``balances`` lists what the association owes and has advanced,
per producer and season.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import app, cli_errors, opened_service, out, settings
from api.cli.labels import (
    LangOpt,
    RootKeyOpt,
    TrustListOpt,
    VerdictJsonOpt,
)
from api.cli.receipts import ReceiptArg, _trusted_texts
from api.i18n import mx_date, mx_money

__all__ = ["payment_app"]

payment_app = typer.Typer(
    no_args_is_help=True, help="Purchases and payments: receipts (QR) and balances."
)
app.add_typer(payment_app, name="payment")


@payment_app.command("receipt")
def payment_receipt(
    kind: Annotated[str, typer.Argument(help="purchase or payment")],
    record_id: Annotated[str, typer.Argument(help="The purchase_id or payment_id.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the QR: .png or .svg.")
    ] = None,
) -> None:
    """Print a recorded purchase's or payment's receipt text, or draw its QR."""
    from api.services.payments import receipt_text
    from labels.render import make_qr

    cfg = settings()
    with cli_errors():
        if output is not None and output.suffix not in (".png", ".svg"):
            raise ValueError(f"--output: expected a .png or .svg file, got {output.name!r}")
        with opened_service(cfg) as service:
            text = receipt_text(service, kind, record_id)
        if output is not None:
            qr = make_qr(text, error="M")
            output.write_bytes(qr.png(scale=4) if output.suffix == ".png" else qr.svg(scale=4))
    if output is None:
        typer.echo(text)
    else:
        out.print(f"receipt QR written to {output}", markup=False)


@payment_app.command("verify")
def payment_verify(
    receipt: ReceiptArg,
    trust_list: TrustListOpt,
    association: Annotated[
        str | None, typer.Option(help="The org id that must have signed it.")
    ] = None,
    root_key: RootKeyOpt = [],  # noqa: B006 - typer reads list defaults, never mutates them
    ledger: Annotated[
        bool,
        typer.Option(
            "--ledger", help="Also look it up in the local ledger: acknowledged by the producer?"
        ),
    ] = False,
    as_json: VerdictJsonOpt = False,
    lang: LangOpt = "es",
) -> None:
    """Offline: verify a purchase or payment receipt. Exit 0 only for VALID."""
    from labels.payment_receipt import check_payment_receipt

    trusted, texts = _trusted_texts(trust_list, root_key, receipt)
    verdicts = [check_payment_receipt(t, trusted, association=association) for t in texts]
    acks = _acknowledgements(verdicts) if ledger else [None] * len(verdicts)
    for verdict, ack in zip(verdicts, acks, strict=True):
        if as_json:
            facts = verdict.to_dict()
            if ledger:
                facts["acknowledged_by_producer"] = ack
            typer.echo(json.dumps(facts, ensure_ascii=False))
            continue
        colour = "green" if verdict else "red"
        out.print(f"[bold {colour}]{verdict.status.name}[/]: {verdict.message(lang)}")
        facts = verdict.to_dict()
        body = facts["body"] or {}
        if facts["type"] is not None and "amount_mxn" in body:
            es = lang == "es"
            what = (
                f"{'compra' if es else 'purchase'} {body.get('purchase_id')}: "
                f"{body.get('quantity_kg')} kg × $ {body.get('price_per_kg_mxn')}"
                if facts["type"] == "purchase.recorded"
                else f"{'pago' if es else 'payment'} {body.get('payment_id')} ({body.get('kind')})"
            )
            lines = [
                f"{what} = $ {mx_money(str(body['amount_mxn']))} MXN",
                f"{'productor' if es else 'producer'} {body.get('producer_id')}, "
                f"{'asociación' if es else 'association'} {facts['association']}, {facts['ts']}",
            ]
            if ledger:
                lines.append(_ack_line(ack, es))
            for line in lines:
                out.print(f"  {line}", markup=False, highlight=False)
    if not all(verdicts):
        raise typer.Exit(1)


def _acknowledgements(verdicts: list[Any]) -> list[dict[str, Any] | None]:
    """For each valid receipt, the producer's acknowledgement in the local ledger (or None)."""
    from api.services.acknowledgements import acknowledgement

    found: list[dict[str, Any] | None] = []
    with cli_errors(), opened_service(settings()) as service:
        for verdict in verdicts:
            facts = verdict.to_dict()
            body = facts["body"] or {}
            kind = "purchase" if facts["type"] == "purchase.recorded" else "payment"
            record_id = body.get(f"{kind}_id")
            ack = None
            if verdict and isinstance(record_id, str):
                ack = acknowledgement(service, kind, record_id)
            found.append(ack)
    return found


def _ack_line(ack: dict[str, Any] | None, es: bool) -> str:
    if ack is None:
        return (
            "sin reconocimiento del productor (opcional: basta la firma de la asociación)"
            if es
            else "not acknowledged by the producer (optional: the association's signature "
            "stands alone)"
        )
    who = "reconocido por el productor" if es else "acknowledged by the producer"
    word = "llave" if es else "key"
    line = f"{who} {ack['producer_id']} ({word} {ack['key_id']}, seq {ack['ack_seq']})"
    revoked_at = ack.get("key_revoked_at")
    if revoked_at:
        day, time = mx_date(revoked_at[:10]), revoked_at[11:16]
        line += (
            f"; llave revocada después, el {day} a las {time} UTC"
            if es
            else f"; key revoked since, on {day} at {time} UTC"
        )
    return line


@payment_app.command("acknowledge")
def payment_acknowledge(
    kind: Annotated[str, typer.Argument(help="purchase or payment")],
    record_id: Annotated[str, typer.Argument(help="The purchase_id or payment_id.")],
    key: Annotated[str, typer.Option("--key", help="The producer's stored key.")],
) -> None:
    """Acknowledge a purchase or payment with the producer's own key (enrolled for her by the
    association with producer_key.enrolled): receipt.acknowledged naming the entry's hash."""
    from api.cli.common import load_key
    from api.services.acknowledgements import acknowledge

    cfg = settings()
    with cli_errors():
        signer = load_key(cfg, key)
        with opened_service(cfg) as service:
            result = acknowledge(service, kind, record_id, signer)
    out.print(f"{kind} {record_id} acknowledged at seq {result.entry.seq}", markup=False)


@payment_app.command("balances")
def payment_balances(
    org_id: str,
    producer: Annotated[str | None, typer.Option(help="Only this producer.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Balances per producer and season: bought, paid, owed, advances outstanding (MXN)."""
    from api.services.payments import balances

    cfg = settings()
    with cli_errors():
        with opened_service(cfg) as service:
            rows = balances(service, org_id, producer)
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for row in rows:
        out.print(
            f"{row['producer_id']} {row['season']}: bought {mx_money(row['purchased_mxn'])}, "
            f"paid {mx_money(row['paid_mxn'])}, owed {mx_money(row['owed_mxn'])}, advances "
            f"outstanding {mx_money(row['advances_outstanding_mxn'])} MXN",
            markup=False,
            highlight=False,
        )
