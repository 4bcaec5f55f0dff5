"""The field app in the real browser: first-load size, offline cold start, slow-3G load.

Targets (issue 17): first load ≤ 250 KB compressed; offline cold start ≤ 1.5 s; usable
within 5 s on an emulated slow-3G link. The real server (uvicorn, empty SQLite ledger)
serves the real build (``make webapp`` first) to headless Debian Chromium via Playwright.

* **First load**: bytes on the wire (headers + gzip bodies, Chromium's own count) of every
  request the page makes on a first visit until its service worker controls it; beside it,
  what the worker then precaches (the whole build, gzip as served).
* **Offline cold start**: network off, every service worker stopped, a new page opens
  ``/app/`` until the home heading is visible. Ceiling in the same run: the browser opening
  a one-heading ``data:`` page (its floor for a new page with nothing to fetch).
* **Slow 3G**: a fresh profile (nothing cached) behind Chromium DevTools' "Slow 3G" preset
  (2,000 ms latency, 50,000 B/s each way) until the home heading is visible. Ceiling in the
  same run: opening ``/api/v1/head`` (one small JSON document) under the same conditions.

Each timing is ``--rounds`` rounds: median, min and max are printed. Run:
``python -m bench.bench_webapp [--markdown docs/performance.md]`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from api.app import create_app
from api.settings import Settings
from api.web.app_files import DEFAULT_DIST, AppFiles
from bench.common import load_average, write_markdown
from tests.browser.waiting import wait_until

CHROMIUM = os.environ.get("BIOTRAZA_CHROMIUM", "/usr/bin/chromium")
FIRST_LOAD_TARGET = 250 * 1024
COLD_START_TARGET_S = 1.5
SLOW_3G_TARGET_S = 5.0
SLOW_3G = {
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 50_000,
    "uploadThroughput": 50_000,
}


@contextmanager
def _server() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(data_dir=Path(data), database_url=f"sqlite:///{data}/ledger.db")
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=30)


def _context(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport={"width": 390, "height": 780}, locale="es-MX")


def _first_load(browser: Browser, base: str) -> tuple[int, int]:
    context = _context(browser)
    page = context.new_page()
    sizes: list[int] = []
    page.on(
        "requestfinished",
        lambda request: sizes.append(
            request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"]
        ),
    )
    page.goto(f"{base}/app/")
    wait_until(page, "navigator.serviceWorker.controller !== null")
    page.wait_for_load_state("networkidle")
    context.close()
    files = AppFiles(DEFAULT_DIST)
    precache = 0
    for path in DEFAULT_DIST.rglob("*"):
        if path.is_file():
            found = files.get(path.relative_to(DEFAULT_DIST).as_posix())
            if found is None:
                raise SystemExit(f"{path} vanished during the run (a rebuild?)")
            precache += len(found.gzipped if found.gzipped is not None else found.body)
    return sum(sizes), precache


def _to_heading(page: Page, url: str) -> float:
    """Seconds from starting to open ``url`` until its first heading is visible."""
    started = time.perf_counter()
    page.goto(url, timeout=60_000)
    page.locator("h1").wait_for(timeout=60_000)
    return time.perf_counter() - started


def _opened(page: Page, url: str) -> float:
    """Seconds to open ``url`` (its document loaded)."""
    started = time.perf_counter()
    page.goto(url, timeout=60_000)
    return time.perf_counter() - started


def _cold_starts(browser: Browser, base: str, rounds: int) -> tuple[list[float], list[float]]:
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{base}/app/")
    wait_until(page, "navigator.serviceWorker.controller !== null")
    cdp = context.new_cdp_session(page)
    cdp.send("ServiceWorker.enable")
    context.set_offline(True)
    app: list[float] = []
    floor: list[float] = []
    for _ in range(rounds):
        cdp.send("ServiceWorker.stopAllWorkers")
        cold = context.new_page()
        app.append(_to_heading(cold, f"{base}/app/"))
        cold.close()
        blank = context.new_page()
        floor.append(_to_heading(blank, "data:text/html,<h1>x</h1>"))
        blank.close()
    context.close()
    return app, floor


def _slow_3g(browser: Browser, base: str, rounds: int) -> tuple[list[float], list[float]]:
    app: list[float] = []
    floor: list[float] = []
    for _ in range(rounds):
        context = _context(browser)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        floor.append(_opened(page, f"{base}/api/v1/head"))
        cdp.send("Network.clearBrowserCache")
        app.append(_to_heading(page, f"{base}/app/"))
        context.close()
    return app, floor


def _row(name: str, values: list[float], ceiling: list[float], target: float) -> str:
    median = statistics.median(values)
    verdict = "met ✅" if median <= target else "MISSED ❌"
    return (
        f"| {name} | {median:.2f} | {min(values):.2f} | {max(values):.2f} | "
        f"{statistics.median(ceiling):.2f} | {median / statistics.median(ceiling):.1f}× | "
        f"≤ {target} s {verdict} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 rounds")
    parser.add_argument("--no-pg", action="store_true", help="accepted; no database is timed")
    parser.add_argument("--markdown", type=Path, help="write the section into this file")
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    if not (DEFAULT_DIST / "index.html").is_file():
        raise SystemExit(f"{DEFAULT_DIST} is not built: run `make webapp` first")
    start_load = load_average()
    with _server() as base, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            version = browser.version
            first, precache = _first_load(browser, base)
            cold, blank = _cold_starts(browser, base, rounds)
            slow, trip = _slow_3g(browser, base, max(3, rounds // 2))
        finally:
            browser.close()
    verdict = "met ✅" if first <= FIRST_LOAD_TARGET else "MISSED ❌"
    lines = [
        "## Field app",
        "",
        f"`python -m bench.bench_webapp` on {datetime.now(UTC):%Y-%m-%d}: headless Chromium "
        f"{version} ({platform.machine()}, {os.cpu_count()} CPUs), the real server and build; "
        f"{rounds} rounds (slow 3G: {max(3, rounds // 2)}); load average at start "
        f"{start_load}, at end {load_average()}.",
        "",
        "| Measure | Bytes | Target |",
        "|---|---:|---|",
        f"| First load on the wire (page requests until the worker controls it; headers + "
        f"gzip bodies) | {first:,} ({first / FIRST_LOAD_TARGET:.0%} of target) | "
        f"≤ 250 KB {verdict} |",
        f"| Precached by the service worker (whole build, as served) | {precache:,} |  |",
        "",
        "| Measure | Median s | Min s | Max s | Ceiling s | × ceiling | Target |",
        "|---|---:|---:|---:|---:|---:|---|",
        _row("Offline cold start to the home heading (ceiling: a `data:` page)", cold, blank, 1.5),
        _row(
            "Slow 3G (2 s latency, 50 kB/s), fresh profile, to the home heading "
            "(ceiling: opening `/api/v1/head`)",
            slow,
            trip,
            5.0,
        ),
        "",
    ]
    print("\n".join(lines))
    if args.markdown is not None:
        write_markdown(args.markdown, "bench-webapp", "\n".join(lines))


if __name__ == "__main__":
    main()
