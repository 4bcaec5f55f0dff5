"""The demo ledger: genesis plus the delegated roles a real deployment starts with.

Idempotent: running it again on the same data directory adds nothing (keys are reused and
every statement is re-signed with a fixed nonce, so resubmission is an idempotent replay).
"""

from __future__ import annotations

from typing import Any

from api.service import LedgerService
from api.settings import Settings
from ledger.keystore import KeyStore
from ledger.statements import sign_statement

__all__ = ["DEMO_ROLES", "build_demo"]

DEMO_ROLES = (
    ("registrar-conabio", "registrar"),
    ("certifier-certimex", "certifier"),
    ("label-issuer", "label_issuer"),
)


def build_demo(cfg: Settings) -> dict[str, Any]:
    """Create or complete the demo ledger; return its size."""
    from api.cli import init_ledger

    secret = cfg.key_passphrase or ""
    init_ledger(cfg, secret)
    keys = KeyStore(cfg.key_dir)
    root = keys.load("root", secret)
    service = LedgerService.open(cfg.resolved_database_url)
    try:
        for name, role in DEMO_ROLES:
            if not keys.exists(name):
                keys.create(name, secret)
            info = keys.info(name)
            service.submit(
                sign_statement(
                    root,
                    "key.added",
                    {"name": name, "public_key": info.public_key, "role": role},
                    ts="2026-01-15T12:00:00Z",
                    nonce=f"demo-grant-{name}",
                )
            )
        return {"size": service.head().size}
    finally:
        service.close()
