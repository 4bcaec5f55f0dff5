"""Limits of the storage layer that settings and faces name without importing a database driver.

``api.settings`` reads this to give ``BIOTRAZA_LOCK_TIMEOUT_SECONDS`` its default; importing
``ledger.storage.sql.writer`` for one number would load SQLAlchemy into every CLI start-up.
"""

from __future__ import annotations

__all__ = ["DEFAULT_LOCK_TIMEOUT"]

DEFAULT_LOCK_TIMEOUT = 5.0
"""Seconds an append waits for other writers before it gives up (HTTP 503, CLI one line)."""
