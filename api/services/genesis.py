"""Starting a ledger: the root and operator keys, the schema, and the genesis entry.

Shared by ``biotraza init`` and the demo builder, so that a demo ledger starts exactly as a
real deployment does; it prints nothing (the faces say what happened).
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.services.labels import record_resolver_hosts, recorded_resolver_hosts
from api.services.ledger import LedgerService
from api.settings import Settings
from ledger.keys import encode_public_key
from ledger.keystore import KeyStore
from ledger.private_paths import private_dir
from ledger.statements import sign_statement
from ledger.trust import GENESIS_TYPE

__all__ = ["ensure_key", "init_ledger"]


def ensure_key(store: KeyStore, name: str, secret: str) -> tuple[Ed25519PrivateKey, bool]:
    """Load a stored key, creating it first if it does not exist; ``(key, created)``."""
    created = not store.exists(name)
    if created:
        store.create(name, secret)
    return store.load(name, secret), created


def init_ledger(
    cfg: Settings,
    secret: str,
    root_name: str = "root",
    operator_name: str = "operator",
    *,
    origin: str,
    resolver_hosts: list[str] | None = None,
    ts: str | None = None,
) -> dict[str, Any]:
    """Create keys if needed, migrate, append genesis if the ledger is empty, and record the
    resolver hosts (``label.resolvers``, signed by the root key) if given and not already the
    ledger's.

    ``origin`` names the log in genesis (ignored when genesis exists: it is permanent).
    ``ts`` fixes the genesis time (the demo uses it so its timeline starts at genesis).

    Returns:
        ``seq`` (0), ``entry_hash`` (hex) and ``created`` of the genesis entry, and
        ``created_keys``: the names of the keys this call created, ``origin`` (the
        ledger's, which may differ from the argument when genesis already existed) and
        ``resolvers_seq``: the seq of the ``label.resolvers`` entry appended, or ``None``.
    """
    store = KeyStore(cfg.key_dir)
    root, root_created = ensure_key(store, root_name, secret)
    operator, operator_created = ensure_key(store, operator_name, secret)
    created_keys = [
        name
        for name, created in ((root_name, root_created), (operator_name, operator_created))
        if created
    ]
    private_dir(cfg.data_dir)
    # Holding the operator key, the genesis append also signs the log's first checkpoint.
    service = LedgerService.from_settings(cfg, operator_key=operator)
    try:
        created = not service.head().size
        if created:
            signed = sign_statement(
                root,
                GENESIS_TYPE,
                {
                    "origin": origin,
                    "root_keys": [{"name": root_name, "public_key": encode_public_key(root)}],
                    "operator_key": {
                        "name": operator_name,
                        "public_key": encode_public_key(operator),
                    },
                },
                ts=ts,
            )
            service.submit(signed)
        genesis = service.entry(0)
        resolvers_seq = None
        if resolver_hosts and resolver_hosts != recorded_resolver_hosts(service):
            resolvers_seq = record_resolver_hosts(service, root, resolver_hosts).entry.seq
        return {
            "seq": 0,
            "entry_hash": genesis.entry_hash.hex(),
            "created": created,
            "created_keys": created_keys,
            "origin": service.log_info().origin,
            "resolvers_seq": resolvers_seq,
        }
    finally:
        service.close()
