"""``biotraza eudr …``: from a coffee or cacao lot to a filed EUDR due diligence statement.

``check`` says which origin plots the EU system would accept (and why not), ``dds`` writes
the V3 ``submitDds`` request(s) to files, ``submit``/``poll``/``amend``/``withdraw`` talk to the
EU Information System and record each answer on the lot (signed with ``--signer``),
``verify`` checks a statement a supplier names, ``credentials`` keeps the web-service user in
the key store. Credentials are never read from the command line (``BIOTRAZA_EUDR_*``, the key
store, or a file/stdin for the key). ``docs/eudr.md`` has the whole path.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from api.cli.common import (
    ServerOpt,
    app,
    keystore,
    load_key,
    opened_service,
    out,
    settings,
    submit,
)
from api.cli.errors import err, fail
from api.cli.labels import LangOpt
from api.cli.secrets import read_secret_file

if TYPE_CHECKING:  # types only: the modules load when a command runs
    from api.eudr.client import EudrClient
    from api.eudr.credentials import EudrCredentials
    from api.eudr.dds import DdsOptions
    from api.eudr.screen import ScreenFiles
    from api.settings import Settings

__all__ = ["eudr_app"]

eudr_app = typer.Typer(no_args_is_help=True, help="EUDR due diligence statements (coffee, cacao).")
credentials_app = typer.Typer(no_args_is_help=True, help="The EU web-service credentials.")
app.add_typer(eudr_app, name="eudr")
eudr_app.add_typer(credentials_app, name="credentials")

LotArg = Annotated[str, typer.Argument(help="The coffee or cacao lot.")]
SignerOpt = Annotated[
    str, typer.Option(help="Stored key of the organization holding the lot (signs the record).")
]
NamesOpt = Annotated[
    bool, typer.Option("--producer-names", help="Name producers who consented to it.")
]


# The statement options, shared by dds, package, submit and amend (see _statement_options).
ActivityOpt = Annotated[str, typer.Option("--activity", help="IMPORT, EXPORT or DOMESTIC.")]
CountryOpt = Annotated[
    str | None, typer.Option("--country", help="EU country of the activity, e.g. DE.")
]
BorderOpt = Annotated[
    str | None, typer.Option("--border", help="EU country of entry/exit (default --country).")
]
RepNameOpt = Annotated[
    str | None, typer.Option("--represented-name", help="Authorised representative: operator.")
]
RepEoriOpt = Annotated[
    str | None, typer.Option("--represented-eori", help="Authorised representative: its EORI.")
]
ReferenceOpt = Annotated[
    str | None, typer.Option("--reference", help="Internal reference (default: the lot id).")
]
DescriptionOpt = Annotated[
    str | None, typer.Option("--description", help="Description of the goods (≤ 150).")
]
HsOpt = Annotated[
    str | None, typer.Option("--hs", help="HS heading (coffee 0901; cacao 1801 or 1803–1806).")
]
UnitsOpt = Annotated[str | None, typer.Option("--units", help="Supplementary units.")]
QualifierOpt = Annotated[
    str | None, typer.Option("--units-qualifier", help="Their qualifier, e.g. NAR.")
]
GroupedOpt = Annotated[
    list[str] | None,
    typer.Option("--upstream", help="Reference number of an upstream DDS (repeatable)."),
]
# The forest maps of the deforestation screen, shared by screen and package.
BaselineOpt = Annotated[
    Path | None,
    typer.Option("--baseline", help="Forest cover on 31/12/2020 (GeoTIFF, e.g. JRC GFC2020)."),
]
LossOpt = Annotated[
    list[Path] | None,
    typer.Option("--loss", help="Loss-year GeoTIFF or dated loss GeoJSON (repeatable)."),
]
LossMaskOpt = Annotated[
    list[Path] | None,
    typer.Option("--loss-mask", help="GeoTIFF: non-zero = loss after 2020 (repeatable)."),
]
ConfidentialOpt = Annotated[
    bool, typer.Option("--confidential", help="Keep the geolocation from downstream operators.")
]


def _statement(
    activity: ActivityOpt = "IMPORT",
    country: CountryOpt = None,
    border: BorderOpt = None,
    represented_name: RepNameOpt = None,
    represented_eori: RepEoriOpt = None,
    reference: ReferenceOpt = None,
    description: DescriptionOpt = None,
    hs_heading: HsOpt = None,
    units: UnitsOpt = None,
    qualifier: QualifierOpt = None,
    grouped: GroupedOpt = None,
    confidential: ConfidentialOpt = False,
    producer_names: NamesOpt = False,
) -> DdsOptions:
    """The statement options as typer declares them, made into :class:`DdsOptions`."""
    from api.eudr.dds import DdsOptions

    return DdsOptions(
        activity_type=activity.upper(),
        country_of_activity=country,
        border_cross_country=border or country,
        represented_name=represented_name,
        represented_eori=represented_eori,
        internal_reference=reference,
        description=description,
        hs_heading=hs_heading,
        supplementary_units=units,
        supplementary_qualifier=qualifier,
        grouped=tuple(grouped or ()),
        confidential=confidential,
        producer_names=producer_names,
    )


_TYPES_ONLY = {"DdsOptions": object, "ScreenFiles": object}
"""Stand-ins for the names imported for type checking only, so that signatures are read at
import time without loading ``api.eudr`` (the CLI starts fast)."""


def _parameters(function: Callable[..., Any]) -> list[inspect.Parameter]:
    signature = inspect.signature(function, eval_str=True, locals=_TYPES_ONLY)
    return list(signature.parameters.values())


def _statement_options(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` taking the statement options in place of its ``options`` parameter.

    dds, package, submit and amend take the same thirteen options. Typer reads a command's
    options from its signature, so the wrapper shows the command's own parameters with
    :func:`_statement`'s in place of ``options`` (same order, same help; keyword-only, as
    typer passes them), and passes the command the :class:`DdsOptions` they make.
    """
    statement = _parameters(_statement)
    names = [parameter.name for parameter in statement]
    own = _parameters(command)
    at = [parameter.name for parameter in own].index("options")

    def run(**values: Any) -> None:
        chosen = {name: values.pop(name) for name in names}
        command(**values, options=_statement(**chosen))

    run.__name__ = command.__name__
    run.__qualname__ = command.__qualname__
    run.__doc__ = command.__doc__
    spliced = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own[:at] + statement]
    run.__signature__ = inspect.Signature(spliced + own[at + 1 :])  # type: ignore[attr-defined]
    return run


