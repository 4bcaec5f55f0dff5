"""``biotraza audit verify BUNDLE --operator-key KEY``: check a trail bundle offline.

Opens no database and talks to no server: everything comes from the bundle file and the
operator's public key (a C2SP verifier key string, or a file holding it, as ``biotraza
proof verify-inclusion`` takes it). The entry types are this build's (``full_registry``),
so a bundle is judged by the same rules the ledger applied. Prints a summary (rich) or the
whole report as JSON; exits 1 when anything fails to verify.

Left out: the checks (``verifiers.audit``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from api.cli.common import OperatorKeyOpt, app, cli_errors, out, progress, read_text_arg

if TYPE_CHECKING:  # types only: the modules load when a command runs
    from verifiers.audit import AuditReport

__all__ = ["audit_app", "print_report"]

audit_app = typer.Typer(no_args_is_help=True, help="Check auditor exports offline.")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    bundle: Annotated[Path, typer.Argument(help="The trail bundle (.bundle.json).")],
    operator_key: OperatorKeyOpt,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Offline: every signature, authorization, proof, the checkpoint, mass balance and
    the verifications' results of a trail bundle. Needs no database."""
    from api.exports.trail import TRAIL_EXTENSIONS
    from api.services.ledger import full_registry
    from ledger.checkpoints import parse_verifier_key
    from verifiers.audit import check_bundle

    with cli_errors():
        key = read_text_arg(operator_key)
        parse_verifier_key(key)  # a malformed key is refused before anything is read
        _refuse_non_bundle(bundle)
        registry = full_registry()
        with bundle.open("rb") as handle, progress() as bar:
            task = bar.add_task("verifying bundle", total=None)

            def report_progress(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)

            report = check_bundle(
                handle, registry, key, extensions=TRAIL_EXTENSIONS, progress=report_progress
            )
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_report(report)
    if not report:
        raise typer.Exit(1)


def _refuse_non_bundle(path: Path) -> None:
    """Fail in one line when the file is plainly not a bundle (a CSV, an EPCIS document…).

    Raises:
        ValueError: the file does not start like a trail bundle.
    """
    with path.open("rb") as handle:
        start = handle.read(64).lstrip()
    if not start.startswith(b"{"):
        raise ValueError(
            f"BUNDLE: {path.name} is not a trail bundle (the .bundle.json file written by "
            "`biotraza export trail LOT --format bundle`); other exports carry no signatures "
            "and cannot be verified offline"
        )


def print_report(report: AuditReport) -> None:
    """The human summary: verdict, the lot, every step, failures, and what cannot be checked."""
    verdict = "[bold green]VERIFIED[/]" if report else "[bold red]NOT VERIFIED[/]"
    if report.lot_id is None:  # the header could not be read: nothing else was checked
        reason = report.failures[0].message if report.failures else "unreadable header"
        out.print(f"{verdict}: not a trail bundle ({reason})", highlight=False)
        return
    out.print(
        f"{verdict} trail of lot [bold]{report.lot_id}[/] — {report.entry_count} entries, "
        f"checkpoint of {report.origin} at tree size {report.tree_size}"
    )
    lot = report.summary.get("lot")
    eligibility = report.summary.get("eligibility")
    if lot:
        out.print(
            f"lot: {lot['product']} {lot['form']}, {lot['quantity_kg']} kg, held by "
            f"{lot['custodian']}; {report.summary.get('lineage_lots')} lots in its lineage"
        )
    if eligibility:
        state = "eligible" if eligibility["eligible"] else "not eligible"
        out.print(f"as replayed from the bundle the lot is [bold]{state}[/] for the label")
        for reason in eligibility["reasons"][:5]:
            out.print(f"  · {reason['message_en']}", highlight=False)
    table = Table("#", "step", "checked", "result", "what it establishes")
    failed_steps = {f.step for f in report.failures}
    for check in report.checks:
        status = (
            "[yellow]not run[/]"
            if not check.ran
            else "[red]FAILED[/]"
            if check.step in failed_steps
            else "[green]ok[/]"
        )
        table.add_row(str(check.number), check.step, str(check.checked), status, check.description)
    out.print(table)
    if report.failures:
        out.print(f"[bold red]{report.failure_count} failure(s)[/]; the first ones:")
        for failure in report.failures[:20]:
            out.print(f"  {failure}", highlight=False, markup=False)
    out.print("[dim]not checkable from a bundle alone:[/]")
    for limit in report.cannot_check:
        out.print(f"[dim]  · {limit}[/]", highlight=False)
