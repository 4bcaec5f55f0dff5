"""``biotraza label …`` and ``biotraza trustlist …``: issue, revoke, verify, render, print.

``label issue`` appends ``label.issued`` (locally, or through ``--server``), then signs the
labels naming its seq and writes them (SVG/PNG symbols, or a printable HTML/PDF sheet).
``label verify`` works offline: a QR text or an image of one, and a trust list file whose
signature is checked against pinned root keys (``--root-key``; by default the key store's
``root``) before it is trusted.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from api.cli.common import (
    ServerOpt,
    app,
    cli_errors,
    fail,
    keystore,
    load_key,
    opened_service,
    out,
    progress,
    settings,
    submit,
)

if TYPE_CHECKING:  # types only: the modules load when a command runs
    from api.services.ledger import LedgerService
    from api.settings import Settings
    from labels.payload import LabelClaims
    from labels.printing import LabelFace
    from labels.render import ErrorLevel
    from labels.trustlist import TrustList

__all__ = ["label_app", "trustlist_app"]

label_app = typer.Typer(no_args_is_help=True, help="Biolabels: issue, revoke, verify, render.")
trustlist_app = typer.Typer(no_args_is_help=True, help="Trust lists for offline verifiers.")
app.add_typer(label_app, name="label")
app.add_typer(trustlist_app, name="trustlist")

Format = Literal["svg", "png", "html", "pdf"]
SignerOpt = Annotated[str, typer.Option(help="Stored label-issuer key.")]
EccOpt = Annotated[str, typer.Option("--ecc", help="QR error correction: Q (default) or M.")]
HostOpt = Annotated[
    str | None, typer.Option(help="Resolver host in the URL (default: the ledger's first).")
]
BULK_MASK = 4
"""Mask pattern for bulk output (skips scoring eight masks; every symbol still decodes)."""


def _ecc(value: str) -> ErrorLevel:
    if value not in ("M", "Q"):
        raise ValueError(f"--ecc must be M or Q, got {value!r}")
    return "M" if value == "M" else "Q"


def _format(value: str) -> Format:
    for kind in ("svg", "png", "html", "pdf"):
        if value == kind:
            return kind
    raise ValueError(f"--format must be svg, png, html or pdf, got {value!r}")


def _server_json(server: str, path: str) -> Any:
    import httpx

    response = httpx.get(server.rstrip("/") + path, timeout=30)
    if response.status_code >= 400:
        raise ValueError(f"{server}{path}: HTTP {response.status_code}: {response.text[:200]}")
    return response.json()


def _write_labels(
    texts: list[str],
    face: LabelFace,
    out_dir: Path,
    fmt: Format,
    ecc: ErrorLevel,
    stem: str,
    copies: int,
) -> list[Path]:
    from labels.payload import parse_label
    from labels.printing import label_html, label_pdf, label_svg
    from labels.render import make_qr

    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt in ("html", "pdf"):
        sheet = texts if len(texts) > 1 else texts * copies
        path = out_dir / f"{stem}.{fmt}"
        if fmt == "html":
            path.write_text(label_html(sheet, face, error=ecc, mask=BULK_MASK), encoding="utf-8")
        else:
            path.write_bytes(label_pdf(sheet, face, error=ecc, mask=BULK_MASK))
        return [path]
    written = []
    with progress() as bar:
        task = bar.add_task("rendering labels", total=len(texts))
        for text in texts:
            claims = parse_label(text)
            name = f"{stem}-{claims.serial}" if claims.serial else stem
            path = out_dir / f"{name}.{fmt}"
            if fmt == "svg":
                path.write_text(label_svg(text, face, error=ecc, mask=BULK_MASK), encoding="utf-8")
            else:
                path.write_bytes(make_qr(text, error=ecc, mask=BULK_MASK).png(scale=8))
            written.append(path)
            bar.advance(task)
    return written


@label_app.command("issue")
def label_issue(
    lot_id: Annotated[str, typer.Argument(help="Ledger lot id, e.g. cs-export-2526-002.")],
    units: Annotated[int, typer.Option(help="How many units (sacks, drums, jars) to label.")],
    unit_g: Annotated[
        int | None, typer.Option(help="Net grams per unit (default: the lot's package).")
    ] = None,
    serial_from: Annotated[
        int | None, typer.Option(help="Number the units from this serial (one label each).")
    ] = None,
    lot_number: Annotated[
        str | None, typer.Option(help="Lot number for lots recorded without one.")
    ] = None,
    signer: SignerOpt = "label-issuer",
    host: HostOpt = None,
    out_dir: Annotated[
        Path | None, typer.Option(help="Write the labels into this directory.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="svg, png, html or pdf.")] = "svg",
    copies: Annotated[
        int | None, typer.Option(help="Labels on an html/pdf sheet (default: units, ≤ 1000).")
    ] = None,
    ecc: EccOpt = "Q",
    server: ServerOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Record label.issued for an eligible lot, then sign and write its labels."""
    from api.i18n import mx_kg
    from api.services.labels import body_from_lot, issuance_labels, printable_host
    from labels.payload import parse_label
    from labels.printing import short_code
    from ledger.statements import format_ts, sign_statement

    cfg = settings()
    with cli_errors():
        kind = _format(fmt)
        level = _ecc(ecc)
        key = load_key(cfg, signer)
        host = printable_host(host) if host else _default_host(cfg, server)  # before recording
        moment = format_ts(dt.datetime.now(dt.UTC))
        day = dt.date.fromisoformat(moment[:10])
        if server:
            lot = _server_json(server, f"/api/v1/lots/{lot_id}")
        else:
            with opened_service(cfg) as service:
                lot = _lot_doc(service, lot_id)
        body = body_from_lot(
            lot, units, day=day, unit_g=unit_g, serial_from=serial_from, lot_number=lot_number
        )
        signed = sign_statement(key, "label.issued", body, ts=moment)
        result = submit(cfg, signed, server)
        texts = issuance_labels(body, result["seq"], key, host)
        written: list[Path] = []
        if out_dir is not None:
            face = _face(cfg, server, lot_id, lot)
            stem = f"{body['lot_number']}-{result['seq']}"
            count = min(copies or units, 1000)
            written = _write_labels(texts, face, out_dir, kind, level, stem, count)
    if as_json:
        typer.echo(json.dumps({**result, "labels": texts, "files": [str(p) for p in written]}))
        return
    unit_g = int(body["unit_g"])
    out.print(
        f"issuance recorded at seq {result['seq']}: {units} × {mx_kg(unit_g)} "
        f"({mx_kg(units * unit_g)}) of {lot_id}"
    )
    out.print(f"short code {short_code(parse_label(texts[0]))}; first label:")
    out.print(texts[0], markup=False, highlight=False)
    for path in written[:5]:
        out.print(f"wrote {path}")
    if len(written) > 5:
        out.print(f"… and {len(written) - 5} more")


