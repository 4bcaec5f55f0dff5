"""Auditor exports of a lot's trail: one module per format, one registry, streamed output.

Each format module (``bundle``, ``epcis``, ``csv_events``, ``eudr``, ``lineage_svg``) defines
one ``ExportFormat`` and ``api.exports.registry`` lists them. The HTTP route
(``GET /api/v1/lots/{id}/trail?format=…``) and the CLI (``biotraza export trail``) both call
``ExportFormat.export`` and stream its chunks, so a 100,000-entry trail never has to sit in
memory as one document.
"""

from api.exports.base import ExportError, ExportFormat, ExportRequest, ProgressCallback

__all__ = ["ExportError", "ExportFormat", "ExportRequest", "ProgressCallback"]
