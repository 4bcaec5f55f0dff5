"""Which export formats exist, by the name the CLI's ``--format`` and the API's ``format`` use.

Each format module is imported here explicitly so the list is one place to read.
"""

from __future__ import annotations

from api.exports.base import ExportError, ExportFormat

__all__ = ["FORMATS", "export_format", "trail_media_types"]

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


def trail_media_types() -> dict[str, dict[str, object]]:
    """The OpenAPI ``content`` of a trail download: one media type per format."""
    return {
        fmt.media_type.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
        for fmt in sorted(FORMATS.values(), key=lambda f: f.name)
    }


# Format modules are registered below: one module import plus one _register line each, kept
# last because the modules import ``api.exports.base`` (E402 is silenced for that reason).
from api.exports import eudr  # noqa: E402

_register(eudr.FORMAT)
from api.exports import lineage_svg  # noqa: E402

_register(lineage_svg.FORMAT)
from api.exports import bundle  # noqa: E402

_register(bundle.FORMAT)
from api.exports import csv_events  # noqa: E402

_register(csv_events.FORMAT)
from api.exports import epcis  # noqa: E402

_register(epcis.FORMAT)
