"""An append waiting for the write lock does not freeze its HTTP worker (issue 15, item 2).

Against a real uvicorn server in a subprocess (one worker), on SQLite and PostgreSQL: the test
takes the ledger's write lock from outside the server — the writer ``flock`` that SQLite
appends queue on (``ledger.storage.sql.writer``), the transaction-scoped advisory lock that
PostgreSQL appends take (``ledger.storage.sql.pg_append``) — starts a POST, waits until the
server's append is seen queued behind that lock (``/proc/locks``, ``pg_locks``), and then
reads. Before the fix the POST ran on the event loop and every read waited for the lock (3
of 3 ``GET /api/v1/head`` timed out at 5 s); now each read answers while the POST is still
waiting, and the POST completes once the lock is released.

No timed assertion: the proof is the order of events (reads answered while the append is
provably still blocked). The read latencies are logged; docs/api.md records them.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest

from api.services.ledger import LedgerService
from tests.api.live_server import serve_subprocess
from tests.factories import make_genesis, make_key, make_key_added

logger = logging.getLogger(__name__)

ROOT = make_key("root")
OPERATOR = make_key("operator")
WAIT_S = 60.0
"""Bound on waiting for the server to reach the lock (a loaded machine is slow, not stuck)."""


def _blocked_flocks(inode: int) -> int:
    """How many flock requests are waiting on the file with this inode (Linux /proc/locks)."""
    count = 0
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if "->" in parts and parts[parts.index("->") + 1] == "FLOCK":
            device_inode = parts[parts.index("->") + 5]
            if int(device_inode.rsplit(":", 1)[1]) == inode:
                count += 1
    return count


@contextmanager
def sqlite_writer_lock(db_url: str) -> Iterator[Callable[[], int]]:
    """Hold the SQLite ledger's writer lock; yield a probe counting appends queued on it."""
    database = db_url.removeprefix("sqlite:///")
    fd = os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        inode = os.fstat(fd).st_ino
        yield lambda: _blocked_flocks(inode)
    finally:
        os.close(fd)  # releases the lock


def _conninfo(db_url: str) -> str:
    return db_url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def pg_advisory_lock(db_url: str) -> Iterator[Callable[[], int]]:
    """Hold the PostgreSQL ledger's advisory append lock; yield a probe counting appends
    waiting for it."""
    with (
        psycopg.connect(_conninfo(db_url)) as holder,
        psycopg.connect(_conninfo(db_url), autocommit=True) as observer,
    ):
        row = holder.execute(
            "SELECT pg_advisory_xact_lock(hashtext(current_schema())), "
            "hashtext(current_schema())::bigint"
        ).fetchone()
        assert row is not None
        key = row[1] & 0xFFFFFFFFFFFFFFFF
        classid, objid = key >> 32, key & 0xFFFFFFFF

        def waiting() -> int:
            found = observer.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND classid::bigint = %s AND objid::bigint = %s",
                (classid, objid),
            ).fetchone()
            return int(found[0]) if found else 0

        try:
            yield waiting
        finally:
            holder.rollback()  # ends the transaction, releasing the lock


@pytest.fixture
def ledger_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    service = LedgerService.open(db_url)
    try:
        service.submit(make_genesis(ROOT, OPERATOR))
    finally:
        service.close()
    return {"BIOTRAZA_DATABASE_URL": db_url, "BIOTRAZA_DATA_DIR": str(tmp_path)}


def test_reads_answer_while_an_append_waits_for_the_write_lock(
    db_url: str, ledger_env: dict[str, str]
) -> None:
    hold = sqlite_writer_lock if db_url.startswith("sqlite") else pg_advisory_lock
    statement = make_key_added(ROOT, make_key("waiting-writer"), name="waiting-writer")
    with serve_subprocess(ledger_env) as (url, _process):
        posted: dict[str, httpx.Response] = {}
        with hold(db_url) as queued:
            poster = threading.Thread(
                target=lambda: posted.setdefault(
                    "response",
                    httpx.post(f"{url}/api/v1/entries", json=statement.to_dict(), timeout=WAIT_S),
                ),
                daemon=True,
            )
            poster.start()
            deadline = time.monotonic() + WAIT_S
            while queued() == 0:
                assert poster.is_alive(), f"the POST ended without waiting: {posted}"
                assert time.monotonic() < deadline, "the append never reached the lock"
                time.sleep(0.05)

            latencies = []
            for _ in range(5):
                started = time.perf_counter()
                head = httpx.get(f"{url}/api/v1/head", timeout=5)
                latencies.append(time.perf_counter() - started)
                assert head.status_code == 200, head.text
                assert head.json()["size"] == 1  # the waiting append is not visible
            # Still waiting: the reads were answered during the wait, not after it.
            assert queued() == 1
            assert poster.is_alive()
            logger.info("GET /head while an append waits: max %.1f ms", max(latencies) * 1000)
        poster.join(timeout=WAIT_S)
        assert not poster.is_alive()
        assert posted["response"].status_code == 201, posted["response"].text
        assert posted["response"].json()["seq"] == 1
        assert httpx.get(f"{url}/api/v1/head", timeout=5).json()["size"] == 2
