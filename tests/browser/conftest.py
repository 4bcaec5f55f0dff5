"""A real server and a real browser for the page tests.

Once per session: the demo ledger is built into a temporary directory (with its labels: a
genuine coffee-sack label and a revoked misprint), root adds the test server's address
(``127.0.0.1:<port>``) to the resolver hosts with ``label.resolvers`` (as a deployment lists
its own), and uvicorn serves the real app on that port in a thread. Chromium is
Debian's ``/usr/bin/chromium`` driven by Playwright (no browser download). If it is missing
the tests fail, never skip: ``scripts/ensure-chromium`` (run by ``make test``) installs it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, Playwright, sync_playwright

from api.app import create_app
from api.demo import build_demo
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.keystore import KeyStore
from ledger.statements import sign_statement
from tests.conftest import fresh_pg_schema

CHROMIUM = os.environ.get("BIOTRAZA_CHROMIUM", "/usr/bin/chromium")
PASSPHRASE = "browser-test-passphrase"


@dataclass(frozen=True)
class Served:
    """The running demo: its base URL and the paths of its labels."""

    base: str
    genuine: str
    revoked: str
    lot_id: str
    key_dir: Path
    """The demo's key files (passphrase ``PASSPHRASE``), for tests that sign as an org."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare(data_dir: Path, port: int, database_url: str | None = None) -> tuple[Settings, Served]:
    """Build the demo into ``data_dir`` (its ledger in SQLite there, or at ``database_url``)
    and list this server's address among the resolver hosts."""
    cfg = Settings(
        data_dir=data_dir,
        key_passphrase=PASSPHRASE,
        database_url=database_url or f"sqlite:///{data_dir / 'ledger.db'}",
    )
    labels = build_demo(cfg)["labels"]
    host = f"127.0.0.1:{port}"
    service = LedgerService.open(cfg.resolved_database_url)
    try:
        # Root lists this server beside the printed host, as a deployment lists its own.
        hosts = [urlsplit(labels["coffee"]["text"]).netloc, host]
        root = KeyStore(cfg.key_dir).load("root", PASSPHRASE)
        service.submit(
            sign_statement(
                root,
                "label.resolvers",
                {"hosts": hosts},
                ts="2026-06-04T12:00:00Z",
                nonce="browser-test-resolvers",
            )
        )
    finally:
        service.close()
    served = Served(
        base=f"http://{host}",
        genuine=str(labels["coffee"]["path"]),
        revoked=str(labels["coffee_revoked"]["path"]),
        lot_id=str(labels["coffee"]["lot_id"]),
        key_dir=cfg.key_dir,
    )
    return cfg, served


@contextmanager
def serving(cfg: Settings, port: int) -> Iterator[None]:
    """The app of ``cfg`` served by uvicorn on ``port`` in a thread, until the block ends."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(cfg), host="127.0.0.1", port=port, log_level="warning", ws="none")
    )
    thread = threading.Thread(target=server.run, name=f"uvicorn-browser-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo app served by uvicorn on a free loopback port, in a thread."""
    port = _free_port()
    cfg, info = _prepare(tmp_path_factory.mktemp("browser-demo"), port)
    with serving(cfg, port):
        yield info


@contextmanager
def served_on_postgres(data_dir: Path) -> Iterator[Served]:
    """The demo built on PostgreSQL (a fresh schema of its own, dropped afterwards) and
    served like :func:`served`, for the browser tests that run on both engines."""
    with fresh_pg_schema() as url:
        port = _free_port()
        cfg, info = _prepare(data_dir, port, url)
        with serving(cfg, port):
            yield info


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Debian Chromium; a missing binary fails the run (CI installs it)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run scripts/ensure-chromium (apt-get install chromium)"
        )
    launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    try:
        yield launched
    finally:
        launched.close()
