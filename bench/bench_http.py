"""Appends over HTTP against the library append rate measured in the same run.

Usage::

    python -m bench.bench_http [--quick] [--appends N] [--rounds R]
                               [--markdown docs/performance.md] [--no-pg]

Per engine (SQLite, then PostgreSQL unless ``--no-pg``), per round (3 by default), for 1 and
2 uvicorn workers and 1 and 8 clients:

1. The ceiling: ``LedgerService.submit`` — what ``POST /api/v1/entries`` calls — appends
   N pre-signed ``key.added`` statements in-process, one after another, on a fresh ledger,
   in segments of 100 alternating with the HTTP segments of step 2 (the machine is shared
   and its speed drifts within seconds: both sides see the same moments).
2. ``uvicorn api.app:create_app --factory --workers W`` on a fresh ledger, the same N
   statements POSTed by C keep-alive connections (a minimal asyncio HTTP/1.1 client in a
   separate process, so its cost is not the server's; each connection sends its share one
   request at a time). Every answer must be
   201 and the ledger must hold exactly N + 1 entries afterwards.
3. ``GET /api/v1/head`` latency: 50 requests on the idle server before every other
   segment's POSTs (idle p99), and a probe connection in the same client process that reads
   the head every 5 ms while those POSTs run (p99 under load) — the request the event loop
   used to starve (issue 15, item 2). Probed segments are left out of both rates.
4. The floor: ``bench.http_floor_app`` (no work, one executor hop) under the same uvicorn,
   workers and clients; from it the best ratio one client could reach at all.

The ratio HTTP appends/s ÷ library appends/s is the result (target ≥ 70 %): what HTTP
parsing, the framework, strict JSON, the size limit and the thread hop add to an append.
Each configuration's row keeps the round with the median ratio and lists every round's.

Statements are signed before any timing starts: signing is the client's cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

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
    percentile,
    pg_server_version,
    phase,
    print_report,
    progress,
    publish_reports,
)

MARKDOWN_MARKER = "bench-http"
TARGET = 0.70
WORKERS = (1, 2)
CLIENTS = (1, 8)
IDLE_GETS = 50
PROBE_EVERY_S = 0.005
SEGMENT = 100
RETRIES = 3
"""Resends of an append whose database connection was dropped (other sessions share the
PostgreSQL server and may terminate backends)."""
"""Appends per alternating segment (library, then HTTP, then library…)."""


@dataclass(frozen=True)
class Sizes:
    """How much work each measurement does."""

    appends: int
    rounds: int


# --------------------------------------------------------------------------- ledgers


def init_ledger(url: str, keys: LedgerKeys) -> None:
    """Migrate the database and append genesis, as ``biotraza init`` would."""
    from api.services.ledger import LedgerService

    service = LedgerService.open(url)
    try:
        service.submit(keys.genesis())
    finally:
        service.close()


def ledger_size(url: str) -> int:
    """The ledger's tree size."""
    from api.services.ledger import LedgerService

    service = LedgerService.open(url, migrate=False)
    try:
        return service.head().size
    finally:
        service.close()


@contextmanager
def library(
    url: str, data_dir: Path, keys: LedgerKeys, retried: list[int]
) -> Iterator[Callable[[Sequence[bytes]], float]]:
    """A fresh ledger and a function that appends a batch through ``LedgerService.submit``
    in-process, one after another, and returns the seconds it took (``retried[0]`` counts
    appends resent after a dropped connection).

    The service is opened exactly as the server opens its own (``from_settings``: projection
    seal key, lock timeout, checkpoint policy), so the ratio measures what HTTP adds and
    nothing else.
    """
    from api.services.ledger import LedgerService
    from api.settings import Settings
    from ledger.errors import StorageUnavailableError
    from ledger.statements import SignedStatement

    init_ledger(url, keys)
    service = LedgerService.from_settings(Settings(database_url=url, data_dir=data_dir))
    service.head()  # open the pool before the clock starts

    def append_batch(bodies: Sequence[bytes]) -> float:
        statements = [SignedStatement.from_dict(json.loads(body)) for body in bodies]
        with Timer() as timer:
            for signed in statements:
                for attempt in range(RETRIES + 1):
                    try:
                        service.submit(signed)
                        break
                    except StorageUnavailableError:
                        # Another process on this shared server terminated our connection:
                        # resending the same signed statement is safe (idempotent).
                        expect(attempt < RETRIES, "the database stayed unavailable")
                        retried[0] += 1
        return timer.seconds

    try:
        yield append_batch
    finally:
        service.close()