def _lot_doc(service: LedgerService, lot_id: str) -> dict[str, Any]:
    doc = service.store.state_get("lot", lot_id)
    if doc is None:
        raise ValueError(f"no lot {lot_id!r}")
    return dict(doc)


def _default_host(cfg: Settings, server: str | None) -> str:
    """The ledger's first resolver host (checked printable), from the server or the database."""
    from api.services.labels import printable_host, resolver_host

    if server:
        return printable_host(str(_server_json(server, "/api/v1/trustlist")["resolver_hosts"][0]))
    with opened_service(cfg) as service:
        return resolver_host(service)


def _face(cfg: Settings, server: str | None, lot_id: str, lot: dict[str, Any]) -> LabelFace:
    from api.services.labels import label_face
    from labels.printing import LabelFace

    if server:
        return LabelFace(product=lot["product"], form=lot["form"], unit_g=int(lot["quantity_g"]))
    with opened_service(cfg) as service:
        return label_face(service, lot_id)


@label_app.command("revoke")
def label_revoke(
    reason: Annotated[str, typer.Option(help="Why, for the record (shown to buyers).")],
    issuance: Annotated[int | None, typer.Option(help="Seq of the issuance to revoke.")] = None,
    lot: Annotated[str | None, typer.Option(help="Revoke every label of this lot.")] = None,
    signer: SignerOpt = "label-issuer",
    server: ServerOpt = None,
) -> None:
    """Record label.revoked for one issuance (--issuance SEQ) or a whole lot (--lot LOT)."""
    from ledger.statements import sign_statement

    cfg = settings()
    with cli_errors():
        if (issuance is None) == (lot is None):
            raise ValueError("give exactly one of --issuance or --lot")
        body: dict[str, Any] = {"reason": reason}
        if issuance is not None:
            body["issuance_seq"] = issuance
        else:
            body["lot_id"] = lot
        result = submit(cfg, sign_statement(load_key(cfg, signer), "label.revoked", body), server)
    target = f"issuance {issuance}" if issuance is not None else f"every label of lot {lot}"
    out.print(f"{target} revoked at seq {result['seq']}")


