"""Stable URIs of a ledger's own things in EPCIS (``https://<origin>/epcis/…``).

Shared by the export (``api.exports.epcis``), which names lots, places and parties with them,
and by capture (``verifiers.epcis.relation``), which reads them back to tell which of the
ledger's lots a partner's event is about. ``<origin>`` is the log's origin from genesis, so a
URI is stable for the ledger's life.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

__all__ = ["ProjectUris"]


@dataclass(frozen=True)
class ProjectUris:
    """Stable URIs for the ledger's own things, under its origin (``https://<origin>/epcis/…``)."""

    origin: str

    @property
    def base(self) -> str:
        return f"https://{quote(self.origin, safe='/.-_~')}/epcis"

    @property
    def namespace(self) -> str:
        """The namespace of Biotraza's ILMD and extension fields (prefix ``biotraza``)."""
        return f"{self.base}/ns/"

    def thing(self, kind: str, thing_id: str) -> str:
        return f"{self.base}/{kind}/{quote(thing_id, safe='')}"

    def lot(self, doc: dict[str, Any] | None, lot_id: str) -> str:
        """The lot's class: LGTIN when it has a GTIN and lot number, else the project URI."""
        if doc and doc.get("gtin") and doc.get("lot_number"):
            return f"https://id.gs1.org/01/{doc['gtin']}/10/{quote(str(doc['lot_number']))}"
        return self.thing("lot", lot_id)

    def place(self, kind: str, doc: dict[str, Any] | None, place_id: str) -> str:
        """A plot, apiary or organization: its SGLN if a GLN is recorded, else the project URI."""
        gln = (doc or {}).get("gln")
        return f"https://id.gs1.org/414/{gln}" if gln else self.thing(kind, place_id)
