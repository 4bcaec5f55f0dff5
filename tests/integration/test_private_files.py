"""What holds personal data or secrets is owner-only on disk, whatever the umask.

A new installation made under a permissive umask (022, the usual default, and 000) gets a
data directory (and any parent it had to create) and every directory below it 0700, key files
and the SQLite database with its ``-wal``, ``-shm`` and writer-lock files 0600, evidence files
0400 — checked on the files a real ``init``, a running app and an evidence upload leave. An
installation made by older code, with everything 0755/0644, is tightened when it is opened.
Both engines: on PostgreSQL the data directory still holds the keys and the evidence files.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services.genesis import init_ledger
from api.settings import Settings
from ledger.private_paths import private_dir, private_file, tighten
from tests.helpers_storage import is_sqlite_url

PASSPHRASE = "private-files-passphrase"


@pytest.fixture(params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield int(request.param)
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def settings_for(db_url: str, data_dir: Path) -> Settings:
    """The default layout on SQLite (the database inside the data directory)."""
    database = None if is_sqlite_url(db_url) else db_url
    return Settings(data_dir=data_dir, database_url=database, key_passphrase=PASSPHRASE)


def test_a_new_installation_is_owner_only(db_url: str, tmp_path: Path, umask: int) -> None:
    data = tmp_path / "home" / "share" / "biotraza"
    cfg = settings_for(db_url, data)
    init_ledger(cfg, PASSPHRASE, origin="ledger.coop-test.mx/log")
    with TestClient(create_app(cfg)) as client:
        assert client.get("/api/v1/head").json()["size"] == 1
        blob = client.app.state.blobs.put_bytes(b"lab report: HMF 12 mg/kg")  # type: ignore[attr-defined]
        database = data / "ledger.db"
        if is_sqlite_url(db_url):
            # The app's connections are open: SQLite's companion files exist now.
            for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm", "ledger.db-writer.lock"):
                assert mode(data / name) == 0o600, name
        else:
            assert not database.exists()
        seen = {p.relative_to(data).as_posix(): mode(p) for p in data.rglob("*")}

    for directory in (tmp_path / "home", tmp_path / "home" / "share", data):
        assert mode(directory) == 0o700, directory
    assert seen["keys"] == 0o700
    for name in ("root.key", "root.pub.json", "operator.key", "operator.pub.json"):
        assert seen[f"keys/{name}"] == 0o600, name
    digest = blob.sha256
    assert seen["blobs"] == seen[f"blobs/{digest[:2]}"] == seen[f"blobs/{digest[:2]}/{digest[2:4]}"]
    assert seen["blobs"] == 0o700
    assert seen[f"blobs/{digest[:2]}/{digest[2:4]}/{digest}"] == 0o400
    # And nothing else slipped through: no path below the data directory is open to others.
    assert {path: m for path, m in seen.items() if m & 0o077} == {}


def test_an_installation_left_open_is_tightened_when_opened(db_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    cfg = settings_for(db_url, data)
    init_ledger(cfg, PASSPHRASE, origin="ledger.coop-test.mx/log")
    (data / "blobs").mkdir()
    loosened = [data, data / "keys", data / "keys" / "operator.key", data / "blobs"]
    reader = None
    if is_sqlite_url(db_url):
        # Another reader keeps the WAL files in place, as a running server would.
        reader = sqlite3.connect(data / "ledger.db")
        reader.execute("SELECT count(*) FROM entries").fetchall()
        loosened += [data / "ledger.db", data / "ledger.db-wal", data / "ledger.db-shm"]
    try:
        for path in loosened:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        with TestClient(create_app(cfg)) as client:
            assert client.get("/api/v1/head").json()["size"] == 1
            after = {path: mode(path) for path in loosened}
    finally:
        if reader is not None:
            reader.close()
    expected = {path: 0o700 if path.is_dir() else 0o600 for path in loosened}
    assert after == expected


def test_private_paths_do_not_loosen_or_overwrite(tmp_path: Path) -> None:
    """Owner bits are kept (a 0400 blob stays 0400), an existing file is never truncated,
    and a missing path is nothing to tighten."""
    blob = tmp_path / "blob"
    blob.write_bytes(b"evidence")
    os.chmod(blob, 0o444)
    assert tighten(blob)
    assert mode(blob) == 0o400
    private_file(blob, create=True)
    assert blob.read_bytes() == b"evidence"
    assert tighten(tmp_path / "missing")
    private_file(tmp_path / "no-such-dir" / "ledger.db", create=True)  # left to the caller
    assert not (tmp_path / "no-such-dir").exists()
    assert private_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o700