def _print_warnings(items: list[dict[str, Any]]) -> None:
    for warning in items:
        err.print(
            f"[bold yellow]warning:[/] {escape(warning['message_en'])}\n"
            f"  aviso: {escape(warning['message_es'])}",
            highlight=False,
        )


@eudr_app.command("check")
def eudr_check(lot_id: LotArg, producer_names: NamesOpt = False) -> None:
    """Which origin plots the EU system would accept, which not and why (JSON)."""
    from api.eudr.dds import check_lot

    with opened_service(settings()) as service:
        report = check_lot(service, lot_id, producer_names=producer_names)
    typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    if not report["eudr_commodity"]:
        raise typer.Exit(1)


@eudr_app.command("dds")
@_statement_options
def eudr_dds(
    lot_id: LotArg,
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="File (default LOT-dds.xml; parts -kofn).")
    ] = None,
    *,
    options: DdsOptions,
) -> None:
    """Write the lot's V3 submitDds request(s) as XML, checked against the EUDR rules."""
    from api.eudr.dds import build_dds

    with opened_service(settings()) as service:
        plan = build_dds(service, lot_id, options)
    summary = plan.summary()
    _print_warnings(summary["warnings"])
    target = output or Path(f"{lot_id}-dds.xml")
    for index, part in enumerate(plan.parts, start=1):
        path = target
        if len(plan.parts) > 1:
            path = target.with_name(f"{target.stem}-{index}of{len(plan.parts)}{target.suffix}")
        written = path.write_bytes(part.request_xml())
        out.print(
            f"{part.statement.internal_reference}: {len(part.plot_ids)} plots, "
            f"{len(part.statement.producers)} producers, {written} bytes → {path}",
            highlight=False,
        )
    if summary["refused"]:
        out.print(f"{len(summary['refused'])} plots left out (see the warnings)", highlight=False)


def _forest_files(
    baseline: Path | None, losses: list[Path] | None, masks: list[Path] | None
) -> ScreenFiles | None:
    """The maps the options name (None without ``--baseline``); loss layers need one."""
    from api.eudr.screen import ScreenFiles

    if baseline is None:
        if losses or masks:
            fail("--baseline: the loss layers are read against a forest-cover baseline; give one")
        return None
    return ScreenFiles(baseline, tuple(losses or ()), tuple(masks or ()))


@contextmanager
def _layer_errors() -> Iterator[None]:
    """A forest layer that cannot be used: one line naming its option, exit 1."""
    from api.exports.base import ExportError

    try:
        yield
    except ExportError as exc:
        if exc.field not in ("baseline", "loss", "loss_mask"):
            raise
        fail(f"--{exc.field.replace('_', '-')}: {exc}")