@label_app.command("resolvers")
def label_resolvers(
    hosts: Annotated[
        list[str],
        typer.Argument(help="Hosts label QR codes point to, the printed one first."),
    ],
    signer: Annotated[str, typer.Option(help="Stored root key that signs.")] = "root",
    server: ServerOpt = None,
) -> None:
    """Record label.resolvers: the hosts this deployment's labels point to (first: printed).

    New labels point at the first host; verifiers accept any of them. Placeholder hosts
    (``*.example``, ``*.invalid``, ``*.test``) are refused: no phone can reach them.
    """
    from api.services.labels import printable_host
    from labels.issuance import RESOLVERS_TYPE
    from ledger.statements import sign_statement

    cfg = settings()
    with cli_errors():
        for host in hosts:
            printable_host(host)
        signed = sign_statement(load_key(cfg, signer), RESOLVERS_TYPE, {"hosts": hosts})
        result = submit(cfg, signed, server)
    out.print(f"resolver hosts {' '.join(hosts)} recorded at seq {result['seq']}")


def _pinned_roots(cfg: Settings, values: list[str]) -> list[bytes]:
    """Root public keys: base64url keys, files holding one, or key-store names."""
    from ledger.encoding import b64url_decode
    from ledger.errors import KeyStoreError

    if not values:
        if not keystore(cfg).exists("root"):
            raise ValueError("no pinned root key: pass --root-key (base64url public key)")
        values = ["root"]
    found = []
    for value in values:
        path = Path(value)
        text = path.read_text(encoding="utf-8").strip() if path.is_file() else value.strip()
        try:
            found.append(b64url_decode(text, 32))
            continue
        except ValueError:
            pass
        try:
            found.append(b64url_decode(keystore(cfg).info(text).public_key, 32))
        except KeyStoreError as exc:
            raise ValueError(f"--root-key {value!r}: not a public key nor a stored key") from exc
    return found


def _load_trust_list(cfg: Settings, path: Path, roots: list[str]) -> TrustList:
    from labels.trustlist import TrustList, verify_trust_list

    trust_list = TrustList.from_bytes(path.read_bytes())
    verify_trust_list(trust_list, _pinned_roots(cfg, roots))
    return trust_list


# The options of the offline verifiers that check a QR against a trust list (labels,
# delivery receipts, payment receipts): declared once so that their help reads alike.
TrustListOpt = Annotated[Path, typer.Option("--trust-list", help="Trust list JSON file.")]
RootKeyOpt = Annotated[
    list[str], typer.Option("--root-key", help="Pinned root key (repeat; default: root).")
]
VerdictJsonOpt = Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")]


def _language(value: str) -> str:
    """Refuse a language no verdict is written in (a typo would otherwise print English)."""
    if value not in ("es", "en"):
        raise ValueError(f"--lang: expected es or en, got {value!r}")
    return value


LangOpt = Annotated[str, typer.Option(help="Message language: es or en.", callback=_language)]


@label_app.command("verify")
def label_verify(
    label: Annotated[str, typer.Argument(help="The QR text, or an image file (PNG/JPEG/SVG).")],
    trust_list: TrustListOpt,
    root_key: RootKeyOpt = [],  # noqa: B006 - typer reads list defaults, never mutates them
    allowed_host: Annotated[
        list[str], typer.Option("--host", help="Accept this resolver host (repeat).")
    ] = [],  # noqa: B006
    as_json: VerdictJsonOpt = False,
    lang: LangOpt = "es",
) -> None:
    """Offline: verify a label against a trust list. Exit 0 only for VALID."""
    from labels.decode import decode_image
    from labels.verify import check_label

    cfg = settings()
    with cli_errors():
        trusted = _load_trust_list(cfg, trust_list, root_key)
        path = Path(label)
        texts = decode_image(path.read_bytes()) if path.is_file() else [label]
    verdicts = [check_label(t, trusted, allowed_hosts=allowed_host or None) for t in texts]
    if as_json:
        payload = [v.to_dict() for v in verdicts]
        typer.echo(json.dumps(payload[0] if len(payload) == 1 else payload, ensure_ascii=False))
    else:
        for verdict in verdicts:
            colour = "green" if verdict else "red"
            out.print(f"[bold {colour}]{verdict.status.name}[/]: {verdict.message(lang)}")
            if verdict.claims is not None:
                _print_claims(verdict.claims)
    if not all(verdicts):
        raise typer.Exit(1)


def _print_claims(claims: LabelClaims) -> None:
    gtin = f" GTIN {claims.gtin}" if claims.gtin else ""
    serial = f" serial {claims.serial}" if claims.serial else ""
    out.print(
        f"  lot {claims.lot}{gtin}{serial}, issuance {claims.seq}, {claims.day.isoformat()}, "
        f"host {claims.host}",
        markup=False,
        highlight=False,
    )


