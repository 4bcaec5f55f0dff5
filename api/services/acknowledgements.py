"""A producer's acknowledgements of her receipts, read and made over a ``LedgerService``.

The ledger's rules (``ledger.supply.acknowledgements``) see projections, not entries, so the
``entry_hash`` an acknowledgement names is checked here, where entries are at hand: an
acknowledgement counts only when it names the exact entry the association signed.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.services.ledger import LedgerService
from ledger.chain import AppendResult
from ledger.errors import EntryNotFoundError
from ledger.statements import sign_statement
from ledger.supply.acknowledgements import ACK_KIND
from ledger.supply.payments import PAYMENT_KIND, PURCHASE_KIND
from ledger.trust import KEY_KIND

__all__ = ["acknowledge", "acknowledgement"]


def _record(service: LedgerService, kind: str, record_id: str) -> dict[str, Any]:
    if kind not in ("purchase", "payment"):
        raise ValueError(f"kind must be purchase or payment, got {kind!r}")
    doc = service.store.state_get(PURCHASE_KIND if kind == "purchase" else PAYMENT_KIND, record_id)
    if doc is None:
        raise EntryNotFoundError(f"no {kind} {record_id!r}")
    return doc


def acknowledge(
    service: LedgerService, kind: str, record_id: str, signer: Ed25519PrivateKey
) -> AppendResult:
    """Sign and record the producer's ``receipt.acknowledged`` of a recorded purchase or
    payment (what her phone does).

    Raises:
        EntryNotFoundError: no such record. ValueError: unknown kind.
        AuthorizationError: the key is not bound to that record's producer.
    """
    doc = _record(service, kind, record_id)
    seq = int(doc["recorded_seq"])
    body = {
        "kind": kind,
        "record_id": record_id,
        "seq": seq,
        "entry_hash": service.entry(seq).entry_hash.hex(),
    }
    return service.submit(sign_statement(signer, "receipt.acknowledged", body))


def acknowledgement(service: LedgerService, kind: str, record_id: str) -> dict[str, Any] | None:
    """The producer's acknowledgement of a recorded purchase or payment that names its exact
    entry (``key_id``, ``producer_id``, ``ack_seq``), or ``None``: none yet (optional), or
    none that names that entry. ``key_revoked_at`` is the log's time at which her phone's key
    was revoked since (``producer_key.revoked``), or ``None``: what she signed before stays
    hers, but whoever reads the acknowledgement should know the phone was lost or retired,
    as a receipt's reader is told of a revoked field device.

    Raises:
        EntryNotFoundError: no such record. ValueError: unknown kind.
    """
    doc = _record(service, kind, record_id)
    found = service.store.state_get(ACK_KIND, f"{kind}:{record_id}") or {"acks": []}
    actual = service.entry(int(doc["recorded_seq"])).entry_hash.hex()
    for ack in found["acks"]:
        if ack["entry_hash"] == actual and ack["seq"] == doc["recorded_seq"]:
            key = service.store.state_get(KEY_KIND, ack["key_id"]) or {}
            return {**ack, "key_revoked_at": key.get("revoked_at")}
    return None
