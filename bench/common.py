"""Shared helpers for the benchmarks: timers, throw-away PostgreSQL schemas, result tables.

Nothing here knows about the ledger; ``bench_ledger``, ``bench_proofs`` and ``bench_supply``
build on it. Two kinds of tables: :class:`Result` rows (a rate, a ceiling, a ratio target,
what ``bench_ledger`` prints) and :class:`Report` tables of free-form columns with a target
cell (latencies, slowdowns, query times).
"""

from __future__ import annotations

import math
import os
import platform
import re
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table

__all__ = [
    "DEFAULT_PG_URL",
    "expect",
    "Report",
    "Result",
    "Row",
    "Timer",
    "load_average",
    "machine_facts",
    "markdown_report",
    "markdown_report_section",
    "markdown_section",
    "parse_count",
    "percentile",
    "phase",
    "pg_conninfo",
    "pg_schema",
    "pg_server_version",
    "print_report",
    "print_results",
    "progress",
    "rate_table",
    "report_table",
    "write_markdown",
]

DEFAULT_PG_URL = os.environ.get(
    "BIOTRAZA_BENCH_PG_URL",
    os.environ.get("BIOTRAZA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
)
"""SQLAlchemy URL of the PostgreSQL database the benchmarks create their schemas in."""

progress = Console(stderr=True)
"""Progress log on stderr, so stdout carries only the result tables."""


class Timer:
    """Wall-clock timer: ``with Timer() as t: ...`` then ``t.seconds``."""

    def __init__(self) -> None:
        self._start = 0.0
        self._end: float | None = None

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        self._end = None
        return self

    def __exit__(self, *_exc: object) -> None:
        self._end = time.perf_counter()

    @property
    def seconds(self) -> float:
        """Elapsed seconds (up to now while the block is still running)."""
        end = time.perf_counter() if self._end is None else self._end
        return end - self._start


# --------------------------------------------------------------------------- PostgreSQL


def pg_conninfo(url: str) -> str:
    """Turn a SQLAlchemy URL (``postgresql+psycopg://…``) into a libpq one for psycopg."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@dataclass(frozen=True)
class PgSchema:
    """A fresh schema: its name, a SQLAlchemy URL and a libpq URL that both see only it."""

    name: str
    url: str
    conninfo: str


@contextmanager
def pg_schema(base_url: str, prefix: str = "bench") -> Iterator[PgSchema]:
    """Create an empty schema, yield URLs scoped to it, and drop it afterwards, even on error."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = pg_conninfo(base_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        scoped = _with_search_path(base_url, name)
        yield PgSchema(name=name, url=scoped, conninfo=pg_conninfo(scoped))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def pg_server_version(base_url: str) -> str:
    """The server's ``version()`` string, shortened to product and version."""
    with psycopg.connect(pg_conninfo(base_url), autocommit=True) as conn:
        row = conn.execute("SELECT current_setting('server_version')").fetchone()
    return f"PostgreSQL {row[0]}" if row else "PostgreSQL (unknown)"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Result:
    """One measured line: a rate, optionally with the ceiling it is compared to and a target."""

    section: str
    measure: str
    count: int
    seconds: float
    ceiling: float | None = None
    target: float | None = None
    note: str = ""

    @property
    def rate(self) -> float:
        """Operations per second."""
        return self.count / self.seconds if self.seconds > 0 else float("inf")

    @property
    def ratio(self) -> float | None:
        """Rate divided by the ceiling, when there is one."""
        return None if self.ceiling is None else self.rate / self.ceiling

    @property
    def met(self) -> bool | None:
        """Whether the ratio reaches the target, when there is one."""
        ratio = self.ratio
        return None if ratio is None or self.target is None else ratio >= self.target


_HEADERS = ("Section", "Measure", "Count", "Seconds", "Rate /s", "Ceiling /s", "Ratio", "Target")


def _cells(result: Result, *, markdown: bool) -> tuple[str, ...]:
    ratio = result.ratio
    met = result.met
    if result.target is None:
        target = ""
    else:
        mark = ("✅" if met else "❌") if markdown else ("[green]ok[/]" if met else "[red]MISS[/]")
        target = f"≥ {result.target:.0%} {mark}"
    measure = f"{result.measure} ({result.note})" if result.note and markdown else result.measure
    return (
        result.section,
        measure,
        f"{result.count:,}",
        f"{result.seconds:.2f}",
        f"{result.rate:,.0f}",
        "" if result.ceiling is None else f"{result.ceiling:,.0f}",
        "" if ratio is None else f"{ratio:.0%}",
        target,
    )


def rate_table(results: Sequence[Result], title: str) -> Table:
    """A rich table of the results, one row each, notes on a dimmed second line."""
    table = Table(title=title, show_lines=False)
    for header in _HEADERS:
        justify = "left" if header in ("Section", "Measure", "Target") else "right"
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    previous = None
    for result in results:
        cells = list(_cells(result, markdown=False))
        if result.section == previous:
            cells[0] = ""
        elif previous is not None:
            table.add_section()
        previous = result.section
        if result.note:
            cells[1] = f"{cells[1]}\n[dim]{result.note}[/]"
        table.add_row(*cells)
    return table


def _stdout_console() -> Console:
    # Piped output gets rich's 80 columns by default, too narrow for these tables.
    return Console() if sys.stdout.isatty() else Console(width=160)


def print_results(results: Sequence[Result], title: str, console: Console | None = None) -> None:
    """Print the results table on stdout."""
    (console or _stdout_console()).print(rate_table(results, title))


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class Row:
    """One line of a :class:`Report`: its cells, and optionally a target and whether it is met.

    The first cell groups rows (repeated values are printed once). ``target`` is text such
    as ``"< 5 ms"``; ``met`` adds ✅/❌ (``None``: no verdict).
    """

    cells: tuple[str, ...]
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass(frozen=True)
class Report:
    """A table with free-form columns; a Target column is added when any row has one."""

    title: str
    headers: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    left: int = 2
    """How many leading columns are text (left-aligned); the rest are numbers."""

    def add(self, *cells: str, target: str = "", met: bool | None = None, note: str = "") -> None:
        """Append a row."""
        if len(cells) != len(self.headers):
            raise ValueError(f"{self.title}: {len(cells)} cells for {len(self.headers)} columns")
        self.rows.append(Row(tuple(cells), target, met, note))

    @property
    def has_target(self) -> bool:
        """Whether any row carries a target."""
        return any(row.target for row in self.rows)

    @property
    def missed(self) -> list[Row]:
        """Rows whose target is not met."""
        return [row for row in self.rows if row.met is False]


def _target_cell(row: Row, *, markdown: bool) -> str:
    if not row.target:
        return ""
    if row.met is None:
        return row.target
    if markdown:
        return f"{row.target} {'✅' if row.met else '❌'}"
    return f"{row.target} {'[green]ok[/]' if row.met else '[red]MISS[/]'}"


def report_table(report: Report) -> Table:
    """A rich table of the report, notes on a dimmed second line of the second column."""
    table = Table(title=report.title, show_lines=False)
    headers = [*report.headers, *(["Target"] if report.has_target else [])]
    for i, header in enumerate(headers):
        text = i < report.left or header == "Target"
        table.add_column(header, justify="left" if text else "right")
    previous: str | None = None
    for row in report.rows:
        cells = list(row.cells)
        if cells[0] == previous:
            cells[0] = ""
        elif previous is not None:
            table.add_section()
        previous = row.cells[0]
        if row.note:
            column = 1 if len(cells) > 1 else 0
            cells[column] = f"{cells[column]}\n[dim]{row.note}[/]"
        if report.has_target:
            cells.append(_target_cell(row, markdown=False))
        table.add_row(*cells)
    return table


def print_report(report: Report, console: Console | None = None) -> None:
    """Print one report table on stdout."""
    (console or _stdout_console()).print(report_table(report))


def markdown_report(report: Report) -> str:
    """The report as a markdown table under a ``###`` heading (notes in parentheses)."""
    headers = [*report.headers, *(["Target"] if report.has_target else [])]
    lines = [f"### {report.title}", "", "| " + " | ".join(headers) + " |"]
    lines.append(
        "|"
        + "|".join(
            "---" if i < report.left or h == "Target" else "---:" for i, h in enumerate(headers)
        )
        + "|"
    )
    for row in report.rows:
        cells = list(row.cells)
        if row.note:
            column = 1 if len(cells) > 1 else 0
            cells[column] = f"{cells[column]} ({row.note})"
        if report.has_target:
            cells.append(_target_cell(row, markdown=True))
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def markdown_report_section(
    title: str,
    facts: dict[str, str],
    reports: Sequence[Report],
    command: str,
    notes: Sequence[str] = (),
) -> str:
    """A markdown section: heading, command, machine facts, one table per report, notes."""
    lines = [f"## {title}", "", f"Command: `{command}`", ""]
    lines += [f"- **{name}**: {value}" for name, value in facts.items()]
    text = "\n".join(lines) + "\n"
    for report in reports:
        text += "\n" + markdown_report(report)
    if notes:
        text += "\n" + "\n".join(f"- {note}" for note in notes) + "\n"
    return text


# --------------------------------------------------------------------------- small helpers


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in (0, 1]) of a non-empty sequence."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def parse_count(text: str) -> int:
    """``"10000"``, ``"10_000"``, ``"10k"`` or ``"1M"`` as an integer."""
    cleaned = text.strip().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(cleaned[-1:].lower(), 1)
    if scale != 1:
        cleaned = cleaned[:-1]
    value = int(float(cleaned) * scale)
    if value <= 0:
        raise ValueError(f"expected a positive count, found {text!r}")
    return value


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, or ``"unknown"``."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Log a phase's start and duration (with the load average) on stderr."""
    progress.log(f"▶ {name}")
    with Timer() as timer:
        yield
    progress.log(f"  done in {timer.seconds:.1f} s (load {load_average()})")