@label_app.command("render")
def label_render(
    label: Annotated[str, typer.Argument(help="The label's QR text.")],
    output: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    fmt: Annotated[
        str, typer.Option("--format", help="png or svg (the QR), label (printable SVG).")
    ] = "png",
    ecc: EccOpt = "Q",
    scale: Annotated[int, typer.Option(help="Pixels (or units) per module.")] = 8,
) -> None:
    """Draw a label's QR as PNG or SVG, or its printable label (--format label)."""
    from api.services.labels import label_face, label_for
    from labels.payload import parse_label
    from labels.printing import label_svg
    from labels.render import make_qr

    cfg = settings()
    with cli_errors():
        level = _ecc(ecc)
        claims = parse_label(label)
        if fmt == "png":
            output.write_bytes(make_qr(label, error=level).png(scale=scale))
        elif fmt == "svg":
            output.write_bytes(make_qr(label, error=level).svg(scale=scale))
        elif fmt == "label":
            with opened_service(cfg) as service:
                face = label_face(service, label_for(service, claims.seq)["lot_id"])
            output.write_text(label_svg(label, face, error=level), encoding="utf-8")
        else:
            raise ValueError(f"--format must be png, svg or label, got {fmt!r}")
        symbol = make_qr(label, error=level)
    out.print(f"wrote {output} (QR version {symbol.version}, ECC {level})")


@label_app.command("sheet")
def label_sheet(
    seq: Annotated[int, typer.Argument(help="Seq of the label issuance.")],
    output: Annotated[Path, typer.Option("--out", "-o", help="File to write (.html or .pdf).")],
    signer: SignerOpt = "label-issuer",
    host: HostOpt = None,
    copies: Annotated[
        int | None, typer.Option(help="Labels without serials: how many (default: units).")
    ] = None,
    ecc: EccOpt = "Q",
    stock: Annotated[
        str, typer.Option(help="PDF label stock: a4 (default), letter or thermal (70 × 36 mm).")
    ] = "a4",
) -> None:
    """Re-render an issuance's labels as a print run (HTML or PDF by the file's suffix)."""
    from api.services.labels import (
        issuance_labels,
        label_face,
        label_for,
        printable_host,
        resolver_host,
    )
    from labels.printing import STOCKS, label_html, label_pdf

    cfg = settings()
    with cli_errors():
        level = _ecc(ecc)
        fmt = output.suffix.lstrip(".").lower()
        if fmt not in ("html", "pdf"):
            raise ValueError("--out must end in .html or .pdf")
        if stock not in STOCKS:
            raise ValueError(f"--stock must be one of {', '.join(STOCKS)}")
        key = load_key(cfg, signer)
        with opened_service(cfg) as service:
            issuance = label_for(service, seq)
            face = label_face(service, issuance["lot_id"])
            texts = issuance_labels(
                issuance, seq, key, printable_host(host) if host else resolver_host(service)
            )
        sheet = texts if len(texts) > 1 else texts * min(copies or issuance["units"], 1000)
        with progress() as bar:
            bar.add_task("rendering the sheet", total=None)
            if fmt == "html":
                output.write_text(label_html(sheet, face, error=level, mask=BULK_MASK), "utf-8")
            else:
                pdf = label_pdf(sheet, face, error=level, mask=BULK_MASK, stock=stock)
                output.write_bytes(pdf)
    out.print(f"wrote {output}: {len(sheet)} labels of issuance {seq}")


@trustlist_app.command("export")
def trustlist_export(
    output: Annotated[Path, typer.Option("--out", "-o", help="Trust list file to write.")],
    signer: Annotated[str, typer.Option(help="Stored root key that signs.")] = "root",
) -> None:
    """Cut a trust list from the ledger and sign it with a root key."""
    from api.services.labels import export_trust_list

    cfg = settings()
    with cli_errors():
        key = load_key(cfg, signer)
        with opened_service(cfg) as service:
            trust_list = export_trust_list(service, key)
        output.write_bytes(trust_list.to_bytes())
    out.print(
        f"wrote {output}: tree size {trust_list.tree_size}, {len(trust_list.issuers)} issuer "
        f"key(s), {len(trust_list.issuances)} issuance(s), "
        f"{len(trust_list.revoked_labels) + len(trust_list.revoked_lots)} revocation(s)"
    )


@trustlist_app.command("verify")
def trustlist_verify(
    path: Annotated[Path, typer.Argument(help="Trust list file.")],
    root_key: RootKeyOpt = [],  # noqa: B006 - typer reads list defaults, never mutates them
) -> None:
    """Check a trust list's signature against pinned root keys."""
    cfg = settings()
    with cli_errors():
        trust_list = _load_trust_list(cfg, path, root_key)
    if trust_list.signature is None:  # pragma: no cover - verify_trust_list refuses it
        fail("unsigned")
    out.print(
        f"[green]ok[/]: signed by {trust_list.signature.key_id}, tree size "
        f"{trust_list.tree_size}, cut {trust_list.issued_at}"
    )
