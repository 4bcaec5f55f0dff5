"""``biotraza receipt …``: verify a delivery receipt offline, draw one from a signed delivery.

``receipt verify`` takes the QR text, a text file holding it, or an image of the QR (PNG,
JPEG, SVG), and a trust list whose signature is checked against pinned root keys (as
``label verify`` does). It prints the verdict in the reader's language, with what the
receipt proves and what it does not yet (that the ledger recorded it). Exit 0 only for VALID.

``receipt render`` draws the QR of a signed ``lot.harvested`` statement (the JSON the phone
keeps in its outbox), so the office can reprint a receipt.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.common import app, cli_errors, out, settings
from api.cli.labels import (
    LangOpt,
    RootKeyOpt,
    TrustListOpt,
    VerdictJsonOpt,
    _load_trust_list,
)
from api.i18n import mx_date, mx_number

if TYPE_CHECKING:
    from labels.receipt_verify import ReceiptVerdict
    from labels.trustlist import TrustList

__all__ = ["receipt_app"]

receipt_app = typer.Typer(
    no_args_is_help=True, help="Delivery receipts: verify offline, render the QR."
)
app.add_typer(receipt_app, name="receipt")

_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"<?xml", b"<svg", b"RIFF", b"BM")

ReceiptArg = Annotated[
    str, typer.Argument(help="The QR text, a text file holding it, or an image of the QR.")
]
"""A receipt as the verify commands take it; :func:`_texts` reads it."""


def _texts(value: str) -> list[str]:
    """The receipt texts an argument holds: an image's QR codes, a file's text, or itself."""
    from labels.decode import decode_image

    path = Path(value)
    try:
        is_file = path.is_file()
    except OSError:  # a receipt's text is longer than any file name
        is_file = False
    if not is_file:
        return [value]
    data = path.read_bytes()
    if data.lstrip()[:8].startswith(_IMAGE_MAGIC):
        return decode_image(data)
    return [data.decode("utf-8").strip()]


def _print_verdict(verdict: ReceiptVerdict, lang: str) -> None:
    colour = "green" if verdict else "red"
    out.print(f"[bold {colour}]{verdict.status.name}[/]: {verdict.message(lang)}")
    if verdict.error is not None and not verdict:
        out.print(f"  {verdict.error}", markup=False, highlight=False)
    delivery, device = verdict.delivery(), verdict.device
    if delivery is None or delivery.get("lot_id") is None:
        return
    es = lang == "es"
    origins = ", ".join(
        str(o.get("plot_id") or o.get("apiary_id")) for o in delivery.get("origins") or []
    )
    lines = [
        f"{'lote' if es else 'lot'} {delivery['lot_id']}: {delivery['product']} "
        f"({delivery['form']}), {mx_number(delivery['quantity_kg'])} kg",
        f"{'cosecha' if es else 'harvested'} {mx_date(str(delivery['harvested_from']))}, "
        f"{'de' if es else 'from'} {origins}",
        f"{'firmado' if es else 'signed'} {delivery['ts']}",
    ]
    if device is not None:
        lines.append(
            f"{'asociación' if es else 'association'} {device.org_id}, "
            f"{'dispositivo' if es else 'device'} {device.label} ({device.key_id})"
        )
    for line in lines:
        out.print(f"  {line}", markup=False, highlight=False)


def _trusted_texts(
    trust_list: Path, root_key: list[str], receipt: str
) -> tuple[TrustList, list[str]]:
    """What a receipt verify command checks: the trust list, verified against the pinned root
    keys, and the receipt texts the argument holds (bad input: one line, exit 1)."""
    cfg = settings()
    with cli_errors():
        return _load_trust_list(cfg, trust_list, root_key), _texts(receipt)


@receipt_app.command("verify")
def receipt_verify(
    receipt: ReceiptArg,
    trust_list: TrustListOpt,
    association: Annotated[
        str | None,
        typer.Option(help="The org id the receipt must come from (the producer's association)."),
    ] = None,
    root_key: RootKeyOpt = [],  # noqa: B006 - typer reads list defaults, never mutates them
    as_json: VerdictJsonOpt = False,
    lang: LangOpt = "es",
) -> None:
    """Offline: verify a delivery receipt against a trust list. Exit 0 only for VALID."""
    from labels.receipt_verify import check_receipt

    trusted, texts = _trusted_texts(trust_list, root_key, receipt)
    verdicts = [check_receipt(t, trusted, association=association) for t in texts]
    if as_json:
        payload = [v.to_dict() for v in verdicts]
        typer.echo(json.dumps(payload[0] if len(payload) == 1 else payload, ensure_ascii=False))
    else:
        for verdict in verdicts:
            _print_verdict(verdict, lang)
    if not all(verdicts):
        raise typer.Exit(1)


@receipt_app.command("render")
def receipt_render(
    signed: Annotated[
        Path, typer.Argument(help='Signed lot.harvested JSON: {"statement": {...}, "sig": "..."}')
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file: .png or .svg.")],
    ecc: Annotated[str, typer.Option("--ecc", help="QR error correction: M (default) or Q.")] = "M",
    scale: Annotated[int, typer.Option(help="Pixels (or SVG units) per module.")] = 4,
) -> None:
    """Draw the receipt QR of a signed delivery (PNG or SVG); prints the QR version."""
    from labels.receipt import encode_receipt
    from labels.receipt_verify import DELIVERY_TYPE
    from labels.render import make_qr
    from ledger.canonical import parse_json_strict
    from ledger.statements import SignedStatement

    with cli_errors():
        if output.suffix not in (".png", ".svg"):
            raise ValueError(f"--output: expected a .png or .svg file, got {output.name!r}")
        if ecc not in ("M", "Q"):
            raise ValueError(f"--ecc: expected M or Q, got {ecc!r}")
        statement = SignedStatement.from_dict(parse_json_strict(signed.read_bytes()))
        if statement.statement.type != DELIVERY_TYPE:
            raise ValueError(
                f"statement.type: a receipt is for {DELIVERY_TYPE}, got {statement.statement.type}"
            )
        symbol = make_qr(encode_receipt(statement), error="Q" if ecc == "Q" else "M")
        data = symbol.png(scale=scale) if output.suffix == ".png" else symbol.svg(scale=scale)
        output.write_bytes(data)
    out.print(f"wrote {output}: QR version {symbol.version}, ECC {ecc}, {symbol.modules} modules")
