"""The contract every export format keeps: validate first, then stream bytes.

An exporter is called with the service and an ``ExportRequest``. It must do every check that
can refuse the export (unknown lot, product outside EUDR scope, a plot without geometry…)
*before* it returns, raising the domain error, so the HTTP layer can still answer 4xx. Only
then does it hand back an iterator of byte chunks, which the caller writes to a file or a
streaming response. Progress is reported through the request's callback as (done, total).

Left out: where the bytes go (``api.http.routes.exports``, ``api.cli.exports``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from api.services.ledger import LedgerService
from ledger.errors import LedgerError

__all__ = ["ExportError", "ExportFormat", "ExportRequest", "Exporter", "ProgressCallback"]


class ExportError(LedgerError):
    """An export was refused: unknown format, product outside the format's scope, missing data.

    ``field`` names the request parameter or the data at fault, for the API's error body
    (HTTP 422) and the CLI's message.
    """

    def __init__(self, message: str, field: str = "format") -> None:
        super().__init__(message)
        self.field = field


ProgressCallback = Callable[[int, int | None], None]
"""Called with (items done, items in all or None when unknown)."""


@dataclass(frozen=True)
class ExportRequest:
    """What to export and how; the options a format does not use are ignored by it."""

    lot_id: str
    excel_bom: bool = False
    """CSV: start with a UTF-8 byte-order mark so Excel detects the encoding."""
    producer_names: bool = False
    """EUDR: name producers who consented, instead of the association."""
    progress: ProgressCallback | None = None
    on_warning: Callable[[str], None] | None = None
    """Told about anything the auditor should look at that does not refuse the export (EUDR:
    plots without deforestation-free evidence); formats also put these in the file."""

    def report(self, done: int, total: int | None) -> None:
        """Forward progress to the callback, if any."""
        if self.progress is not None:
            self.progress(done, total)

    def warn(self, message: str) -> None:
        """Forward a warning to the callback, if any."""
        if self.on_warning is not None:
            self.on_warning(message)


Exporter = Callable[[LedgerService, ExportRequest], Iterator[bytes]]
"""Validates eagerly (raising domain errors), then returns the chunks to write."""


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its name on the CLI and API, its media type and file suffix."""

    name: str
    media_type: str
    suffix: str
    description: str
    export: Exporter
