"""Where the public test vectors live: ``tests/vectors/oracles`` inside the repository.

They were copied from the project's shared oracle collection with their READMEs (source
repository, commit and path of every file) and licence files, so a fresh clone tests itself.
"""

from __future__ import annotations

from pathlib import Path

ORACLES = Path(__file__).resolve().parent / "vectors" / "oracles"


def oracles_dir() -> Path:
    """Return ``tests/vectors/oracles``: the public vectors the tests check against."""
    return ORACLES
