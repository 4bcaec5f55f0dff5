"""Content-addressed storage for evidence files (photos, lab reports): bytes by SHA-256.

The ledger never holds files: an ``evidence.recorded`` entry carries the SHA-256 of each
attachment, and the file itself lands here, under its own hash. Because the name *is* the
hash, a file can be stored twice without harm (retries over a flaky rural link are free),
cannot be replaced by different bytes, and anyone holding the ledger can check a file they
were sent against the entry without trusting whoever sent it.

Files live on the local filesystem as ``<root>/<2 hex>/<2 hex>/<64 hex>``. A write streams to a
temporary file in the same directory, hashing as it goes, is fsynced, and is renamed into
place only once its hash is known (and matches the one the caller expected, if any), so a
crash or a refused upload never leaves a partial or mislabelled file behind.

Evidence may show people and their land, so the store is owner-only whatever the umask:
directories 0700, files 0400 (``ledger.private_paths``); a root found open to others is
tightened when the store is made.

Left out: replication and garbage collection (files are evidence; nothing is deleted), and
media types (the entry's attachment records them; the store is bytes only).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ledger.atomic import fsync_dir
from ledger.errors import DomainRuleError, EntryNotFoundError, IntegrityError
from ledger.private_paths import private_dir, tighten

__all__ = [
    "BlobHashMismatchError",
    "BlobInfo",
    "BlobStore",
    "BlobTooLargeError",
    "BlobWriter",
    "check_digest",
]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 16
_BLOB_MODE = 0o400
"""Stored files: the owner reads; nobody writes (a file's name is its content's hash)."""


class BlobTooLargeError(DomainRuleError):
    """An upload is over the configured size limit (nothing was stored)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"file is larger than the limit of {limit} bytes", field="body")
        self.limit = limit


class BlobHashMismatchError(DomainRuleError):
    """An upload's content does not hash to the name it was sent under (nothing stored)."""

    def __init__(self, actual: str, expected: str) -> None:
        super().__init__(
            f"content hashes to {actual}, not the {expected} it was sent as", field="sha256"
        )


def check_digest(digest: str) -> str:
    """``digest`` if it is 64 lowercase hex characters.

    Raises:
        ValueError: anything else (upper case is refused so that one file has one name).
    """
    if not _HEX64.fullmatch(digest):
        raise ValueError("sha256 must be 64 lowercase hex characters")
    return digest


@dataclass(frozen=True)
class BlobInfo:
    """A stored file: its hash, its size, and whether this call stored it."""

    sha256: str
    size: int
    created: bool


class BlobStore:
    """Files by SHA-256 under one directory; safe for concurrent writers and readers."""

    def __init__(self, root: Path, max_bytes: int = 25 * 1024 * 1024) -> None:
        self.root = root
        self.max_bytes = max_bytes
        tighten(root)  # 0700 on the root closes everything below it

    def path_of(self, digest: str) -> Path:
        """Where the file with this hash lives (whether or not it exists)."""
        check_digest(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    def exists(self, digest: str) -> bool:
        """Whether a file with this hash is stored."""
        return self.path_of(digest).is_file()

    def size(self, digest: str) -> int:
        """The stored file's size in bytes.

        Raises:
            EntryNotFoundError: no such file.
        """
        try:
            return self.path_of(digest).stat().st_size
        except FileNotFoundError:
            raise EntryNotFoundError(f"no file with sha256 {digest}") from None

    def writer(self, expected: str | None = None) -> BlobWriter:
        """A writer to feed a file chunk by chunk (e.g. from an HTTP request stream).

        Use it as a context manager and call :meth:`BlobWriter.commit` at the end; leaving the
        block without committing (or with an exception) stores nothing.
        """
        if expected is not None:
            check_digest(expected)
        private_dir(self.root)
        return BlobWriter(self, expected)

    def put(self, chunks: Iterable[bytes], expected: str | None = None) -> BlobInfo:
        """Store a file given as byte chunks, under its SHA-256.

        Args:
            chunks: The file's bytes, in order.
            expected: The hash the caller claims; the file is refused if it differs.

        Raises:
            BlobTooLargeError: more than ``max_bytes`` bytes (nothing stored).
            BlobHashMismatchError: the content does not hash to ``expected`` (nothing stored).
        """
        with self.writer(expected) as writer:
            for chunk in chunks:
                writer.write(chunk)
            return writer.commit()

    def put_bytes(self, data: bytes, expected: str | None = None) -> BlobInfo:
        """Store a file held in memory (see :meth:`put`)."""
        return self.put([data], expected)

    def read(self, digest: str) -> Iterator[bytes]:
        """The stored file's bytes in chunks, checked against the hash as they are read.

        Raises:
            EntryNotFoundError: no such file (raised at once, before any chunk).
            IntegrityError: the file on disk no longer hashes to its name (raised after the
                last chunk, so a streaming reader learns it before it trusts the whole).
        """
        path = self.path_of(digest)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise EntryNotFoundError(f"no file with sha256 {digest}") from None
        return _checked_chunks(handle, digest)

    def read_bytes(self, digest: str) -> bytes:
        """The whole stored file, checked (see :meth:`read`)."""
        return b"".join(self.read(digest))

    def digests(self) -> Iterator[str]:
        """Every stored file's hash, in no particular order."""
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/??/*"):
            if _HEX64.fullmatch(path.name):
                yield path.name


class BlobWriter:
    """One upload in progress: a temporary file, hashed as it is written (see ``BlobStore``)."""

    def __init__(self, store: BlobStore, expected: str | None) -> None:
        self._store = store
        self._expected = expected
        self._hasher = hashlib.sha256()
        self._size = 0
        # Closed in commit() or __exit__; the temporary name is removed unless renamed.
        self._handle = tempfile.NamedTemporaryFile(  # noqa: SIM115
            dir=store.root, prefix=".upload-", delete=False
        )
        self._tmp = Path(self._handle.name)

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._handle.close()
        self._tmp.unlink(missing_ok=True)

    def write(self, chunk: bytes) -> None:
        """Append bytes.

        Raises:
            BlobTooLargeError: the file went over the store's limit.
        """
        self._size += len(chunk)
        if self._size > self._store.max_bytes:
            raise BlobTooLargeError(self._store.max_bytes)
        self._hasher.update(chunk)
        self._handle.write(chunk)

    def commit(self) -> BlobInfo:
        """Check the hash and move the file into place (idempotent for identical content).

        Raises:
            BlobHashMismatchError: the content does not hash to the expected digest.
        """
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        digest = self._hasher.hexdigest()
        if self._expected is not None and digest != self._expected:
            raise BlobHashMismatchError(digest, self._expected)
        target = self._store.path_of(digest)
        if target.is_file():
            return BlobInfo(digest, self._size, created=False)
        private_dir(target.parent)
        os.chmod(self._tmp, _BLOB_MODE)
        os.replace(self._tmp, target)
        fsync_dir(target.parent)
        return BlobInfo(digest, self._size, created=True)


def _checked_chunks(handle: BinaryIO, digest: str) -> Iterator[bytes]:
    hasher = hashlib.sha256()
    with handle:
        while chunk := handle.read(_CHUNK):
            hasher.update(chunk)
            yield chunk
    if hasher.hexdigest() != digest:
        raise IntegrityError(f"stored file {digest} hashes to {hasher.hexdigest()}")