# --------------------------------------------------------------------------- load generator


@dataclass
class HttpRun:
    """What the load generator saw in one configuration."""

    appends: int
    seconds: float
    bad_status: int
    retried: int = 0
    idle_ms: list[float] = field(default_factory=list)
    loaded_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Appends per second."""
        return self.appends / self.seconds if self.seconds else 0.0

    def add(self, run: HttpRun) -> None:
        """Count ``run``'s appends, time and bad answers in this one's."""
        self.appends += run.appends
        self.seconds += run.seconds
        self.bad_status += run.bad_status


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length)
    return int(head.split(b" ", 2)[1]), body


def _post(port: int, body: bytes) -> bytes:
    return (
        f"POST /api/v1/entries HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _get_head(port: int) -> bytes:
    return f"GET /api/v1/head HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


async def _idle_gets(port: int, count: int) -> list[float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    latencies = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            status, _body = await _request(reader, writer, _get_head(port))
            latencies.append((time.perf_counter() - started) * 1000)
            expect(status == 200, f"GET /head answered {status}")
    finally:
        writer.close()
    return latencies


async def _poster(port: int, bodies: Sequence[bytes], tally: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for body in bodies:
            status, _answer = await _request(reader, writer, _post(port, body))
            resent = 0
            while status == 503 and resent < RETRIES:
                # The server lost its database connection (another process on the shared
                # server terminated it): resend, as a client should.
                resent += 1
                status, _answer = await _request(reader, writer, _post(port, body))
            tally[0] += 1
            tally[1] += not (status == 201 or (status == 200 and resent))
            tally[2] += resent
    finally:
        writer.close()


async def _probe(port: int, done: asyncio.Event, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while not done.is_set():
            started = time.perf_counter()
            status, _body = await _request(reader, writer, _get_head(port))
            latencies.append((time.perf_counter() - started) * 1000)
            expect(status in (200, 503), f"GET /head under load answered {status}")
            await asyncio.sleep(PROBE_EVERY_S)
    finally:
        writer.close()


async def _load(port: int, bodies: Sequence[bytes], clients: int, probed: bool) -> HttpRun:
    idle = await _idle_gets(port, IDLE_GETS) if probed else []
    tally = [0, 0, 0]
    loaded: list[float] = []
    done = asyncio.Event()
    probe = asyncio.create_task(_probe(port, done, loaded)) if probed else None
    started = time.perf_counter()
    await asyncio.gather(*(_poster(port, bodies[c::clients], tally) for c in range(clients)))
    elapsed = time.perf_counter() - started
    done.set()
    if probe is not None:
        await probe
    return HttpRun(tally[0], elapsed, tally[1], tally[2], idle, loaded)


def generate_load(
    port: int, bodies: Sequence[bytes], clients: int, probed: bool = False
) -> HttpRun:
    """Run the load generator (call it in another process); with ``probed``, also the idle
    GETs before the POSTs and the GET probe while they run."""
    return asyncio.run(_load(port, bodies, clients, probed))


def _wait_ready(port: int, workers: int, path: str = "/api/v1/head") -> None:
    """Until every worker has answered (uvicorn binds before its workers are ready)."""
    deadline = time.monotonic() + 60
    answered = 0
    while answered < 4 * workers:
        expect(time.monotonic() < deadline, "the server never answered")
        try:
            response = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10)
            answered += response.status_code == 200
        except httpx.TransportError:
            time.sleep(0.1)


def paired_run(
    engine: str,
    keys: LedgerKeys,
    bodies: Sequence[bytes],
    workers: int,
    clients: int,
    workdir: Path,
    pg_url: str,
) -> tuple[float, HttpRun, HttpRun | None]:
    """The library and the HTTP server, each on a fresh ledger, appending the same statements
    in alternating segments, so both see the same machine (it is shared, and its speed
    drifts within seconds); with one client, the appending floor app too, on a third ledger
    (``bench.http_floor_app.create_appending``); (library appends/s, HTTP run, floor run)."""
    segments = [bodies[i : i + SEGMENT] for i in range(0, len(bodies), SEGMENT)]
    port = _free_port()
    total = HttpRun(0, 0.0, 0)
    library_seconds = 0.0
    library_appends = 0
    retried = [0]
    floor_port = _free_port()
    floor = HttpRun(0, 0.0, 0) if clients == 1 else None
    with (
        database(engine, workdir, pg_url) as lib_url,
        database(engine, workdir, pg_url) as http_url,
        database(engine, workdir, pg_url) as floor_url,
    ):
        init_ledger(http_url, keys)
        env = {"BIOTRAZA_DATABASE_URL": http_url, "BIOTRAZA_DATA_DIR": str(workdir)}
        with ExitStack() as servers:
            append_batch = servers.enter_context(
                library(lib_url, workdir / "library", keys, retried)
            )
            servers.enter_context(uvicorn_server("api.app:create_app", port, env, workers))
            if floor is not None:
                init_ledger(floor_url, keys)
                floor_env = {**env, "BIOTRAZA_DATABASE_URL": floor_url}
                factory = "bench.http_floor_app:create_appending"
                servers.enter_context(uvicorn_server(factory, floor_port, floor_env, workers))
                _wait_ready(floor_port, workers, path="/")
            pool = servers.enter_context(ProcessPoolExecutor(max_workers=1))
            _wait_ready(port, workers)
            for number, segment in enumerate(segments):
                # Odd segments carry the GET probe and are left out of every rate: the
                # probe's requests cost the server CPU that the library side never pays.
                probed = number % 2 == 1
                seconds = append_batch(segment)
                run = pool.submit(generate_load, port, list(segment), clients, probed).result()
                total.bad_status += run.bad_status
                total.retried += run.retried
                total.idle_ms += run.idle_ms
                total.loaded_ms += run.loaded_ms
                if not probed:
                    library_seconds += seconds
                    library_appends += len(segment)
                    total.appends += run.appends
                    total.seconds += run.seconds
                    if floor is not None:
                        floor.add(pool.submit(generate_load, floor_port, list(segment), 1).result())
        expect(total.bad_status == 0, f"{total.bad_status} POSTs were not answered 201")
        expect(ledger_size(http_url) == len(bodies) + 1, "HTTP appends went missing")
        expect(ledger_size(lib_url) == len(bodies) + 1, "library appends went missing")
        if floor is not None:
            expect(floor.bad_status == 0, "the appending floor app answered something else")
    if retried[0] or total.retried:
        progress.log(f"resent after a lost connection: {retried[0]} library, {total.retried} HTTP")
    return library_appends / library_seconds, total, floor


def floor_run(bodies: Sequence[bytes], workers: int, clients: int) -> float:
    """Seconds per request of ``bench.http_floor_app`` (no work, one executor hop) under the
    same uvicorn and load generator: what the server pays before doing anything."""
    port = _free_port()
    with (
        uvicorn_server("bench.http_floor_app:create", port, {}, workers=workers),
        ProcessPoolExecutor(max_workers=1) as pool,
    ):
        _wait_ready(port, workers, path="/")
        run = pool.submit(generate_load, port, list(bodies), clients).result()
    expect(run.bad_status == 0, "the floor app answered something else than 201")
    return run.seconds / run.appends


# --------------------------------------------------------------------------- driver


@dataclass
class Cell:
    """One configuration's measurements over the rounds."""

    ratios: list[float] = field(default_factory=list)
    runs: list[HttpRun] = field(default_factory=list)
    ceilings: list[float] = field(default_factory=list)
    floors: list[float] = field(default_factory=list)
    """Seconds per request of the floor app, same workers and clients, same round."""
    appending: list[float] = field(default_factory=list)
    """One client: the appending floor app's rate ÷ the library's, same round."""

    def bound(self, i: int) -> float:
        """The best ratio one client can reach in round ``i``: each request costs at least the
        library's append plus the floor (one client waits for each answer)."""
        library = 1 / self.ceilings[i]
        return library / (library + self.floors[i])

    def median_round(self) -> int:
        """Index of the round with the median ratio."""
        order = sorted(range(len(self.ratios)), key=lambda i: self.ratios[i])
        return order[(len(order) - 1) // 2]


def run_engine(
    engine: str, workdir: Path, pg_url: str, keys: LedgerKeys, sizes: Sizes
) -> dict[tuple[int, int], Cell]:
    """Every configuration, every round, on one engine."""
    bodies = [json.dumps(s.to_dict()).encode() for s in keys.key_added_many("http", sizes.appends)]
    cells: dict[tuple[int, int], Cell] = {(w, c): Cell() for w in WORKERS for c in CLIENTS}
    for round_no in range(1, sizes.rounds + 1):
        for (workers, clients), cell in cells.items():
            data_dir = workdir / f"data-{engine}-{round_no}-{workers}-{clients}"
            data_dir.mkdir()
            with phase(f"{engine}, round {round_no}: {workers} worker(s), {clients} client(s)"):
                ceiling, run, floor = paired_run(
                    engine, keys, bodies, workers, clients, data_dir, pg_url
                )
                cell.floors.append(floor_run(bodies[:SEGMENT], workers, clients))
                if floor is not None:
                    cell.appending.append(floor.rate / ceiling)
            cell.runs.append(run)
            cell.ceilings.append(ceiling)
            cell.ratios.append(run.rate / ceiling)
    return cells


def report(results: dict[str, dict[tuple[int, int], Cell]]) -> Report:
    """One row per engine × workers × clients: the median round and every round's ratio."""
    table = Report(
        "HTTP appends (POST /api/v1/entries) against LedgerService.submit in-process",
        (
            "Engine",
            "Workers × clients",
            "HTTP /s",
            "Library /s",
            "Ratio",
            "Rounds",
            "GET p99 idle ms",
            "GET p99 under POSTs ms",
            "Floor ms",
            "1-client bound",
            "Appending floor",
        ),
    )
    for engine, cells in results.items():
        for (workers, clients), cell in cells.items():
            i = cell.median_round()
            run = cell.runs[i]
            table.add(
                engine,
                f"{workers} × {clients}",
                f"{run.rate:,.0f}",
                f"{cell.ceilings[i]:,.0f}",
                f"{cell.ratios[i]:.0%}",
                " / ".join(f"{r:.0%}" for r in cell.ratios),
                f"{percentile(run.idle_ms, 0.99):.1f}",
                f"{percentile(run.loaded_ms, 0.99):.1f}" if run.loaded_ms else "",
                f"{cell.floors[i] * 1000:.2f}",
                f"{cell.bound(i):.0%}" if clients == 1 else "",
                " / ".join(f"{r:.0%}" for r in cell.appending),
                target=f"≥ {TARGET:.0%}",
                met=cell.ratios[i] >= TARGET,
                note=f"{run.appends:,} appends in {run.seconds:.1f} s, "
                f"{len(run.loaded_ms)} GETs under load",
            )
    return table


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_http",
        description="HTTP append throughput against the in-process library append rate.",
    )
    parser.add_argument("--quick", action="store_true", help="200 appends, 1 round")
    parser.add_argument("--appends", type=int, help="appends per measurement (1000)")
    parser.add_argument("--rounds", type=int, help="rounds (3)")
    parser.add_argument("--markdown", type=Path, help="also write a markdown section here")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="SQLAlchemy PostgreSQL URL")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    return parser.parse_args(argv)


@contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="biotraza-bench-http-") as tmp:
        yield Path(tmp)


def run(argv: Sequence[str] | None = None) -> Report:
    """Measure on each engine, print the table and optionally write the markdown section."""
    args = _parse_args(argv)
    sizes = Sizes(
        appends=args.appends or (200 if args.quick else 1000),
        rounds=args.rounds or (1 if args.quick else 3),
    )
    engines = ("SQLite",) if args.no_pg else ("SQLite", "PostgreSQL")
    pg_version = pg_server_version(args.pg_url) if "PostgreSQL" in engines else None
    facts = machine_facts(pg_version)
    keys = LedgerKeys.make()
    started = time.perf_counter()
    results = {}
    with _workdir() as workdir:
        for engine in engines:
            results[engine] = run_engine(engine, workdir, args.pg_url, keys, sizes)
    table = report(results)
    facts["Load average at end"] = load_average()
    print_report(table)
    spread = [
        max(cell.ratios) - min(cell.ratios) for cells in results.values() for cell in cells.values()
    ]
    notes = [
        f"Target: HTTP appends ≥ {TARGET:.0%} of the library's, measured in the same round "
        "on a fresh ledger of the same engine with the same pre-signed statements, in "
        f"alternating segments of {SEGMENT} ({sizes.appends:,} `key.added` per measurement, "
        f"{sizes.rounds} round(s); the row "
        "keeps the round with the median ratio, Rounds lists each round's).",
        "Library: `LedgerService.submit` in one thread, in-process — the call the route makes, "
        "on a ledger opened as the server opens its own (`from_settings`: projection seal key, "
        "lock bound). With one thread every submit is a plain single append; with concurrent "
        "HTTP clients, submits queued behind a commit share the next transaction (group "
        "commit, `api.services.group_commit`), which is how 8 clients pass the library's "
        "one-at-a-time rate. "
        "HTTP: `uvicorn api.app:create_app --factory --workers W --no-access-log` (uvloop + "
        "httptools), clients "
        "from a minimal asyncio HTTP/1.1 keep-alive client in a separate process, each "
        "connection one request at a time; every answer 201, ledger size checked after.",
        f"GET p99: `GET /api/v1/head`, {IDLE_GETS} requests on the idle server before every "
        "other segment's POSTs, and one "
        f"probe connection every {PROBE_EVERY_S * 1000:g} ms while those POSTs run (it shares "
        "the client process with the POST connections). The probed segments are left out of "
        "both rates (the probe costs the server CPU the library never pays).",
        "Floor: `bench.http_floor_app` under the same uvicorn, workers and clients, right "
        "after each measurement — a bare ASGI app that reads the body, makes one hop to the "
        "executor doing nothing (the append must run off the event loop) and answers 201. "
        "1-client bound = library ms ÷ (library ms + floor ms): the ratio a server with no "
        "framework, no parsing and no work of its own would reach with one client, who "
        "waits for each answer. Where the bound is under the target, the target cannot be "
        "met at one client on this machine by any server keeping the append off the loop.",
        "Appending floor (one client, every round): the same floor app doing the append in "
        "its executor hop (`create_appending`: strict parse, `SignedStatement.from_dict`, "
        "`LedgerService.submit` on a third fresh ledger of the same engine, a fixed 201), in "
        "the same alternating segments — its rate ÷ the library's. The cheapest server that "
        "appends; lower than the 1-client bound, which adds the idle floor's time to the "
        "library's as if the loop's share of a request cost the same beside a real append.",
        "The client shares the machine's 2 cores with the server (and, with 2 workers, "
        "the workers with each other): what a second worker adds is bounded by the cores.",
        f"Largest spread of a configuration's ratio across rounds: {max(spread):.0%}.",
        f"Whole run: {time.perf_counter() - started:.0f} s.",
    ]
    publish_reports(
        args.markdown,
        module="bench.bench_http",
        title="HTTP appends",
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
    """Entry point of ``python -m bench.bench_http``."""
    run()


if __name__ == "__main__":
    main()
