"""``biotraza export trail LOT --format …``: an auditor export written to a file or stdout.

The command streams the format's chunks to the output as they come and shows a progress bar
(on stderr) while it does, so large trails neither block silently nor fill memory.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.markup import escape

from api.cli.common import app, cli_errors, keystore, opened_service, out, progress, settings

__all__ = ["export_app"]

export_app = typer.Typer(no_args_is_help=True, help="Auditor exports of a lot's trail.")
app.add_typer(export_app, name="export")


@export_app.command("trail")
def export_trail(
    lot_id: Annotated[str, typer.Argument(help="The lot whose trail to export.")],
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="bundle, epcis, csv, eudr-geojson or svg."),
    ] = "bundle",
    output: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output file (default LOT-trail.<suffix>; - = stdout)."),
    ] = None,
    bom: Annotated[bool, typer.Option("--bom", help="CSV: UTF-8 BOM for Excel.")] = False,
    producer_names: Annotated[
        bool,
        typer.Option("--producer-names", help="EUDR: name consenting producers."),
    ] = False,
) -> None:
    """Export a lot's chain of custody for auditors (streams; shows progress)."""
    from api.exports.base import ExportRequest
    from api.exports.registry import export_format

    cfg = settings()
    # With the operator key at hand, the operator's CLI signs the checkpoint a bundle needs.
    signer = bool(cfg.key_passphrase) and keystore(cfg).exists(cfg.operator_key_name)
    with cli_errors(), opened_service(cfg, with_operator=signer) as service, progress() as bar:
        chosen = export_format(fmt)
        if service.checkpointer is not None:
            service.checkpointer.tick()  # the operator's own command: cover the newest entries
        task = bar.add_task(f"export {chosen.name}", total=None)

        def report(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        def warn(message: str) -> None:
            bar.console.print(f"[bold yellow]warning:[/] {escape(message)}", highlight=False)

        request = ExportRequest(
            lot_id=lot_id,
            excel_bom=bom,
            producer_names=producer_names,
            progress=report,
            on_warning=warn,
        )
        chunks = chosen.export(service, request)
        target = output or Path(f"{lot_id}-trail{chosen.suffix}")
        written = _write(chunks, target)
    if str(target) != "-":
        out.print(f"{chosen.name}: {written} bytes → {target}", highlight=False)


def _write(chunks: Iterator[bytes], target: Path) -> int:
    """Write the chunks to ``target`` (``-`` is stdout); the number of bytes written."""
    if str(target) == "-":
        return _copy(chunks, sys.stdout.buffer)
    with target.open("wb") as handle:
        return _copy(chunks, handle)


def _copy(chunks: Iterator[bytes], handle: BinaryIO) -> int:
    written = 0
    for chunk in chunks:
        handle.write(chunk)
        written += len(chunk)
    return written


def known_formats() -> list[str]:
    """The format names, for help texts and tests."""
    from api.exports.registry import FORMATS

    return sorted(FORMATS)
