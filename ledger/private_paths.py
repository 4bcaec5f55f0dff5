"""Owner-only directories and files for what holds personal data or secrets, whatever the umask.

The SQLite database holds producers' names, CURP, phone and email (``personal_data``); the key
store holds private keys; evidence files may show people and places. On a shared machine a
umask of 022 (the usual default) would make them readable by every local user, and 000 would
make them writable. So directories are created 0700 and files 0600 (blobs 0400: written once,
never changed) by explicit ``chmod`` after creation, which no umask can loosen; and existing
ones found with group or other bits are tightened when the ledger opens them, or, if this user
cannot change them (another owner), reported in the log.

Left out: which paths are private (the callers name them) and ACLs or SELinux labels (the
mode bits are what a default Linux install enforces).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

__all__ = ["DIR_MODE", "FILE_MODE", "private_dir", "private_file", "tighten"]

DIR_MODE = 0o700
FILE_MODE = 0o600
_GROUP_OTHER = 0o077

logger = logging.getLogger(__name__)


def tighten(path: Path | str) -> bool:
    """Remove the group and other permission bits of an existing path (owner bits kept).

    Returns whether the path is now owner-only; a missing path counts as owner-only (there is
    nothing to read). A path this user cannot change is logged as a warning.
    """
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return True
    if not mode & _GROUP_OTHER:
        return True
    try:
        os.chmod(path, mode & ~_GROUP_OTHER)
    except OSError as exc:
        logger.warning(
            "%s is readable by other local users (mode %o) and could not be tightened: %s",
            path,
            mode,
            exc,
        )
        return False
    logger.info("tightened %s from mode %o to %o (owner only)", path, mode, mode & 0o700)
    return True


def private_dir(path: Path) -> Path:
    """``path`` as an owner-only directory: created 0700 with any missing parents (also
    0700: a world-writable parent would let others rename it), or tightened if it exists."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass  # made meanwhile by another process: tightened below like any existing one
        else:
            os.chmod(directory, DIR_MODE)  # mkdir's mode is masked by the umask
    tighten(path)
    return path


def private_file(path: Path | str, *, create: bool = False) -> None:
    """Make an existing file owner-only, or with ``create`` create a missing one empty with
    mode 0600 (its directory must exist; a missing directory is left for the caller's error).
    """
    if create:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except (FileExistsError, FileNotFoundError):
            pass
        else:
            try:
                os.fchmod(fd, FILE_MODE)  # O_CREAT's mode is masked by the umask
            finally:
                os.close(fd)
            return
    tighten(path)
