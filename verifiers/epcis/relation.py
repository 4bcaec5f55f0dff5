"""Which of the ledger's lots does a partner's EPCIS event name?

An import of 400,000 events about goods the ledger has never heard of appended 1,574
permanent entries; capture therefore refuses, unless the signer asks for it, events that name
no lot of the ledger. An event names a lot when one of its object identifiers is

* the ledger's own URI of the lot, ``https://<origin>/epcis/lot/<lot_id>``
  (``verifiers.epcis.uris``), or
* the LGTIN class of a lot recorded with a GTIN and a lot number, in any form GS1 allows
  (``urn:epc:class:lgtin:…``, a Digital Link on any host), compared in canonical form
  (``verifiers.epcis.digital_link``).

Object identifiers are the members EPCIS uses for the goods an event is about: ``epcList``,
``childEPCs``, ``parentID``, ``inputEPCList``, ``outputEPCList`` and the ``epcClass`` of
``quantityList``, ``childQuantityList``, ``inputQuantityList`` and ``outputQuantityList``.
Places, parties and ILMD are not goods and are not looked at.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from ledger.state import State
from ledger.supply.lots import LOT_KIND
from ledger.trust import genesis_info
from verifiers.epcis.digital_link import normalise_gs1_uri
from verifiers.epcis.uris import ProjectUris

__all__ = ["LotIndex", "event_identifiers"]

_EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def event_identifiers(event: Mapping[str, Any]) -> Iterator[str]:
    """The object identifiers an event names, in document order (strings only)."""
    parent = event.get("parentID")
    if isinstance(parent, str):
        yield parent
    for name in _EPC_LISTS:
        for item in event.get(name) or ():
            if isinstance(item, str):
                yield item
    for name in _QUANTITY_LISTS:
        for item in event.get(name) or ():
            if isinstance(item, Mapping) and isinstance(item.get("epcClass"), str):
                yield item["epcClass"]


class LotIndex:
    """Looks identifiers up among the ledger's lots, reading the projection state.

    The LGTIN table is built on first need by one scan of the lots (only lots recorded with
    a GTIN and a lot number are in it); project URIs are single reads.
    """

    def __init__(self, state: State) -> None:
        self._state = state
        genesis = genesis_info(state)
        self._uris = ProjectUris(genesis["origin"]) if genesis else None
        self._lot_prefix = self._uris.thing("lot", "") if self._uris else None
        self._lgtins: dict[str, str] | None = None

    def _lgtin_table(self) -> dict[str, str]:
        if self._lgtins is None:
            table: dict[str, str] = {}
            if self._uris is not None:
                for lot_id, doc in self._state.scan(LOT_KIND):
                    if doc.get("gtin") and doc.get("lot_number"):
                        canonical = normalise_gs1_uri(self._uris.lot(doc, lot_id))
                        if canonical:
                            table[canonical] = lot_id
            self._lgtins = table
        return self._lgtins

    def lot_of(self, identifier: str) -> str | None:
        """The id of the ledger's lot the identifier names, or ``None``."""
        if self._lot_prefix and identifier.startswith(self._lot_prefix):
            lot_id = unquote(identifier[len(self._lot_prefix) :])
            return lot_id if self._state.get(LOT_KIND, lot_id) is not None else None
        canonical = normalise_gs1_uri(identifier)
        if canonical is None:
            return None
        return self._lgtin_table().get(canonical)

    def lots_of(self, event: Mapping[str, Any]) -> list[str]:
        """The ledger's lots an event names (each once, in document order)."""
        found = (self.lot_of(identifier) for identifier in event_identifiers(event))
        return list(dict.fromkeys(lot for lot in found if lot is not None))
