"""Which export formats exist, by the name the CLI's ``--format`` and the API's ``format`` use.

Each format module is imported here explicitly so the list is one place to read.
"""

from __future__ import annotations

from api.exports.base import ExportError, ExportFormat

__all__ = ["FORMATS", "export_format"]

FORMATS: dict[str, ExportFormat] = {}


def _register(*formats: ExportFormat) -> None:
    for fmt in formats:
        FORMATS[fmt.name] = fmt


def export_format(name: str) -> ExportFormat:
    """The format called ``name``.

    Raises:
        ExportError: no such format (the message lists the known ones).
    """
    try:
        return FORMATS[name]
    except KeyError:
        known = ", ".join(sorted(FORMATS)) or "none"
        raise ExportError(f"unknown export format {name!r}; known: {known}") from None


# Format modules register themselves below, one import each (kept last on purpose).
