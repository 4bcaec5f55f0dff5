"""Where the public test vectors live: ``shared/oracles`` beside the checkout."""

from __future__ import annotations

from pathlib import Path

ORACLES = (Path(__file__).resolve().parents[1] / ".." / "shared" / "oracles").resolve()


def oracles_dir() -> Path:
    """Return ``shared/oracles``, the folder that sits beside the checkout (``/work/shared``)."""
    return ORACLES
