"""The content-addressed evidence file store on a real filesystem.

What it proves: a file is stored under its SHA-256 and read back checked; storing it again is
a no-op; a wrong claimed hash, an oversize file or a failed upload leave nothing behind (not
even a temporary file); concurrent uploads of one file end with one intact copy; bytes
changed on disk are detected when read; names that are not lowercase hex are refused.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from ledger.errors import DomainRuleError, EntryNotFoundError, IntegrityError
from ledger.storage.blobs import BlobStore, BlobTooLargeError, check_digest

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 300


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_put_then_read_back(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    info = store.put_bytes(PHOTO)
    assert info.sha256 == _sha(PHOTO) and info.size == len(PHOTO) and info.created
    assert store.exists(info.sha256) and store.size(info.sha256) == len(PHOTO)
    assert store.read_bytes(info.sha256) == PHOTO
    path = store.path_of(info.sha256)
    assert path.parent.parent.name == info.sha256[:2] and path.parent.name == info.sha256[2:4]
    assert list(store.digests()) == [info.sha256]


def test_storing_again_is_a_no_op(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    first = store.put([PHOTO[:1000], PHOTO[1000:]], expected=_sha(PHOTO))
    mtime = store.path_of(first.sha256).stat().st_mtime_ns
    again = store.put_bytes(PHOTO, _sha(PHOTO))
    assert first.created and not again.created and again.sha256 == first.sha256
    assert store.path_of(first.sha256).stat().st_mtime_ns == mtime
    assert len(_all_files(tmp_path)) == 1


def test_wrong_claimed_hash_stores_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    claimed = _sha(b"something else")
    with pytest.raises(DomainRuleError, match="not the") as caught:
        store.put_bytes(PHOTO, claimed)
    assert caught.value.field == "sha256"
    assert not store.exists(claimed) and not store.exists(_sha(PHOTO))
    assert _all_files(tmp_path) == []


def test_oversize_file_stores_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs", max_bytes=1000)
    with pytest.raises(BlobTooLargeError, match="1000 bytes"):
        store.put([b"x" * 600, b"x" * 600])
    assert _all_files(tmp_path) == []
    assert store.put_bytes(b"x" * 1000).created


def test_an_upload_interrupted_midway_leaves_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")

    def flaky() -> object:
        yield PHOTO[:500]
        raise ConnectionResetError("link dropped")

    with pytest.raises(ConnectionResetError):
        store.put(flaky())  # type: ignore[arg-type]
    assert _all_files(tmp_path) == []


def test_concurrent_uploads_of_one_file(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    results = []
    errors: list[BaseException] = []

    def upload() -> None:
        try:
            results.append(store.put([PHOTO[i : i + 4096] for i in range(0, len(PHOTO), 4096)]))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=upload) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {r.sha256 for r in results} == {_sha(PHOTO)}
    assert sum(r.created for r in results) >= 1
    assert _all_files(tmp_path) == [store.path_of(_sha(PHOTO))]
    assert store.read_bytes(_sha(PHOTO)) == PHOTO


def test_bytes_changed_on_disk_are_detected(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    digest = store.put_bytes(PHOTO).sha256
    path = store.path_of(digest)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[1234] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match=digest):
        store.read_bytes(digest)


def test_missing_and_malformed_names(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    absent = _sha(b"never stored")
    assert not store.exists(absent)
    with pytest.raises(EntryNotFoundError):
        store.read(absent)
    with pytest.raises(EntryNotFoundError):
        store.size(absent)
    for bad in (absent.upper(), absent[:-1], "../" + absent[3:], absent + "0"):
        with pytest.raises(ValueError, match="64 lowercase hex"):
            check_digest(bad)
        with pytest.raises(ValueError, match="64 lowercase hex"):
            store.put_bytes(PHOTO, bad)
    assert list(store.digests()) == []
