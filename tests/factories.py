"""Plain factory functions for tests: deterministic keys and common statements."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.chain import append
from ledger.keys import encode_public_key
from ledger.registry import Registry
from ledger.statements import SignedStatement, parse_ts, sign_statement
from ledger.storage.base import LedgerStore

ORIGIN = "biotraza.test/log"
TS = "2026-03-01T12:00:00Z"


class FakeClock:
    """The log's clock in tests: set or moved explicitly, never by waiting."""

    def __init__(self, ts: str = TS) -> None:
        self.now = parse_ts(ts)

    def __call__(self) -> datetime:
        return self.now

    def set(self, ts: str) -> None:
        """Jump to ``ts`` (RFC 3339, ``Z``)."""
        self.now = parse_ts(ts)

    def advance(self, **delta: float) -> None:
        """Move forward by ``timedelta(**delta)``."""
        self.now += timedelta(**delta)


def make_key(name: str) -> Ed25519PrivateKey:
    """A private key derived from a name, the same in every run and process."""
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"biotraza-test:{name}".encode()).digest()
    )


@dataclass(frozen=True)
class Keys:
    """The keys a bootstrapped test ledger knows."""

    root: Ed25519PrivateKey
    operator: Ed25519PrivateKey


def make_genesis(
    root: Ed25519PrivateKey, operator: Ed25519PrivateKey, **overrides: Any
) -> SignedStatement:
    """A genesis statement naming ``root`` and ``operator``."""
    body: dict[str, Any] = {
        "origin": ORIGIN,
        "root_keys": [{"name": "root", "public_key": encode_public_key(root)}],
        "operator_key": {"name": "operator", "public_key": encode_public_key(operator)},
    }
    body.update(overrides)
    return sign_statement(root, "ledger.genesis", body, ts=TS, nonce="genesis-nonce-0")


def make_key_added(
    signer: Ed25519PrivateKey,
    key: Ed25519PrivateKey,
    role: str = "certifier",
    name: str = "k",
    **extra: Any,
) -> SignedStatement:
    """A key.added statement granting ``role`` to ``key``."""
    body = {"name": name, "public_key": encode_public_key(key), "role": role, **extra}
    return sign_statement(signer, "key.added", body, ts=TS)


def bootstrap(
    store: LedgerStore, registry: Registry, clock: Callable[[], datetime] | None = None
) -> Keys:
    """Append genesis to an empty store (at ``clock``'s time, the system's by default) and
    return its keys."""
    keys = Keys(root=make_key("root"), operator=make_key("operator"))
    genesis = make_genesis(keys.root, keys.operator)
    if clock is None:
        append(store, registry, genesis)
    else:
        append(store, registry, genesis, clock=clock)
    return keys
