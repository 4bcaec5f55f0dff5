"""An append waits a bounded time for a hung writer, then fails cleanly; a retry succeeds.

A writer that holds the ledger's write lock and never lets go (a live but hung process) must
not freeze every other append. Each case below holds the lock from another connection —
another store in another thread (another process's append on either engine), another thread
of the same store (a server's thread pool), a program that takes SQLite's lock without the
writer file lock — and checks that the append raises ``StorageUnavailableError`` *while the
lock is still held* (so it gave up on its own, it did not wait for the release), that
nothing was recorded, and that the same signed statement succeeds once the lock is free,
and only once. No timing is asserted: the bound is short so the tests are quick.

Through the surfaces: HTTP answers 503 with the JSON envelope and ``Retry-After``; the CLI
prints one line and exits 1.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from api.app import create_app
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.chain import append, verify_stored_leaves
from ledger.errors import StorageUnavailableError
from ledger.keystore import KeyStore
from ledger.registry import Registry
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine, upgrade_database
from ledger.storage.sql.writer import AppendConnection
from tests.api.test_entries_api import ENTRIES, GENESIS, ROOT, added
from tests.factories import bootstrap, make_key, make_key_added
from tests.helpers_storage import open_store

BOUND = 0.3
"""Seconds: the lock-wait bound under test (short, so each refusal is quick)."""


@contextlib.contextmanager
def short_bound_store(url: str) -> Iterator[SqlLedgerStore]:
    engine = create_ledger_engine(url)
    store = SqlLedgerStore(engine, lock_timeout=BOUND)
    try:
        upgrade_database(engine)
        yield store
    finally:
        store.close()
        engine.dispose()


@contextlib.contextmanager
def lock_held(
    holder: contextlib.AbstractContextManager[SqlLedgerStore],
) -> Iterator[threading.Event]:
    """A thread inside an append transaction of ``holder``'s store (write lock taken) until
    the block ends; yields an event that is set only once the holder has let go."""
    held, release, done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with holder as store, store.appending() as tx:
                tx.head()  # takes the lock on PostgreSQL too (it is taken lazily there)
                held.set()
                release.wait(120)
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            done.set()
            held.set()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert held.wait(60)
    assert not errors, errors
    try:
        yield done
    finally:
        release.set()
        thread.join(60)
        assert not errors, errors


def test_an_append_gives_up_while_another_connection_holds_the_lock(
    db_url: str, registry: Registry
) -> None:
    with short_bound_store(db_url) as store:
        keys = bootstrap(store, registry)
        signed = make_key_added(keys.root, make_key("waiting"), name="waiting")
        with lock_held(open_store(db_url)) as released:
            with pytest.raises(StorageUnavailableError, match="busy"):
                append(store, registry, signed)
            assert not released.is_set()  # it gave up; the holder still has the lock
            assert store.head().size == 1
        first = append(store, registry, signed)
        again = append(store, registry, signed)
        assert (first.created, first.entry.seq) == (True, 1)
        assert (again.created, again.entry) == (False, first.entry)
        assert verify_stored_leaves(store.stored_leaves(), registry).size == 2


def test_an_append_gives_up_behind_another_thread_of_the_same_store(
    db_url: str, registry: Registry
) -> None:
    with short_bound_store(db_url) as store:
        keys = bootstrap(store, registry)
        signed = make_key_added(keys.root, make_key("queued"), name="queued")
        with lock_held(contextlib.nullcontext(store)) as released:
            with pytest.raises(StorageUnavailableError, match="busy"):
                append(store, registry, signed)
            assert not released.is_set()
        assert append(store, registry, signed).entry.seq == 1
        assert store.head().size == 2


def test_sqlite_gives_up_on_a_program_holding_the_database_lock(
    tmp_path: Path, registry: Registry
) -> None:
    """A program that takes SQLite's write lock without the writer file lock: the append gets
    the file lock at once and then waits in SQLite's busy handler, which is bounded too."""
    url = f"sqlite:///{tmp_path}/ledger.db"
    with short_bound_store(url) as store:
        keys = bootstrap(store, registry)
        signed = make_key_added(keys.root, make_key("late"), name="late")
        other = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(StorageUnavailableError, match="busy"):
                append(store, registry, signed)
            assert other.in_transaction
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert append(store, registry, signed).entry.seq == 1


