"""Resolver page throughput on one uvicorn worker, against a hello-world ceiling.

Usage::

    python -m bench.bench_resolver [--quick] [--seconds 10] [--connections 32]
                                   [--markdown docs/performance.md] [--no-pg]

Per engine (SQLite, then PostgreSQL unless ``--no-pg``):

1. The demo ledger is built (``api.demo.build_demo``, which issues its labels: one label for
   4 coffee sacks, one per honey drum with serials 1…21, and a revoked misprint); root lists
   the benchmark server's address as the resolver host (``label.resolvers``). The loaded URLs
   are the sack label and the 21 drum labels (22 distinct label URLs); the revoked one is
   checked to show as revoked.
2. ``uvicorn api.app:create_app --factory --workers 1`` serves that ledger in its own process.
   The load generator — a minimal asyncio HTTP/1.1 keep-alive client in another process, so
   its cost is not the server's — opens ``--connections`` connections and requests the label
   pages round-robin for ``--seconds`` seconds, each as a Spanish phone would
   (``Accept: text/html``, ``Accept-Language: es-MX``). Every response must be a 200 page
   whose verdict is the expected one (checked on a sample before the run, counted after).
3. The ceiling, measured in the same run with the same load generator and settings: plain
   uvicorn serving a one-route FastAPI app (one worker, a sync route on the thread pool, as
   the resolver's) that returns a static page of the same size as a resolver page. That is
   the cost no resolver can avoid (HTTP parsing, the framework, the thread hop, the bytes).

What one resolver request does: read the tree size (one indexed query), look up the
verdict and the lot's facts in the per-tree-size cache (filled on the first request for a
URL), read the label's scan totals (one indexed query), queue the scan (written in batches
after the response), render the page. Results: requests/s of each, and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.bench_proofs import database
from bench.common import (
    DEFAULT_PG_URL,
    Report,
    expect,
    load_average,
    machine_facts,
    pg_server_version,
    phase,
    print_report,
    progress,
    publish_reports,
)

MARKDOWN_MARKER = "bench-resolver"
TARGET_RPS = 300.0
PASSPHRASE = "bench-resolver-passphrase"  # noqa: S105 - a throw-away key store
HEADERS = (
    "Accept: text/html\r\nAccept-Language: es-MX,es;q=0.9\r\n"
    # A phone's browser: requests without a User-Agent (or a library's) are not counted scans.
    "User-Agent: Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131 Mobile\r\n"
)


# --------------------------------------------------------------------------- the ledger


def prepare_ledger(data_dir: Path, url: str, host: str) -> tuple[list[str], list[str]]:
    """Build the demo (with its labels) into ``url`` and list this server as a resolver host;
    (genuine label paths, revoked label paths)."""
    from api.demo import build_demo
    from api.services.labels import issuance_labels, label_for
    from api.services.ledger import LedgerService
    from api.settings import Settings
    from ledger.keystore import KeyStore
    from ledger.statements import sign_statement

    cfg = Settings(data_dir=data_dir, key_passphrase=PASSPHRASE, database_url=url)
    labels = build_demo(cfg)["labels"]
    keys = KeyStore(cfg.key_dir)
    root, issuer = keys.load("root", PASSPHRASE), keys.load("label-issuer", PASSPHRASE)
    service = LedgerService.open(url)
    try:
        service.submit(
            sign_statement(
                root,
                "label.resolvers",
                {"hosts": [host]},
                ts="2026-06-04T12:00:00Z",
                nonce="bench-resolver-hosts",
            )
        )
        # Every drum's own label (the host is not signed: re-rendered for this server).
        honey_seq = int(labels["honey"]["seq"])
        drums = issuance_labels(label_for(service, honey_seq), honey_seq, issuer, host)
    finally:
        service.close()

    def path(label: str) -> str:
        parts = urlsplit(label)
        return f"{parts.path}?{parts.query}"

    genuine = [str(labels["coffee"]["path"]), *(path(text) for text in drums)]
    return genuine, [str(labels["coffee_revoked"]["path"])]


# --------------------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ceiling_app() -> object:
    """The hello-world ceiling: FastAPI, one sync route, a static page of the resolver's size
    (``BIOTRAZA_BENCH_CEILING_BYTES``)."""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    size = int(os.environ.get("BIOTRAZA_BENCH_CEILING_BYTES", "40000"))
    body = "<!doctype html><title>ok</title>" + "x" * max(size - 32, 0)
    app = FastAPI()

    @app.get("/", response_class=HTMLResponse)
    def hello() -> HTMLResponse:
        return HTMLResponse(body)

    return app


@contextmanager
def uvicorn_server(
    factory: str, port: int, env: dict[str, str], workers: int = 1
) -> Iterator[None]:
    """``uvicorn FACTORY --factory --workers N`` on 127.0.0.1:PORT, stopped afterwards."""
    command = [
        sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--log-level", "warning",
        "--no-access-log",
    ]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **env})  # noqa: S603 - our command
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{factory} did not start on port {port}") from None
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --------------------------------------------------------------------------- load generator


@dataclass(frozen=True)
class Load:
    """What the load generator saw."""

    requests: int
    seconds: float
    bad_status: int
    expected_text: int
    body_bytes: int

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0


async def _connection(
    port: int, paths: list[str], offset: int, stop_at: float, expect: str, tally: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    host = f"127.0.0.1:{port}"
    i = offset
    try:
        while time.perf_counter() < stop_at:
            path = paths[i % len(paths)]
            i += 1
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{HEADERS}\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
            tally[0] += 1
            tally[1] += status != 200
            tally[2] += expect.encode() in body
            tally[3] += len(body)
    finally:
        writer.close()


async def _load(port: int, paths: list[str], connections: int, seconds: float, expect: str) -> Load:
    tally = [0, 0, 0, 0]
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(_connection(port, paths, n * 7, stop_at, expect, tally) for n in range(connections))
    )
    elapsed = time.perf_counter() - started
    return Load(tally[0], elapsed, tally[1], tally[2], tally[3])


def generate_load(
    port: int, paths: list[str], connections: int, seconds: float, expect: str
) -> Load:
    """Run the load generator (call it in another process)."""
    return asyncio.run(_load(port, paths, connections, seconds, expect))


def measure(port: int, paths: list[str], connections: int, seconds: float, expect: str) -> Load:
    """A short warm-up, then the timed run, from a separate process."""
    with ProcessPoolExecutor(max_workers=1) as pool:
        pool.submit(generate_load, port, paths, connections, min(2.0, seconds), expect).result()
        return pool.submit(generate_load, port, paths, connections, seconds, expect).result()


# --------------------------------------------------------------------------- driver


def _sample(port: int, path: str) -> str:
    """One page, fetched the plain way, for the sanity checks."""
    import httpx

    response = httpx.get(
        f"http://127.0.0.1:{port}{path}", headers={"accept-language": "es-MX"}, timeout=30
    )
    expect(response.status_code == 200, f"{path} answered {response.status_code}")
    return response.text


def run_engine(
    engine: str, url: str, workdir: Path, seconds: float, connections: int
) -> tuple[Load, Load, int, int]:
    """Resolver and ceiling loads on one engine; also the page size and label count."""
    port = _free_port()
    data_dir = workdir / f"data-{engine}"
    data_dir.mkdir()
    with phase(f"{engine}: build the demo ledger and issue labels"):
        genuine, revoked = prepare_ledger(data_dir, url, f"127.0.0.1:{port}")
    env = {
        "BIOTRAZA_DATA_DIR": str(data_dir),
        "BIOTRAZA_DATABASE_URL": url,
        "BIOTRAZA_KEY_PASSPHRASE": PASSPHRASE,
    }
    with uvicorn_server("api.app:create_app", port, env):
        page = _sample(port, genuine[0])
        expect("Etiqueta auténtica" in page, "a genuine label is not shown as genuine")
        expect("Etiqueta revocada" in _sample(port, revoked[0]), "revoked label not revoked")
        paths = genuine
        with phase(f"{engine}: resolver, {connections} connections × {seconds:g} s"):
            resolver = measure(port, paths, connections, seconds, "Etiqueta auténtica")
    written = count_scans(url)
    expect(
        written >= resolver.requests,
        f"{written} scans written for {resolver.requests} timed resolver requests",
    )
    ceiling_port = _free_port()
    ceiling_env = {"BIOTRAZA_BENCH_CEILING_BYTES": str(len(page.encode()))}
    with uvicorn_server("bench.bench_resolver:ceiling_app", ceiling_port, ceiling_env):
        with phase(f"{engine}: hello-world ceiling, same load"):
            ceiling = measure(ceiling_port, ["/"], connections, seconds, "<title>ok</title>")
    expect(resolver.bad_status == 0, f"{resolver.bad_status} resolver responses were not 200")
    expect(
        resolver.expected_text == resolver.requests,
        f"{resolver.requests - resolver.expected_text} resolver pages lacked the verdict",
    )
    expect(ceiling.bad_status == 0, "the ceiling answered errors")
    return resolver, ceiling, len(page.encode()), len(paths)


def count_scans(url: str) -> int:
    """Rows in the scan log (every resolve of a recorded label writes one)."""
    from sqlalchemy import text

    from ledger.storage.sql import create_ledger_engine

    engine = create_ledger_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM label_scans")).scalar_one())
    finally:
        engine.dispose()


def report(results: dict[str, tuple[Load, Load, int, int]]) -> Report:
    """The table: requests, rate, ceiling, ratio, target."""
    table = Report(
        "Resolver page on one uvicorn worker",
        ("Engine", "Path", "Requests", "Seconds", "Rate /s", "Ceiling /s", "Ratio"),
    )
    for engine, (resolver, ceiling, page_bytes, labels) in results.items():
        table.add(
            engine,
            "hello-world ceiling (FastAPI sync route, same page size)",
            f"{ceiling.requests:,}",
            f"{ceiling.seconds:.1f}",
            f"{ceiling.rate:,.0f}",
            "",
            "",
        )
        table.add(
            engine,
            "resolver page (genuine labels, round-robin)",
            f"{resolver.requests:,}",
            f"{resolver.seconds:.1f}",
            f"{resolver.rate:,.0f}",
            f"{ceiling.rate:,.0f}",
            f"{resolver.rate / ceiling.rate:.0%}" if ceiling.rate else "",
            target=f"≥ {TARGET_RPS:.0f}/s",
            met=resolver.rate >= TARGET_RPS,
            note=f"{labels} label URLs, {page_bytes:,}-byte pages",
        )
    return table


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_resolver",
        description="Resolver page requests/s on one worker against a hello-world ceiling.",
    )
    parser.add_argument("--quick", action="store_true", help="3 s per measurement")
    parser.add_argument("--seconds", type=float, help="seconds per measurement (10)")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    parser.add_argument("--markdown", type=Path, help="also write a markdown section here")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="SQLAlchemy PostgreSQL URL")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    return parser.parse_args(argv)


def run(argv: Sequence[str] | None = None) -> Report:
    """Measure on each engine, print the table and optionally write the markdown section."""
    args = _parse_args(argv)
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    engines = ("SQLite",) if args.no_pg else ("SQLite", "PostgreSQL")
    pg_version = pg_server_version(args.pg_url) if "PostgreSQL" in engines else None
    facts = machine_facts(pg_version)
    started = time.perf_counter()
    results: dict[str, tuple[Load, Load, int, int]] = {}
    with tempfile.TemporaryDirectory(prefix="biotraza-bench-resolver-") as tmp:
        for engine in engines:
            with database(engine, Path(tmp), args.pg_url) as url:
                results[engine] = run_engine(engine, url, Path(tmp), seconds, args.connections)
    table = report(results)
    facts["Load average at end"] = load_average()
    print_report(table)
    notes = [
        f"Target: the resolver page ≥ {TARGET_RPS:.0f} requests/s on one uvicorn worker; the "
        "ratio to a hello-world FastAPI page of the same size served the same way (measured "
        "in the same run) shows what the resolver adds.",
        f"Load: {args.connections} keep-alive connections from a minimal asyncio HTTP/1.1 "
        "client in a separate process, a 2 s warm-up untimed, then "
        f"{seconds:g} s timed; every resolver response was a 200 page showing the expected "
        "verdict.",
        "Per request: the tree size and the label's scan totals (one read transaction), "
        "the verdict, the lot facts and the rendered facts fragment from the per-tree-size "
        "cache, the scan queued and written in batches after the response (the scan log was "
        "checked to hold at least one row per timed request), the verdict part rendered "
        "(Jinja2).",
        "The load generator shares the 2 cores with the server, so both rates are lower "
        "than on a machine where the client runs elsewhere.",
        f"Whole run: {time.perf_counter() - started:.0f} s.",
    ]
    publish_reports(
        args.markdown,
        module="bench.bench_resolver",
        title="Resolver",
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
    """Entry point of ``python -m bench.bench_resolver``."""
    run()


if __name__ == "__main__":
    main()
