"""Batch appends (group commit) against single appends measured in the same run.

Usage::

    python -m bench.bench_batch [--quick] [--statements N] [--batch B] [--rounds R]
                                [--markdown docs/performance.md] [--no-pg]

Per engine (SQLite, then PostgreSQL unless ``--no-pg``), per round (3 by default), the same
N pre-signed ``key.added`` statements (3,000 by default) are appended four ways, each on a
fresh ledger, one after the other so the four see the same moments of the shared machine:

1. Library, single: ``LedgerService.submit`` one statement at a time (one transaction and
   one commit each) — what ``POST /api/v1/entries`` calls.
2. Library, batch: ``LedgerService.submit_batch`` with B statements (1,000 by default) per
   call — one transaction and one commit per batch — what ``POST /api/v1/batches``
   calls.
3. HTTP, single: ``uvicorn api.app:create_app --factory`` (1 worker) and one keep-alive
   connection POSTing ``/api/v1/entries`` one request at a time (the minimal asyncio client
   of ``bench.bench_http``, in a separate process); every answer must be 201.
4. HTTP, batch: the same server set-up, one connection POSTing ``/api/v1/batches``
   with B statements per request; every item must come back ``appended``.

The result is batch rate ÷ single rate through the same face (target ≥ 3×, issue 17): what
admitting many statements under one lock and committing them with one flush saves. Every
ledger must hold exactly N + 1 entries afterwards. Statements are signed before any timing
starts: signing is the phone's cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.bench_http import _request, _wait_ready, generate_load, init_ledger, ledger_size
from bench.bench_ledger import LedgerKeys
from bench.bench_proofs import database
from bench.bench_resolver import _free_port, uvicorn_server
from bench.common import (
    DEFAULT_PG_URL,
    Report,
    Timer,
    expect,
    load_average,
    machine_facts,
    pg_server_version,
    phase,
    print_report,
    progress,
    publish_reports,
)

MARKDOWN_MARKER = "bench-batch"
TARGET = 3.0
FACES = ("Library", "HTTP")


@dataclass(frozen=True)
class Sizes:
    """How much work each measurement does."""

    statements: int
    batch: int
    rounds: int


# --------------------------------------------------------------------------- library


def library_seconds(url: str, keys: LedgerKeys, bodies: Sequence[bytes], batch: int) -> float:
    """Seconds ``LedgerService`` takes to append ``bodies`` on a fresh ledger: one by one
    (``batch`` 1, ``submit``) or ``batch`` at a time (``submit_batch``)."""
    from api.services.ledger import LedgerService
    from ledger.chain import AppendResult
    from ledger.statements import SignedStatement

    init_ledger(url, keys)
    statements = [SignedStatement.from_dict(json.loads(body)) for body in bodies]
    service = LedgerService.open(url, migrate=False)
    try:
        service.head()  # open the pool before the clock starts
        with Timer() as timer:
            if batch == 1:
                for signed in statements:
                    service.submit(signed)
            else:
                for start in range(0, len(statements), batch):
                    outcomes = service.submit_batch(statements[start : start + batch])
                    expect(
                        all(isinstance(o, AppendResult) and o.created for o in outcomes),
                        "a batch statement was not appended",
                    )
    finally:
        service.close()
    expect(ledger_size(url) == len(bodies) + 1, "library appends went missing")
    return timer.seconds


# --------------------------------------------------------------------------- HTTP


def _post_batch(port: int, body: bytes) -> bytes:
    return (
        f"POST /api/v1/batches HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _send_batches(port: int, bodies: Sequence[bytes]) -> tuple[float, int]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    appended = 0
    try:
        started = time.perf_counter()
        for body in bodies:
            status, answer = await _request(reader, writer, _post_batch(port, body))
            expect(status == 200, f"POST /batches answered {status}: {answer[:200]!r}")
            appended += int(json.loads(answer)["appended"])
        return time.perf_counter() - started, appended
    finally:
        writer.close()


def send_batches(port: int, bodies: Sequence[bytes]) -> tuple[float, int]:
    """POST each batch body in turn on one connection; (seconds, statements appended).
    Run in another process, so the client's cost is not the server's."""
    return asyncio.run(_send_batches(port, bodies))


def http_seconds(
    engine: str,
    keys: LedgerKeys,
    bodies: Sequence[bytes],
    batch: int,
    workdir: Path,
    pg_url: str,
    pool: ProcessPoolExecutor,
) -> float:
    """Seconds a fresh server takes to append ``bodies`` through HTTP: one request each
    (``batch`` 1) or ``batch`` per request."""
    port = _free_port()
    with database(engine, workdir, pg_url) as url:
        init_ledger(url, keys)
        env = {"BIOTRAZA_DATABASE_URL": url, "BIOTRAZA_DATA_DIR": str(workdir)}
        with uvicorn_server("api.app:create_app", port, env):
            _wait_ready(port, 1)
            if batch == 1:
                run = pool.submit(generate_load, port, list(bodies), 1).result()
                expect(run.bad_status == 0, f"{run.bad_status} POSTs were not answered 201")
                seconds = run.seconds
            else:
                requests = [
                    b'{"statements": [' + b", ".join(bodies[i : i + batch]) + b"]}"
                    for i in range(0, len(bodies), batch)
                ]
                seconds, appended = pool.submit(send_batches, port, requests).result()
                expect(appended == len(bodies), f"{appended} of {len(bodies)} appended")
        expect(ledger_size(url) == len(bodies) + 1, "HTTP appends went missing")
    return seconds


# --------------------------------------------------------------------------- driver


@dataclass
class Cell:
    """One engine × face over the rounds: rates (statements/s) single and batch."""

    single: list[float] = field(default_factory=list)
    batch: list[float] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        return [b / s for s, b in zip(self.single, self.batch, strict=True)]

    def median_round(self) -> int:
        """Index of the round with the median ratio."""
        order = sorted(range(len(self.ratios)), key=lambda i: self.ratios[i])
        return order[(len(order) - 1) // 2]


def run_engine(
    engine: str, workdir: Path, pg_url: str, keys: LedgerKeys, sizes: Sizes
) -> dict[str, Cell]:
    """Every round of the four measurements on one engine."""
    statements = keys.key_added_many("batch", sizes.statements)
    bodies = [json.dumps(s.to_dict()).encode() for s in statements]
    cells = {face: Cell() for face in FACES}
    count = len(bodies)
    with ProcessPoolExecutor(max_workers=1) as pool:
        for round_no in range(1, sizes.rounds + 1):
            data_dir = workdir / f"data-{engine}-{round_no}"
            data_dir.mkdir()
            with phase(f"{engine}, round {round_no}: library"):
                for size, rates in (
                    (1, cells["Library"].single),
                    (sizes.batch, cells["Library"].batch),
                ):
                    with database(engine, data_dir, pg_url) as url:
                        rates.append(count / library_seconds(url, keys, bodies, size))
            with phase(f"{engine}, round {round_no}: HTTP"):
                for size, rates in ((1, cells["HTTP"].single), (sizes.batch, cells["HTTP"].batch)):
                    seconds = http_seconds(engine, keys, bodies, size, data_dir, pg_url, pool)
                    rates.append(count / seconds)
    return cells


def report(results: dict[str, dict[str, Cell]], sizes: Sizes) -> Report:
    """One row per engine × face: the median round's rates and every round's ratio."""
    table = Report(
        f"Batch appends ({sizes.batch:,} per batch) against single appends",
        ("Engine", "Face", "Single /s", "Batch /s", "Ratio", "Rounds"),
    )
    for engine, cells in results.items():
        for face, cell in cells.items():
            i = cell.median_round()
            table.add(
                engine,
                face,
                f"{cell.single[i]:,.0f}",
                f"{cell.batch[i]:,.0f}",
                f"{cell.ratios[i]:.1f}×",
                " / ".join(f"{r:.1f}×" for r in cell.ratios),
                target=f"≥ {TARGET:g}×",
                met=cell.ratios[i] >= TARGET,
                note=f"{sizes.statements:,} statements per measurement; single /s over rounds "
                + " / ".join(f"{r:,.0f}" for r in cell.single)
                + "; batch /s "
                + " / ".join(f"{r:,.0f}" for r in cell.batch),
            )
    return table


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_batch",
        description="Batch appends (group commit) against single appends, library and HTTP.",
    )
    parser.add_argument("--quick", action="store_true", help="1,000 statements, 1 round")
    parser.add_argument("--statements", type=int, help="statements per measurement (3000)")
    parser.add_argument("--batch", type=int, default=1000, help="statements per batch (1000)")
    parser.add_argument("--rounds", type=int, help="rounds (3)")
    parser.add_argument("--markdown", type=Path, help="also write a markdown section here")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="SQLAlchemy PostgreSQL URL")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    return parser.parse_args(argv)


@contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="biotraza-bench-batch-") as tmp:
        yield Path(tmp)


def run(argv: Sequence[str] | None = None) -> Report:
    """Measure on each engine, print the table and optionally write the markdown section."""
    args = _parse_args(argv)
    sizes = Sizes(
        statements=args.statements or (1000 if args.quick else 3000),
        batch=args.batch,
        rounds=args.rounds or (1 if args.quick else 3),
    )
    engines = ("SQLite",) if args.no_pg else ("SQLite", "PostgreSQL")
    pg_version = pg_server_version(args.pg_url) if "PostgreSQL" in engines else None
    facts = machine_facts(pg_version)
    keys = LedgerKeys.make()
    started = time.perf_counter()
    with _workdir() as workdir:
        results = {e: run_engine(e, workdir, args.pg_url, keys, sizes) for e in engines}
    table = report(results, sizes)
    facts["Load average at end"] = load_average()
    print_report(table)
    spread = [max(c.ratios) - min(c.ratios) for cells in results.values() for c in cells.values()]
    notes = [
        f"Target: appending {sizes.batch:,} statements per batch ≥ {TARGET:g}× the rate of "
        "appending them one by one through the same face, on the same engine, in the same "
        f"round ({sizes.statements:,} `key.added` per measurement, each on a fresh ledger; "
        f"{sizes.rounds} round(s); the row keeps the round with the median ratio, Rounds "
        "lists each round's).",
        "Library: `LedgerService.submit` vs `LedgerService.submit_batch`, one thread, "
        "in-process. HTTP: `uvicorn api.app:create_app --factory` (1 worker), one keep-alive "
        "connection from a minimal asyncio client in a separate process, one request at a "
        "time: `POST /api/v1/entries` per statement vs `POST /api/v1/batches` per batch.",
        f"Largest spread of a ratio across rounds: {max(spread):.1f}×.",
        f"Whole run: {time.perf_counter() - started:.0f} s.",
    ]
    publish_reports(
        args.markdown,
        module="bench.bench_batch",
        title="Batch appends",
        marker=MARKDOWN_MARKER,
        facts=facts,
        reports=[table],
        notes=notes,
        argv=argv,
    )
    if table.missed:
        progress.log("[red]target missed[/]")
    return table


def main() -> None:
    """Entry point of ``python -m bench.bench_batch``."""
    run()


if __name__ == "__main__":
    main()