def test_a_lock_wait_that_comes_in_time_is_not_refused(db_url: str, registry: Registry) -> None:
    """The bound is a bound, not a penalty: a holder that lets go within it hands over."""
    engine = create_ledger_engine(db_url)
    store = SqlLedgerStore(engine, lock_timeout=60)
    try:
        upgrade_database(engine)
        keys = bootstrap(store, registry)
        signed = make_key_added(keys.root, make_key("patient"), name="patient")
        result: list[int] = []
        with lock_held(open_store(db_url)):
            waiter = threading.Thread(
                target=lambda: result.append(append(store, registry, signed).entry.seq)
            )
            waiter.start()
        waiter.join(60)
        assert result == [1]
    finally:
        store.close()
        engine.dispose()


def test_the_bound_must_be_positive(tmp_path: Path) -> None:
    engine = create_ledger_engine(f"sqlite:///{tmp_path}/ledger.db")
    try:
        for bad in (0, -1.0, float("nan")):
            with pytest.raises(ValueError, match="lock_timeout"):
                AppendConnection(engine, bad)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- surfaces


def test_http_answers_503_with_retry_after_then_accepts_the_same_statement(
    db_url: str, tmp_path: Path
) -> None:
    service = LedgerService.open(db_url, lock_timeout=BOUND)
    settings = Settings(data_dir=tmp_path, database_url=db_url, lock_timeout_seconds=BOUND)
    body = added(ROOT, make_key("http-waiting"), "certifier", "http-waiting").to_dict()
    try:
        with TestClient(create_app(settings, service)) as client:
            assert client.post(ENTRIES, json=GENESIS.to_dict()).status_code == 201
            with lock_held(open_store(db_url)) as released:
                refused = client.post(ENTRIES, json=body)
                assert not released.is_set()
            assert refused.status_code == 503, refused.text
            assert refused.headers["retry-after"] == "1"
            assert refused.headers["content-type"].startswith("application/json")
            error = refused.json()["error"]
            assert error["code"] == "storage_unavailable"
            assert "busy" in error["message"]
            assert client.get("/api/v1/head").json()["size"] == 1
            accepted = client.post(ENTRIES, json=body)
            assert accepted.status_code == 201, accepted.text
            assert client.post(ENTRIES, json=body).status_code == 200
            assert client.get("/api/v1/head").json()["size"] == 2
    finally:
        service.close()


def test_settings_read_the_bound_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIOTRAZA_LOCK_TIMEOUT_SECONDS", "2.5")
    assert Settings().lock_timeout_seconds == 2.5
    monkeypatch.delenv("BIOTRAZA_LOCK_TIMEOUT_SECONDS")
    assert Settings().lock_timeout_seconds == 5.0


def test_the_cli_prints_one_line_and_exits_1(db_url: str, tmp_path: Path) -> None:
    passphrase = "lock-test-passphrase"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOTRAZA_")}
    env.update({
        "COLUMNS": "300",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "BIOTRAZA_DATA_DIR": str(tmp_path / "data"),
        "BIOTRAZA_KEY_PASSPHRASE": passphrase,
        "BIOTRAZA_DATABASE_URL": db_url,
        "BIOTRAZA_LOCK_TIMEOUT_SECONDS": str(BOUND),
        "BIOTRAZA_ORIGIN": "ledger.coop-test.mx/log",
    })  # fmt: skip
    biotraza = str(Path(sys.executable).with_name("biotraza"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - the project's own console script
            [biotraza, *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    assert run("init").returncode == 0
    KeyStore(tmp_path / "data" / "keys").create("cli-waiting", passphrase)
    with lock_held(open_store(db_url)) as released:
        refused = run("keys", "grant", "cli-waiting", "--role", "registrar")
        assert not released.is_set()
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "busy" in lines[0], lines
    granted = run("keys", "grant", "cli-waiting", "--role", "registrar")
    assert granted.returncode == 0, granted.stderr
    service = LedgerService.open(db_url, migrate=False)
    try:
        assert service.head().size == 2  # genesis and the one grant
    finally:
        service.close()
