"""Where the CLI reads secrets from: never the command line.

Anything in argv is visible to every local user (``ps``, ``/proc/<pid>/cmdline``) and lands
in shell history. A passphrase comes from a file or file descriptor (``--…-file``, ``-`` for
stdin), from the environment (``BIOTRAZA_*``, readable only by the same user), or from a
prompt with the echo off.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # types only: the modules load when a command runs
    from api.settings import Settings


__all__ = ["read_pem_passphrase", "read_secret_file"]

_ENCRYPTED_PEM = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"


def read_secret_file(path: Path) -> str:
    """The first line of ``path`` (``-``: of stdin), without its line ending.

    Raises:
        ValueError: the file is empty.
        OSError: it cannot be read.
    """
    text = sys.stdin.readline() if str(path) == "-" else path.read_text(encoding="utf-8")
    line = text.splitlines()[0] if text else ""
    if not line:
        raise ValueError(f"{path}: empty, expected the passphrase on its first line")
    return line


def read_pem_passphrase(cfg: Settings, pem: bytes, passphrase_file: Path | None) -> str | None:
    """The passphrase of a PEM file to import: from ``passphrase_file``, else
    ``BIOTRAZA_PEM_PASSPHRASE``, else a prompt; ``None`` when the PEM is not encrypted.

    Raises:
        ValueError: the PEM is encrypted and there is no passphrase to be had.
    """
    if passphrase_file is not None:
        return read_secret_file(passphrase_file)
    if cfg.pem_passphrase:
        return cfg.pem_passphrase
    if _ENCRYPTED_PEM not in pem:
        return None
    if not sys.stdin.isatty():
        raise ValueError(
            "the PEM file is encrypted: give its passphrase with --pem-passphrase-file FILE "
            "(or -), BIOTRAZA_PEM_PASSPHRASE, or run in a terminal to be asked"
        )
    value: str = typer.prompt("Passphrase of the PEM file", hide_input=True)
    return value
