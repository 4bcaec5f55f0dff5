"""A field day for receipt tests: two associations, a member's plot, an enrolled phone.

Shared by the engine tests (``tests/integration/test_receipts.py``), the unit tests and the
vector writer (``tests/unit/labels/test_receipt_vectors.py``), so all of them check receipts
made and trust lists cut from the same real ledger.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from labels.trustlist import TrustList, build_trust_list, sign_trust_list
from ledger.keys import encode_public_key, key_id
from ledger.merkle import root_at
from ledger.registry import Registry
from ledger.statements import SignedStatement, sign_statement
from ledger.storage.base import LedgerStore
from ledger.supply.devices import DEVICE_CAPTURE_TYPES
from tests.factories import make_key
from tests.supply_factories import SupplyWorld, harvest_body, point

A = "coop-a"
B = "coop-b"
ENROLLED_TS = "2026-03-01T12:00:00Z"
DELIVERY_TS = "2026-03-02T08:15:00Z"
TRUST_LIST_TS = "2026-03-03T00:00:00Z"


def delivery_body(lot_id: str = "h-2026-0302-017", kg: float = 412.5) -> dict[str, Any]:
    """A realistic farm-gate delivery: coffee cherry from one member's plot."""
    return harvest_body(lot_id, {"pl-a1": kg}, harvested_from="2026-03-02")


class ReceiptWorld:
    """coop-a (member p-a1, plot pl-a1) with an enrolled phone; coop-b with its own phone."""

    def __init__(self, store: LedgerStore, registry: Registry) -> None:
        self.w = SupplyWorld(store, registry)
        self.w.producer(A, "p-a1")
        self.w.plot(A, "pl-a1", "p-a1", geometry=point(), area_ha=3.0)
        self.phone = make_key("phone-a1")
        self.other_phone = make_key("phone-b1")
        self.phone_id = key_id(self.phone)
        self.enrol(A, self.phone)
        self.enrol(B, self.other_phone)

    def enrol(self, org: str, device: Ed25519PrivateKey, **over: Any) -> None:
        body: dict[str, Any] = {
            "org_id": org,
            "public_key": encode_public_key(device),
            "label": f"Técnico {org}",
            "entry_types": list(DEVICE_CAPTURE_TYPES),
        }
        body.update(over)
        self.w.ts = ENROLLED_TS
        self.w.submit(org, "device.enrolled", body)

    def revoke(self, org: str, device: Ed25519PrivateKey, at: str) -> None:
        self.w.ts = at
        self.w.submit(
            org, "device.revoked", {"org_id": org, "key_id": key_id(device), "reason": "lost"}
        )

    def deliver(
        self, device: Ed25519PrivateKey | None = None, ts: str = DELIVERY_TS, **body: Any
    ) -> SignedStatement:
        """The phone signs a delivery offline (nothing is appended)."""
        return sign_statement(
            device or self.phone,
            "lot.harvested",
            delivery_body(**body),
            ts=ts,
            nonce="Dlv0302x017aBcDeFgHiJkLm",
        )

    def cut(self, *, signed: bool = True) -> TrustList:
        """A trust list cut from the whole ledger, signed by the root key."""
        store = self.w.store
        size = store.head().size
        root = bytes(root_at(store, size))
        if hasattr(store, "projections"):
            trust = build_trust_list(
                store.projections, tree_size=size, root_hash=root, issued_at=TRUST_LIST_TS
            )
        else:
            from ledger.storage.sql.store import SqlState

            with store.reading() as cursor:  # type: ignore[attr-defined]
                trust = build_trust_list(
                    SqlState(cursor), tree_size=size, root_hash=root, issued_at=TRUST_LIST_TS
                )
        return sign_trust_list(trust, self.w.root) if signed else trust
