"""``biotraza indicators compute|verify``: programme indicators and their offline check.

``compute`` writes the report (figures, signed checkpoint, and as evidence either every entry
behind them or, with ``--evidence state``, a state commitment and the committed documents
the figures read) and prints the landscape totals; ``verify`` opens no database and talks to
no server: it needs the report and the operator's public key, like ``biotraza audit verify``.

Left out: the counting and the checks (``verifiers.indicators``).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from api.cli.common import (
    OperatorKeyOpt,
    app,
    cli_errors,
    load_key,
    opened_service,
    out,
    progress,
    read_text_arg,
    settings,
)
from api.cli.labels import LangOpt

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from rich.progress import Progress

    from api.settings import Settings
    from verifiers.indicators.report import IndicatorCheck

__all__ = ["indicators_app"]

indicators_app = typer.Typer(no_args_is_help=True, help="Programme indicators donors verify.")
app.add_typer(indicators_app, name="indicators")


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--as-of: {value!r} is not a date (YYYY-MM-DD)") from None


@indicators_app.command("compute")
def indicators_compute(
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the report here.")],
    as_of: Annotated[
        str | None,
        typer.Option(help="Report date YYYY-MM-DD (default: the day of the last entry)."),
    ] = None,
    people: Annotated[
        bool,
        typer.Option(
            help="Count women, youth and Indigenous-language speakers from consented personal "
            "data, attested with the operator key (it must be in the key store)."
        ),
    ] = True,
    sign_checkpoint: Annotated[
        bool,
        typer.Option(help="Sign a checkpoint with the operator key if the log grew past one."),
    ] = False,
    evidence: Annotated[
        str,
        typer.Option(
            help="'entries': the report carries every entry (the donor replays them all); "
            "'state': the operator key signs a state.committed entry and a checkpoint now, "
            "and the report carries the committed documents the figures read (fast to "
            "verify; see docs/indicators.md)."
        ),
    ] = "entries",
) -> None:
    """Figures at the latest signed checkpoint, by association, landscape, product and
    season, written with the evidence a donor needs to recompute them."""
    from api.services.indicators import compute_indicators, report_bytes

    if evidence not in ("entries", "state"):
        out.print(f"--evidence: {evidence!r}, expected 'entries' or 'state'", markup=False)
        raise typer.Exit(2)
    cfg = settings()
    with_operator = sign_checkpoint or evidence == "state"
    with cli_errors(), opened_service(cfg, with_operator=with_operator) as service:
        day = _as_of(as_of)
        attest = _attesting_key(cfg) if people else None
        with progress() as bar:
            step = bar.add_task("committing state" if evidence == "state" else "figures")
            found = compute_indicators(
                service, as_of=day, with_people=people, attest_with=attest, evidence=evidence
            )
            bar.update(step, total=1, completed=1)
            writing = bar.add_task("writing report", total=None)
            with output.open("wb") as handle:
                for chunk in report_bytes(
                    service, found, progress=lambda done: bar.update(writing, completed=done)
                ):
                    handle.write(chunk)
    _print_totals(found.header.figures)
    state = found.header.state_entry
    what = f"the state committed at entry {state['seq']}" if state else "entries"
    out.print(
        f"report of {found.header.tree_size} entries ({what} as evidence), as of "
        f"{found.header.as_of}, written to {output}"
    )


def _attesting_key(cfg: Settings) -> Ed25519PrivateKey:
    """The operator key that signs the people figures, or a message naming the way out."""
    try:
        return load_key(cfg, cfg.operator_key_name)
    except Exception as exc:  # noqa: BLE001 - any key-store failure has the same way out
        raise ValueError(
            f"--people: women, youth and Indigenous-language figures come from off-ledger "
            f"personal data and are attested with the operator key {cfg.operator_key_name!r}, "
            f"which could not be loaded ({exc}); use --no-people to leave them out"
        ) from exc


@indicators_app.command("verify")
def indicators_verify(
    report: Annotated[Path, typer.Argument(help="The indicator report (.jsonl).")],
    operator_key: OperatorKeyOpt,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Offline: the checkpoint, the evidence (every entry and the Merkle root, or the state
    commitment's inclusion proof and root) and every figure of a report, recomputed. Needs
    no database."""
    with cli_errors(), progress() as bar:
        result = _checked(report, operator_key, bar)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        verdict = "[bold green]VERIFIED[/]" if result else "[bold red]NOT VERIFIED[/]"
        size = result.header.tree_size if result.header else "?"
        if result.header is not None and result.header.state_entry is not None:
            checked = f"{result.state_leaves} committed documents and links, log of {size}"
        else:
            checked = f"{result.entries} entries of {size}"
        out.print(f"{verdict} indicator report — {checked}")
        if result.header and result:
            _print_totals(result.header.figures)
        for where, why in result.failures[:20]:
            out.print(f"  {where}: {why}", highlight=False, markup=False)
        out.print("[dim]not checkable from the report alone:[/]")
        for limit in result.cannot_check:
            out.print(f"[dim]  · {limit}[/]", highlight=False)
    if not result:
        raise typer.Exit(1)


