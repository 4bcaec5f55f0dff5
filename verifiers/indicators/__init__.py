"""Programme indicators computed from the ledger, and the report a donor checks offline.

``figures`` counts, ``disclosure`` decides what may be shown, ``report`` writes and checks
the offline report. Imports ``ledger`` and ``verifiers`` only, so the report is recomputable
with no database.
"""

from verifiers.indicators.disclosure import MIN_CELL, check_disclosure, publish
from verifiers.indicators.figures import Person, RawFigures, compute_figures
from verifiers.indicators.report import (
    CANNOT_CHECK,
    IndicatorCheck,
    ReportHeader,
    check_report,
    report_lines,
)

__all__ = [
    "CANNOT_CHECK",
    "MIN_CELL",
    "IndicatorCheck",
    "Person",
    "RawFigures",
    "ReportHeader",
    "check_disclosure",
    "check_report",
    "compute_figures",
    "publish",
    "report_lines",
]
