"""A ledger with eligible and ineligible packed coffee lots and a label-issuer key.

``LabelWorld`` builds on :class:`tests.supply_factories.SupplyWorld` and the certification
factories: coop-a registers three plots with passing evidence; plots pl-1 and pl-2 are
verified (one passing verification, valid 2025-10-01..2026-09-30), pl-3 is not. Each plot's
1,000 kg cherry harvest is processed to 220 kg parchment; pl-1 + pl-2 are blended and packed
into 8 sacks of 55 kg (lot ``sacks``, GTIN ``07501234567892``, lot number ``CS2526X002``),
pl-3's parchment is packed into 4 sacks of 55 kg (lot ``uncert``, lot number ``CS2526U001``):
the first is eligible, the second is not. The root delegates ``label_issuer`` to a
deterministic key. Works on the in-memory store and on SQL stores.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.services.ledger import full_registry
from ledger.entries import Entry
from ledger.keys import encode_public_key
from ledger.storage.base import LedgerStore
from tests.cert_factories import (
    certifier_ready,
    issue_verification,
    record_evidence,
)
from tests.factories import make_key
from tests.supply_factories import SupplyWorld, valid_gtin

GTIN = valid_gtin("0750123456789")
LOT_NUMBER = "CS2526X002"
UNCERT_NUMBER = "CS2526U001"
DAY = "2026-03-01"
TS_DAY = dt.date(2026, 3, 1)
"""The statement date of every world (``SupplyWorld.ts``): labels are dated with it."""


class LabelWorld:
    """The world, its certifier and label-issuer keys, and helpers to issue and revoke."""

    def __init__(self, store: LedgerStore, *, nonce_prefix: str = "lw") -> None:
        w = SupplyWorld(store, full_registry(), ["coop-a"], nonce_prefix=nonce_prefix)
        self.w = w
        self.certifier = certifier_ready(w)
        record_evidence(w, "coop-a", "association", "coop-a")
        for n in ("1", "2", "3"):
            w.producer("coop-a", f"p-{n}")
            w.plot("coop-a", f"pl-{n}", f"p-{n}")
            record_evidence(w, "coop-a", "plot", f"pl-{n}")
            w.harvest("coop-a", f"h-{n}", {f"pl-{n}": 1000})
            w.transform("coop-a", f"wet-{n}", "process", [(f"h-{n}", 1000)],
                        [(f"pa-{n}", 220)], form="parchment")  # fmt: skip
        issue_verification(
            w, self.certifier, "ver-1", "coop-a",
            {"products": ["coffee"], "plots": ["pl-1", "pl-2"]},
        )  # fmt: skip
        w.transform("coop-a", "blend", "blend", [("pa-1", 220), ("pa-2", 220)], [("bl", 440)])
        self.pack("bl", "sacks", 440, 8, LOT_NUMBER)
        self.pack("pa-3", "uncert", 220, 4, UNCERT_NUMBER)
        self.issuer = make_key("label-issuer")
        self.issuer_grant = self.grant(self.issuer, "label-issuer")

    def pack(self, source: str, lot_id: str, kg: int, sacks: int, lot_number: str) -> Entry:
        """Pack ``kg`` of ``source`` into ``sacks`` sacks as lot ``lot_id``."""
        output = {
            "lot_id": lot_id,
            "quantity_kg": kg,
            "gtin": GTIN,
            "lot_number": lot_number,
            "package": {"unit": "sack", "count": sacks, "unit_kg": kg // sacks},
        }
        return self.w.transform("coop-a", f"pack-{lot_id}", "pack", [(source, kg)], [output])

    def grant(self, key: Ed25519PrivateKey, name: str, **extra: Any) -> Entry:
        """``key.added`` of a label-issuer key by the root."""
        body = {"name": name, "public_key": encode_public_key(key), "role": "label_issuer"}
        return self.w.submit(self.w.root, "key.added", {**body, **extra})

    def issue_body(self, lot_id: str = "sacks", units: int = 1, **over: Any) -> dict[str, Any]:
        """A ``label.issued`` body for 55 kg sacks of the lot."""
        number = LOT_NUMBER if lot_id == "sacks" else UNCERT_NUMBER
        body: dict[str, Any] = {
            "lot_id": lot_id,
            "gtin": GTIN,
            "lot_number": number,
            "units": units,
            "unit_g": 55_000,
            "day": DAY,
        }
        return {**body, **over}

    def issue(self, lot_id: str = "sacks", units: int = 1, **over: Any) -> Entry:
        """Append a ``label.issued`` signed by the issuer (``signer=`` to use another key)."""
        signer = over.pop("signer", self.issuer)
        return self.w.submit(signer, "label.issued", self.issue_body(lot_id, units, **over))

    def revoke(self, **body: Any) -> Entry:
        """Append ``label.revoked`` by the issuer."""
        return self.w.submit(self.issuer, "label.revoked", {"reason": "recall", **body})

    @property
    def state(self) -> Any:
        """The in-memory projection state."""
        return self.w.store.projections  # type: ignore[attr-defined]

    def size(self) -> int:
        """Entries in the ledger."""
        return self.w.store.head().size

    def root_hash(self) -> bytes:
        """The Merkle root of the current tree."""
        from ledger.merkle import root_at

        return bytes(root_at(self.w.store, self.size()))

    def revoke_certificate(self, reason: str = "shade cover fell below 40 %") -> Entry:
        """``verification.revoked`` of ver-1 by the certifier."""
        body = {"verification_id": "ver-1", "reason": reason}
        return self.w.submit(self.certifier, "verification.revoked", body)


def issuer_key() -> Ed25519PrivateKey:
    """The deterministic label-issuer key of every world."""
    return make_key("label-issuer")