@indicators_app.command("report")
def indicators_report(
    report: Annotated[Path, typer.Argument(help="The indicator report (.jsonl).")],
    operator_key: OperatorKeyOpt,
    pdf: Annotated[Path, typer.Option("--pdf", help="Write the readable report (PDF) here.")],
    lang: LangOpt = "es",
) -> None:
    """A readable PDF of a report, with charts, in Spanish or English: drawn only after the
    report verifies offline (as `indicators verify`), so it shows recomputed figures."""
    from api.exports.indicators_pdf import indicators_pdf

    with cli_errors():
        with progress() as bar:
            result = _checked(report, operator_key, bar)
            if not result or result.header is None:
                for where, why in result.failures[:20]:
                    out.print(f"  {where}: {why}", highlight=False, markup=False)
                raise ValueError(f"REPORT: {report} does not verify; no PDF was written")
            drawing = bar.add_task("drawing PDF", total=None)
            document = indicators_pdf(
                result.header,
                lang,
                progress=lambda done, total: bar.update(drawing, completed=done, total=total),
            )
        pdf.write_bytes(document)
    out.print(
        f"verified report of {result.header.tree_size} entries; PDF ({lang}) written to {pdf}"
    )


def _checked(report: Path, operator_key: str, bar: Progress) -> IndicatorCheck:
    """Check a report offline (``verifiers.indicators.check_report``) with a progress bar:
    what `indicators verify` prints and what `indicators report` draws only if it passes.

    Raises:
        ValueError: the operator key does not parse, or REPORT is not a file.
    """
    from api.services.ledger import full_registry
    from ledger.checkpoints import parse_verifier_key
    from verifiers.indicators import check_report

    key = read_text_arg(operator_key)
    parse_verifier_key(key)
    if not report.is_file():
        raise ValueError(f"REPORT: {report} is not a file")
    with report.open("rb") as handle:
        task = bar.add_task("verifying report", total=None)
        return check_report(
            handle,
            full_registry(),
            key,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


def _print_totals(figures: dict[str, Any]) -> None:
    """The landscape totals as a table (hidden people figures print as "<5")."""

    def shown(value: object) -> str:
        return "<5" if value is None else str(value)

    table = Table("landscape", "product", "season", "ha verified / all", "producers",
                  "labels", "eligible kg / shipped kg", "eligible sales / all", "paid / bought MXN",
                  "trained", "women", "youth",
                  "indigenous")  # fmt: skip
    for row in figures.get("landscapes", []):
        people = row.get("people") or {}
        table.add_row(
            row["landscape"], row["product"], row["season"],
            f"{row['hectares_verified']} / {row['hectares']}", shown(row["producers"]),
            str(row["labels_issued"]), f"{row['eligible_shipped_kg']} / {row['shipped_kg']}",
            "; ".join(f"{c} {row['eligible_sales_value'].get(c, '0.00')} / {v}"
                      for c, v in row["sales_value"].items()) or "-",
            f"{row['paid_to_producers_mxn']} / {row['purchased_mxn']}",
            shown(row["trained_producers"]),
            shown(people.get("women")) if people else "-",
            shown(people.get("youth")) if people else "-",
            shown(people.get("indigenous")) if people else "-",
        )  # fmt: skip
    out.print(table)