@eudr_app.command("screen")
def eudr_screen(
    lot_id: LotArg,
    baseline: BaselineOpt = None,
    loss: LossOpt = None,
    loss_mask: LossMaskOpt = None,
    lang: LangOpt = "es",
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the report as JSON here.")
    ] = None,
) -> None:
    """Deforestation screen: each origin plot against forest maps; the risk report (es/en).

    Prints the plots that need attention (loss after 31/12/2020, loss of unknown date, not
    covered by a map, …) and the forest share at the baseline; docs/eudr.md says how to get
    the JRC Global Forest Cover 2020 tiles and what each status means.
    """
    from api.cli.common import progress
    from api.eudr.screen import screen_lot
    from api.exports.base import ExportRequest
    from verifiers.deforestation.report import render_text

    files = _forest_files(baseline, loss, loss_mask)
    if files is None:
        fail("--baseline: give the forest-cover map of 31/12/2020 (a GeoTIFF)")
    with opened_service(settings()) as service, progress() as bar, _layer_errors():
        task = bar.add_task("eudr screen", total=None)

        def report(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        risk = screen_lot(service, lot_id, files, ExportRequest(lot_id=lot_id, progress=report))
    if output is not None:
        output.write_text(json.dumps(risk, indent=2, ensure_ascii=False), encoding="utf-8")
        err.print(f"report → {output}", highlight=False)
    typer.echo(render_text(risk, "es" if lang == "es" else "en"))


@eudr_app.command("package")
@_statement_options
def eudr_package(
    lot_id: LotArg,
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="ZIP file (default LOT-eudr.zip).")
    ] = None,
    *,
    options: DdsOptions,
    baseline: BaselineOpt = None,
    loss: LossOpt = None,
    loss_mask: LossMaskOpt = None,
) -> None:
    """One ZIP for the exporter: GeoJSON file(s), DDS request(s), trail bundle, summary,
    and with --baseline the deforestation risk report."""
    from api.cli.common import progress
    from api.eudr.package import build_package
    from api.exports.base import ExportRequest

    forest = _forest_files(baseline, loss, loss_mask)

    cfg = settings()
    signer = bool(cfg.key_passphrase) and keystore(cfg).exists(cfg.operator_key_name)
    with opened_service(cfg, with_operator=signer) as service, progress() as bar:
        if service.checkpointer is not None:
            service.checkpointer.tick()  # the operator's own command: cover the newest entries
        task = bar.add_task("eudr package", total=None)

        def report(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        def warn(message: str) -> None:
            bar.console.print(f"[bold yellow]warning:[/] {escape(message)}", highlight=False)

        request = ExportRequest(lot_id=lot_id, progress=report, on_warning=warn)
        with _layer_errors():
            data = build_package(service, lot_id, options, request, forest)
    target = output or Path(f"{lot_id}-eudr.zip")
    target.write_bytes(data)
    out.print(f"eudr package: {len(data)} bytes → {target}", highlight=False)


@contextmanager
def _eudr_client(cfg: Settings) -> Iterator[tuple[EudrClient, EudrCredentials]]:
    from api.eudr.client import EudrClient, EudrServiceError
    from api.eudr.credentials import load_credentials
    from api.eudr.xml import SoapFaultError

    credentials = load_credentials(cfg.key_dir, cfg.key_passphrase)
    try:
        with EudrClient(credentials) as client:
            yield client, credentials
    except SoapFaultError as exc:
        fail(f"the EU system refused it: {exc}")
    except EudrServiceError as exc:
        fail(f"EU system: {exc}")


def _recorder(cfg: Settings, signer: str, server: str | None) -> Callable[[dict[str, Any]], None]:
    from ledger.statements import sign_statement

    key = load_key(cfg, signer)

    def record(body: dict[str, Any]) -> None:
        result = submit(cfg, sign_statement(key, "eudr.dds_recorded", body), server)
        numbers = " ".join(
            f"{name}={body[name]}"
            for name in ("reference_number", "verification_number")
            if body.get(name)
        )
        out.print(
            f"{body['internal_reference']}: {body['status']} {body['dds_uuid']} {numbers}"
            f" — recorded at seq {result['seq']}",
            highlight=False,
        )

    return record


@eudr_app.command("submit")
@_statement_options
def eudr_submit(
    lot_id: LotArg,
    signer: SignerOpt,
    *,
    options: DdsOptions,
    poll: Annotated[bool, typer.Option(help="Then poll for the numbers.")] = True,
    server: ServerOpt = None,
) -> None:
    """Submit the lot's DDS to the EU system and record the identifiers on the lot."""
    from api.eudr.record import poll_lot, submit_lot

    cfg = settings()
    record = _recorder(cfg, signer, server)
    with opened_service(cfg) as service, _eudr_client(cfg) as (client, credentials):
        submit_lot(service, lot_id, options, client, record, credentials.environment)
        if poll:
            poll_lot(service, lot_id, client, record)


@eudr_app.command("poll")
def eudr_poll(lot_id: LotArg, signer: SignerOpt, server: ServerOpt = None) -> None:
    """Ask the EU system for the numbers of the lot's pending statements; record them."""
    from api.eudr.record import poll_lot

    cfg = settings()
    record = _recorder(cfg, signer, server)
    with opened_service(cfg) as service, _eudr_client(cfg) as (client, _credentials):
        if not poll_lot(service, lot_id, client, record):
            out.print(f"{lot_id}: nothing new", highlight=False)


@eudr_app.command("amend")
@_statement_options
def eudr_amend(
    lot_id: LotArg,
    dds_uuid: Annotated[str, typer.Argument(help="The statement's identifier.")],
    signer: SignerOpt,
    *,
    options: DdsOptions,
    server: ServerOpt = None,
) -> None:
    """Send the lot's statement again as an amendment (within 72 hours); record it."""
    from api.eudr.record import amend_lot

    cfg = settings()
    record = _recorder(cfg, signer, server)
    with opened_service(cfg) as service, _eudr_client(cfg) as (client, _credentials):
        amend_lot(service, lot_id, dds_uuid, options, client, record)


@eudr_app.command("withdraw")
def eudr_withdraw(
    lot_id: LotArg,
    dds_uuid: Annotated[str, typer.Argument(help="The statement's identifier.")],
    signer: SignerOpt,
    server: ServerOpt = None,
) -> None:
    """Withdraw a statement of the lot (within 72 hours); record it."""
    from api.eudr.record import withdraw_lot

    cfg = settings()
    record = _recorder(cfg, signer, server)
    with opened_service(cfg) as service, _eudr_client(cfg) as (client, _credentials):
        withdraw_lot(service, lot_id, dds_uuid, client, record)


@eudr_app.command("verify")
def eudr_verify(
    reference: Annotated[str, typer.Argument(help="DDS reference number.")],
    verification: Annotated[str, typer.Argument(help="DDS verification number.")],
) -> None:
    """Ask the EU system whether a supplier's statement exists and is usable."""
    cfg = settings()
    with _eudr_client(cfg) as (client, _credentials):
        result = client.verify(reference, verification)
    status = f" ({result.status})" if result.status else ""
    out.print(f"{reference}: {result.result}{status}", highlight=False)
    if result.result != "EXISTING_USABLE":
        raise typer.Exit(1)


@credentials_app.command("set")
def credentials_set(
    username: Annotated[str, typer.Option(help="The web-service user name.")],
    client_id: Annotated[str, typer.Option(help="Client id, e.g. eudr-test or eudr-repository.")],
    auth_key_file: Annotated[
        Path,
        typer.Option(help="File holding the authentication key on its first line ('-': stdin)."),
    ],
    endpoint: Annotated[
        str, typer.Option(help="acceptance (default), production, or a base URL.")
    ] = "acceptance",
) -> None:
    """Store the EU web-service credentials in the key store (sealed; never printed)."""
    from api.cli.common import passphrase
    from api.eudr.credentials import save_credentials

    cfg = settings()
    keystore(cfg)  # the key directory of this configuration
    path = save_credentials(
        cfg.key_dir,
        passphrase(cfg),
        username=username,
        auth_key=read_secret_file(auth_key_file),
        client_id=client_id,
        endpoint=endpoint,
    )
    out.print(f"EUDR credentials sealed in {path}", highlight=False)


@credentials_app.command("show")
def credentials_show() -> None:
    """Which credentials would be used, and from where (never the key)."""
    from api.eudr.credentials import load_credentials

    cfg = settings()
    found = load_credentials(cfg.key_dir, cfg.key_passphrase)
    typer.echo(json.dumps(found.public(), indent=2))


@credentials_app.command("forget")
def credentials_forget() -> None:
    """Delete the credentials stored in the key store."""
    from api.eudr.credentials import forget_credentials

    cfg = settings()
    gone = forget_credentials(cfg.key_dir)
    out.print("EUDR credentials deleted" if gone else "no EUDR credentials stored")
