"""Durable file writes: a file appears whole or not at all, and survives a crash once written.

Both writers go through a temporary file in the target's directory that is written, fsynced
and then renamed (or hard-linked) into place, after which the directory itself is fsynced so
the new name is durable too (POSIX). Used for key files and for evidence blobs.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["fsync_dir", "replace_file", "write_new_file"]


def fsync_dir(directory: Path) -> None:
    """Make a rename durable: fsync the directory that holds the new name (POSIX)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temporary_copy(path: Path, data: bytes, mode: int) -> Path:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


def write_new_file(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Create ``path`` holding ``data``, never replacing an existing file.

    Raises:
        FileExistsError: ``path`` exists (it is left as it was).
    """
    tmp = _temporary_copy(path, data, mode)
    try:
        os.link(tmp, path)  # atomic, and fails instead of replacing
    finally:
        os.unlink(tmp)
    fsync_dir(path.parent)


def replace_file(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` by a file holding ``data``: readers see the old or the new, whole."""
    tmp = _temporary_copy(path, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)