def machine_facts(pg_version: str | None) -> dict[str, str]:
    """CPU count, Python, SQLite and PostgreSQL versions, platform and date of this run."""
    facts = {
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPUs": str(os.cpu_count()),
        "Python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": pg_version or "not measured",
        "Platform": platform.platform(),
    }
    try:
        load = os.getloadavg()
        facts["Load average at start"] = " ".join(f"{value:.2f}" for value in load)
    except OSError:
        pass
    return facts


def markdown_section(
    title: str,
    facts: dict[str, str],
    results: Sequence[Result],
    command: str,
    notes: Sequence[str] = (),
) -> str:
    """A markdown section: heading, machine facts, the command, the table and notes."""
    lines = [f"## {title}", "", f"Command: `{command}`", ""]
    lines += [f"- **{name}**: {value}" for name, value in facts.items()]
    lines += ["", "| " + " | ".join(_HEADERS) + " |"]
    lines.append(
        "|"
        + "|".join("---" if h in ("Section", "Measure", "Target") else "---:" for h in _HEADERS)
        + "|"
    )
    for result in results:
        cells = (cell.replace("|", "\\|") for cell in _cells(result, markdown=True))
        lines.append("| " + " | ".join(cells) + " |")
    if notes:
        lines.append("")
        lines += [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


def write_markdown(path: Path, marker: str, section: str) -> None:
    """Write ``section`` into ``path`` between ``<!-- marker:start -->``/``end`` comments.

    An existing section between the markers is replaced; otherwise the section is appended
    (the file is created if missing), so hand-written prose around it is kept.
    """
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    block = f"{start}\n{section}{end}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        text = before + block + after
    else:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def publish_reports(
    markdown: Path | None,
    *,
    module: str,
    title: str,
    marker: str,
    facts: dict[str, str],
    reports: Sequence[Report],
    notes: Sequence[str],
    argv: Sequence[str] | None,
) -> None:
    """Print the notes and, when ``markdown`` is given, write the benchmark's section there.

    The one ending every benchmark shares: the section records the exact command (module
    and arguments) so a reader can rerun it.
    """
    for note in notes:
        print(f"- {note}")
    if markdown is None:
        return
    command = " ".join([f"python -m {module}", *(argv if argv is not None else sys.argv[1:])])
    section = markdown_report_section(title, facts, reports, command, notes)
    write_markdown(markdown, marker, section)
    progress.log(f"markdown written to {markdown}")


def finish_report(
    report: Report,
    markdown: Path | None,
    *,
    module: str,
    title: str,
    marker: str,
    facts: dict[str, str],
    notes: Sequence[str],
    argv: Sequence[str] | None,
    started: float,
) -> list[Report]:
    """Print a one-report benchmark's table, then its notes closed by the whole run's time
    (since ``started``, a ``time.perf_counter()``) and the load average, which tells a reader
    whether a shared machine stretched the wall times; publish as :func:`publish_reports`."""
    closing = (
        f"Whole run: {time.perf_counter() - started:.0f} s; load average at end {load_average()}."
    )
    print_report(report)
    publish_reports(
        markdown,
        module=module,
        title=title,
        marker=marker,
        facts=facts,
        reports=[report],
        notes=[*notes, closing],
        argv=argv,
    )
    return [report]


def expect(condition: bool, message: str) -> None:
    """A benchmark's sanity check: a run whose work went wrong (a lost append, a bad status)
    must not print a rate as if it had measured something.

    Raises:
        RuntimeError: ``condition`` is false.
    """
    if not condition:
        raise RuntimeError(f"benchmark sanity check failed: {message}")
