"""The demo ledger opened with its operator key, and the installed script run against it.

Indicator reports and lot trails are checked against signed checkpoints, so the tests that
build them need the demo's ledger opened by a service that holds the operator key (to sign
the checkpoint a report or bundle cites). One way to open it, so the modules that need it
(``test_indicators``, ``test_indicators_state``, ``test_trail_export``) cannot drift apart
in how the key is found; and the two environments their CLI tests run ``biotraza`` in: one
on the demo's database, one with no database at all (what a donor or auditor has).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from api.app import load_operator_key
from api.demo import build_demo
from api.services.ledger import LedgerService
from api.settings import Settings
from tests.api.test_cli import _base_env

__all__ = ["DEMO_PASSPHRASE", "demo_env", "offline_env", "operated_demo"]

DEMO_PASSPHRASE = "demo-test-passphrase"


@contextmanager
def operated_demo(
    data_dir: Path, database_url: str | None = None
) -> Iterator[tuple[Settings, LedgerService]]:
    """Build the demo in ``data_dir`` (on ``database_url``, else a SQLite file there) and
    open it with the operator key; closed on exit."""
    url = database_url or f"sqlite:///{data_dir / 'ledger.db'}"
    cfg = Settings(data_dir=data_dir, key_passphrase=DEMO_PASSPHRASE, database_url=url)
    build_demo(cfg)
    operator = load_operator_key(cfg)
    assert operator is not None, "the demo's operator key did not load"
    service = LedgerService.open(cfg.resolved_database_url, migrate=False, operator_key=operator)
    try:
        yield cfg, service
    finally:
        service.close()


def demo_env(cfg: Settings) -> dict[str, str]:
    """The environment of a ``biotraza`` run on the demo's database and key store."""
    return {
        **_base_env(),
        "BIOTRAZA_DATA_DIR": str(cfg.data_dir),
        "BIOTRAZA_DATABASE_URL": cfg.resolved_database_url,
        "BIOTRAZA_KEY_PASSPHRASE": cfg.key_passphrase or "",
    }


def offline_env(nowhere: Path) -> dict[str, str]:
    """The environment of a ``biotraza`` run with no ledger: no database URL, a data
    directory that does not exist (a verifier must not need either)."""
    return {**_base_env(), "BIOTRAZA_DATA_DIR": str(nowhere)}
