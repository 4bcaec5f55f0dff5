"""The field app's sync in the real browser: 1,000 queued statements to confirmed, and
capture-to-signed.

Targets (issue 17): syncing 1,000 queued statements ≤ 10 s against the local server;
capture-to-signed ≤ 50 ms. The real server (uvicorn in a thread, the app's default checkpoint
policy) serves the real build (``make webapp`` first) to headless Debian Chromium; the phone's
key is made in the browser and enrolled by the association, as in the field.

Per engine (SQLite, then PostgreSQL unless ``--no-pg``), per round:

* **Ceiling**: 1,000 statements signed in the page are POSTed straight to
  ``/api/v1/batches`` as one request from the page (``JSON.stringify``, the request, the
  answer parsed): the least any sync of 1,000 must do.
* **Sync**: 1,000 other statements captured through ``capture()`` (signed and queued in
  IndexedDB) are synced by ``syncNow()`` until every one is *confirmed*: sent, each answer's
  entry hash checked against the device's own computation, the checkpoint verified and each
  inclusion proof verified, the states written to IndexedDB. The ratio sync ÷ ceiling is
  what the app adds on top of the upload.
* **Capture-to-signed**: each ``capture()``'s ``signedMs`` (key, statement, JCS, Ed25519).

Run: ``python -m bench.bench_sync [--rounds 3] [--no-pg] [--markdown docs/performance.md]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from api.app import create_app
from api.services.ledger import LedgerService
from api.settings import Settings
from api.web.app_files import DEFAULT_DIST
from bench.common import DEFAULT_PG_URL, expect, load_average, pg_schema, write_markdown
from ledger.keys import encode_public_key
from ledger.statements import sign_statement
from tests.api.live_server import serve_in_thread
from tests.factories import make_genesis, make_key, make_key_added

CHROMIUM = os.environ.get("BIOTRAZA_CHROMIUM", "/usr/bin/chromium")
SYNC_TARGET_S = 10.0
SIGN_TARGET_MS = 50.0
COOP = make_key("bench:coop")

SIGN_AND_POST = """async ([n, tag]) => {
  const b = globalThis.biotraza;
  const signed = [];
  for (let i = 0; i < n; i++) {
    signed.push(await b.sign("producer.registered", { producer_id: `raw-${tag}-${i}` }));
  }
  const started = performance.now();
  const response = await fetch("/api/v1/batches", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ statements: signed }),
  });
  const answer = await response.json();
  return { ms: performance.now() - started, appended: answer.appended };
}"""

CAPTURE = """async ([n, tag]) => {
  const b = globalThis.biotraza;
  const ms = [];
  for (let i = 0; i < n; i++) {
    const body = { producer_id: `app-${tag}-${i}` };
    ms.push((await b.capture("producer.registered", body)).signedMs);
  }
  return ms;
}"""

SYNC = """async () => {
  const b = globalThis.biotraza;
  const started = performance.now();
  let runs = 0;
  for (;;) {
    const report = await b.syncNow();
    runs++;
    if (report.stoppedBy) return { error: report.stoppedBy.code };
    const counts = await (await b.outbox()).counts();
    if (counts.queued + counts.sending + counts.accepted === 0) {
      const ms = performance.now() - started;
      return { ms, runs, confirmed: counts.confirmed, refused: counts.refused };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}"""


@contextmanager
def _ledger(engine: str, workdir: Path, pg_url: str) -> Iterator[str]:
    if engine == "SQLite":
        yield f"sqlite:///{workdir}/ledger.db"
    else:
        with pg_schema(pg_url, "bench_sync") as schema:
            yield schema.url


def _setup(service: LedgerService) -> None:
    registrar = make_key("bench:registrar")
    service.submit(make_genesis(make_key("bench:root"), make_key("bench:operator")))
    service.submit(make_key_added(make_key("bench:root"), registrar, role="registrar", name="r"))
    org = {
        "org_id": "coop-bench",
        "name": "Cooperativa de medición",
        "legal_form": "cooperativa",
        "state": "07",
        "public_key": encode_public_key(COOP),
    }
    service.submit(sign_statement(registrar, "org.registered", org))


def _enrol(service: LedgerService, page: Page) -> None:
    public = page.evaluate("async () => (await globalThis.biotraza.device()).publicKeyText")
    body = {
        "org_id": "coop-bench",
        "public_key": public,
        "label": "Teléfono de medición",
        "entry_types": ["producer.registered"],
    }
    service.submit(sign_statement(COOP, "device.enrolled", body))


def run_engine(engine: str, pg_url: str, rounds: int, count: int) -> dict[str, list[float]]:
    """Rounds of (ceiling ms, sync ms, every capture's signed ms) on one engine."""
    out: dict[str, list[float]] = {"ceiling": [], "sync": [], "signed": [], "runs": []}
    with tempfile.TemporaryDirectory() as data, _ledger(engine, Path(data), pg_url) as url:
        service = LedgerService.open(url, operator_key=make_key("bench:operator"))
        try:
            _setup(service)
            settings = Settings(data_dir=Path(data), database_url=url)
            with serve_in_thread(create_app(settings, service)) as base, sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
                try:
                    page = browser.new_context().new_page()
                    page.goto(f"{base}/app/outbox")
                    page.locator("h1").wait_for()
                    _enrol(service, page)
                    for r in range(rounds):
                        raw: dict[str, Any] = page.evaluate(SIGN_AND_POST, [count, f"{r}"])
                        expect(raw["appended"] == count, f"ceiling appended {raw}")
                        out["signed"] += page.evaluate(CAPTURE, [count, f"{r}"])
                        synced: dict[str, Any] = page.evaluate(SYNC)
                        expect("error" not in synced, f"sync stopped: {synced}")
                        expect(synced["confirmed"] == count * (r + 1), f"sync: {synced}")
                        out["ceiling"].append(raw["ms"])
                        out["sync"].append(synced["ms"])
                        out["runs"].append(synced["runs"])
                        print(
                            f"{engine} round {r + 1}: ceiling {raw['ms']:.0f} ms, sync "
                            f"{synced['ms']:.0f} ms ({synced['runs']} runs)",
                            flush=True,
                        )
                finally:
                    browser.close()
        finally:
            service.close()
    return out


def _spread(values: list[float]) -> str:
    median, low, high = (statistics.median(values), min(values), max(values))
    return f"{median / 1000:.2f} ({low / 1000:.2f}–{high / 1000:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=1000, help="statements per round")
    parser.add_argument("--quick", action="store_true", help="1 round of 200")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--markdown", type=Path, help="write the section into this file")
    args = parser.parse_args()
    rounds, count = (1, 200) if args.quick else (args.rounds, args.count)
    if not (DEFAULT_DIST / "index.html").is_file():
        raise SystemExit(f"{DEFAULT_DIST} is not built: run `make webapp` first")
    start_load = load_average()
    engines = ("SQLite",) if args.no_pg else ("SQLite", "PostgreSQL")
    results = {engine: run_engine(engine, args.pg_url, rounds, count) for engine in engines}
    lines = [
        "## Field app sync",
        "",
        f"`python -m bench.bench_sync` on {datetime.now(UTC):%Y-%m-%d}: headless Chromium "
        f"({platform.machine()}, {os.cpu_count()} CPUs), the real server in-process and the "
        f"real build; {rounds} rounds of {count:,} statements per engine; load average at "
        f"start {start_load}, at end {load_average()}. Median (min–max) over the rounds.",
        "",
        f"| Engine | Sync of {count:,} to confirmed, s | Ceiling: one raw POST of {count:,}, "
        "s | Sync ÷ ceiling (per round) | Target |",
        "|---|---:|---:|---|---|",
    ]
    for engine, out in results.items():
        ratios = [s / c for s, c in zip(out["sync"], out["ceiling"], strict=True)]
        median = statistics.median(out["sync"]) / 1000
        verdict = "met ✅" if median <= SYNC_TARGET_S else "MISSED ❌"
        lines.append(
            f"| {engine} | {_spread(out['sync'])} | {_spread(out['ceiling'])} | "
            f"{', '.join(f'{r:.1f}×' for r in ratios)} | ≤ {SYNC_TARGET_S:.0f} s {verdict} |"
        )
    signed = [ms for out in results.values() for ms in out["signed"]]
    p95 = sorted(signed)[int(0.95 * (len(signed) - 1))]
    verdict = "met ✅" if statistics.median(signed) <= SIGN_TARGET_MS else "MISSED ❌"
    lines += [
        "",
        f"Capture-to-signed over {len(signed):,} captures: median "
        f"{statistics.median(signed):.1f} ms, 95th percentile {p95:.1f} ms, max "
        f"{max(signed):.1f} ms (target ≤ {SIGN_TARGET_MS:.0f} ms: {verdict}).",
        "",
    ]
    print("\n".join(lines))
    if args.markdown is not None:
        write_markdown(args.markdown, "bench-sync", "\n".join(lines))


if __name__ == "__main__":
    main()
