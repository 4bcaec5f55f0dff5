"""The buyers' market: a catalogue of lots for sale, and expressions of interest off the ledger.

**Catalogue.** Every lot in stock (status ``active``, something left after consumption) is a
catalogue entry: product, form, packaging, the quantity left and how much of it labels
already cover (``ledger.supply.balance.lot_balance``, the label office's own arithmetic),
the origin (``api.services.origin``: landscapes, association, producer and hectare counts,
season — never a producer's identity), who holds it now (the custodian, who offers it),
eligibility with every reason (``verifiers.eligibility.check_eligibility``, the one
definition), the certificates behind it
with their validity, and the association's price indication when it published one
(``lot.offered``, ``ledger.supply.offers``). Nothing is computed twice: these are the
functions the label office, the lot page and the label page use. Each entry links to the
signed trail bundle that lets a buyer check every claim offline.

**Interest.** A buyer's name, company, e-mail, message and kilograms wanted go to the
organization holding the lot (its custodian), in ``market_interest`` beside the ledger
(``ledger.storage.sql.interest``) — never on it, so the ledger head does not move. Bounded per
sending client and per lot per hour (refused, not stored, beyond). The client is kept only as
a keyed hash (:func:`source_of`, HMAC-SHA-256 under the deployment's
``market-source.key``): a plain hash of an IPv4 address is reversed by hashing all 2³²
addresses, a keyed one only by whoever also holds the key file. Read back only with a request
signed by the association's key or root (``ledger.read_auth``, as members' personal data is
read).

Left out: HTTP and pages (``api.market``), the offer sheet PDF (``api.exports.offer_sheet``).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.services.ledger import LedgerService, deployment_secret
from api.services.origin import origin_from_state
from api.services.signed_reads import authenticate_read
from ledger.errors import EntryNotFoundError
from ledger.read_auth import ReadForbiddenError
from ledger.state import State
from ledger.statements import format_ts
from ledger.storage.sql.interest import Interest, InterestStore
from ledger.supply.balance import lot_balance
from ledger.supply.lots import LOT_KIND
from ledger.supply.offers import OFFER_KIND
from ledger.supply.orgs import ORG_KIND
from verifiers.certification import ACCREDITATION_KIND, VERIFICATION_KIND, standard_from_state
from verifiers.eligibility import check_eligibility

__all__ = [
    "MARKET_SOURCE_KEY_FILE",
    "PER_LOT_PER_HOUR",
    "PER_SOURCE_PER_HOUR",
    "CatalogueFilter",
    "InterestForm",
    "catalogue",
    "catalogue_entry",
    "interest_path",
    "interests_of",
    "client_of",
    "lot_entry",
    "market_source_key",
    "read_interests",
    "record_interest",
    "source_of",
]

PER_SOURCE_PER_HOUR = 5
"""Messages one client (an IPv4 address, an IPv6 /64) may leave in an hour: plenty for a
buyer, not a flood."""
PER_LOT_PER_HOUR = 50
"""Messages one lot may receive in an hour, from everyone."""
MARKET_SOURCE_KEY_FILE = "market-source.key"
"""The secret :func:`source_of` keys its hash with, in the data directory."""


@dataclass(frozen=True)
class CatalogueFilter:
    """What a buyer narrows the catalogue to (``None``: any)."""

    product: str | None = None
    landscape: str | None = None
    association: str | None = None
    standard: str | None = None
    eligible: bool | None = None
    offered: bool | None = None

    def keeps(self, entry: dict[str, Any]) -> bool:
        """Whether ``entry`` passes every filter set."""
        checks = (
            self.product is None or entry["product"] == self.product,
            self.landscape is None or self.landscape in entry["origin"]["landscapes"],
            self.association is None or entry["association"]["org_id"] == self.association,
            self.standard is None
            or any(c["standard"]["id"] == self.standard for c in entry["certificates"]),
            self.eligible is None or entry["eligibility"]["eligible"] == self.eligible,
            self.offered is None or (entry["offer"] is not None) == self.offered,
        )
        return all(checks)


def _kg(grams: int) -> str:
    return format(Decimal(grams) / 1000, "f").rstrip("0").rstrip(".") if grams else "0"


def _certificates(state: State, verification_ids: list[str], today: str) -> list[dict[str, Any]]:
    found = []
    for verification_id in verification_ids:
        doc = state.get(VERIFICATION_KIND, verification_id)
        if doc is None:
            continue
        standard = standard_from_state(state, doc["standard_hash"])
        certifier = state.get(ACCREDITATION_KIND, doc["certifier_id"]) or {}
        valid_from, valid_until = doc.get("valid_from"), doc.get("valid_until")
        found.append(
            {
                "verification_id": verification_id,
                "certifier": {"id": doc["certifier_id"], "name": certifier.get("name")},
                "standard": {
                    "id": standard.id if standard else None,
                    "version": standard.version if standard else None,
                    "title": standard.title.model_dump() if standard else None,
                    "hash": doc["standard_hash"],
                },
                "valid_from": valid_from,
                "valid_until": valid_until,
                "status": doc.get("status"),
                "current": doc.get("status", "active") == "active"
                and (valid_from is None or valid_from <= today)
                and (valid_until is None or today <= valid_until),
            }
        )
    return found


def _offer(state: State, lot_id: str, today: str) -> dict[str, Any] | None:
    doc = state.get(OFFER_KIND, lot_id)
    if doc is None or doc["status"] != "open":
        return None
    if doc.get("valid_until") and doc["valid_until"] < today:
        return None
    keys = ("available_kg", "price_per_kg_mxn", "price_per_kg_usd", "min_order_kg",
            "valid_until", "incoterm", "offered_at", "seq")  # fmt: skip
    return {key: doc.get(key) for key in keys}


def catalogue_entry(state: State, lot: dict[str, Any], today: str) -> dict[str, Any]:
    """One lot as the catalogue shows it (JSON-ready; no producer's identity)."""
    lot_id = lot["lot_id"]
    balance = lot_balance(lot)
    verdict = check_eligibility(state, lot_id)
    origin = origin_from_state(state, lot_id)
    org = state.get(ORG_KIND, lot["org_id"]) or {}
    holder_id = str(lot.get("custodian") or lot["org_id"])
    holder = org if holder_id == lot["org_id"] else state.get(ORG_KIND, holder_id) or {}
    return {
        "lot_id": lot_id,
        "lot_number": lot.get("lot_number"),
        "gtin": lot.get("gtin"),
        "product": lot["product"],
        "form": lot["form"],
        "package": lot.get("package"),
        "quantity_kg": _kg(balance.quantity_g),
        "remaining_kg": _kg(balance.remaining_g),
        "labelled_kg": _kg(balance.labelled_g),
        "association": {"org_id": lot["org_id"], "name": org.get("name", lot["org_id"])},
        # Who holds the lot now (after a shipment, the exporter): who offers it and whom a
        # buyer's interest reaches.
        "custodian": {"org_id": holder_id, "name": holder.get("name", holder_id)},
        "origin": {
            key: origin[key]
            for key in (
                "landscapes",
                "municipality",
                "state_name",
                "producers",
                "plots",
                "hectares",
                "apiaries",
                "hives",
                "harvest",
                "seasons",
            )
        },  # fmt: skip
        "eligibility": {
            "eligible": verdict.eligible,
            "reasons": [reason.to_dict() for reason in verdict.reasons],
        },
        "certificates": _certificates(state, verdict.verifications, today),
        "offer": _offer(state, lot_id, today),
        "created_seq": lot["created_seq"],
        "links": {
            "lot_page": f"/lots/{lot_id}",
            "market_page": f"/market/lots/{lot_id}",
            "bundle": f"/api/v1/lots/{lot_id}/trail?format=bundle",
            "offer_sheet": f"/market/lots/{lot_id}/offer.pdf",
            "interest": f"/api/v1/market/lots/{lot_id}/interest",
        },
    }


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _in_stock(lot: dict[str, Any]) -> bool:
    return lot["status"] == "active" and int(lot["remaining_g"]) > 0


def catalogue(
    service: LedgerService, wanted: CatalogueFilter | None = None
) -> list[dict[str, Any]]:
    """Every lot in stock, filtered: offered lots first, then eligible ones, then by product
    and lot id (a buyer sees what is actually for sale at the top)."""
    wanted = wanted or CatalogueFilter()
    today = _today()
    with service.store.read_state() as state:
        entries = [
            catalogue_entry(state, lot, today)
            for _key, lot in state.scan(LOT_KIND)
            if _in_stock(lot)
        ]
    found = [entry for entry in entries if wanted.keeps(entry)]
    found.sort(
        key=lambda e: (e["offer"] is None, not e["eligibility"]["eligible"], e["product"],
                       e["lot_id"])
    )  # fmt: skip
    return found


def lot_entry(service: LedgerService, lot_id: str) -> dict[str, Any]:
    """One lot's catalogue entry, in stock or not.

    Raises:
        EntryNotFoundError: no such lot.
    """
    with service.store.read_state() as state:
        lot = state.get(LOT_KIND, lot_id)
        if lot is None:
            raise EntryNotFoundError(f"no lot {lot_id!r}")
        entry = catalogue_entry(state, lot, _today())
    entry["in_stock"] = _in_stock(lot)
    return entry


# ------------------------------------------------------------------ expressions of interest

EMAIL_PATTERN = (
    r"^[^@\s<>\"'\x00-\x1f\x7f-\x9f]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$"
)
"""``name@domain.tld``: one ``@``, a dotted domain of letters, digits and inner hyphens."""
QUANTITY_PATTERN = r"^([1-9][0-9]{0,8}(\.[0-9]{1,3})?|0\.(00[1-9]|0[1-9][0-9]?|[1-9][0-9]{0,2}))$"
"""Kilograms: a positive decimal with at most three decimals (to the gram)."""
_LINE = "[^\\x00-\\x1f\\x7f-\\x9f]"
NAME_PATTERN = f"^{_LINE}*[^\\s\\x00-\\x1f\\x7f-\\x9f]{_LINE}*[^\\s\\x00-\\x1f\\x7f-\\x9f]{_LINE}*$"
"""One line, no control character, at least two visible characters."""
LINE_PATTERN = f"^{_LINE}*$"
"""One line, no control character."""
TEXT_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
"""Lines of text (tab and newlines allowed), no other control character."""


def _checked(pattern: str, reason: str) -> Any:
    """A validator holding a text to ``pattern`` with a plain reason (the JSON Schema
    documents the same pattern, so generated requests and the check agree)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(reason)
        return value

    return AfterValidator(check)


class InterestForm(BaseModel):
    """What a buyer sends about a lot: who, how to answer, how much, and a message."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str,
        Field(min_length=2, max_length=100, json_schema_extra={"pattern": NAME_PATTERN}),
        _checked(NAME_PATTERN, "at least two visible characters, one line"),
    ]
    company: Annotated[
        str,
        Field(max_length=150, json_schema_extra={"pattern": LINE_PATTERN}),
        _checked(LINE_PATTERN, "one line, no control characters"),
    ] = ""
    email: Annotated[
        str,
        Field(min_length=6, max_length=200, json_schema_extra={"pattern": EMAIL_PATTERN}),
        _checked(EMAIL_PATTERN, "not an e-mail address (name@domain.tld)"),
    ]
    quantity_kg: Annotated[
        str,
        Field(min_length=1, max_length=13, json_schema_extra={"pattern": QUANTITY_PATTERN}),
        _checked(QUANTITY_PATTERN, "kilograms as a positive decimal, at most 3 decimals (690)"),
    ]
    message: Annotated[
        str,
        Field(max_length=2000, json_schema_extra={"pattern": TEXT_PATTERN}),
        _checked(TEXT_PATTERN, "control characters are not allowed"),
    ] = ""
    lang: str = Field(default="es", pattern=r"^(es|en)$")


def client_of(host: str | None) -> str:
    """The client a message is counted against: its IPv4 address, or the /64 of an IPv6
    address (one subscriber's prefix; a host may pick any address inside it). IPv4-mapped
    IPv6 counts as IPv4; anything that is not an address (a test client's name, a unix
    socket) is one shared ``other`` client."""
    try:
        address = ipaddress.ip_address((host or "").split("%", 1)[0])
    except ValueError:
        return "other"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def market_source_key(data_dir: Path) -> bytes:
    """The key of :func:`source_of`, ``<data_dir>/market-source.key``: made once, then read
    at every start, so a client's key — and with it the hourly bound — survives a restart.
    Servers sharing one database must share the file, or each counts a client apart.

    Raises:
        KeyStoreError: the file exists but is not a 32-byte key.
    """
    return deployment_secret(data_dir, MARKET_SOURCE_KEY_FILE, "market source key")


def source_of(client: str, key: bytes) -> str:
    """What ``market_interest.source`` keeps of a client (``client_of``): HMAC-SHA-256 under
    the deployment's :func:`market_source_key`, hex. The same client always gives the same
    value (the per-client bound counts it), but the value names no address to whoever reads
    the table without the key file — a plain SHA-256 would, since all 2³² IPv4 addresses
    hash in minutes."""
    return hmac.new(key, f"biotraza:market:{client}".encode(), hashlib.sha256).hexdigest()


def record_interest(
    service: LedgerService, lot_id: str, form: InterestForm, client: str, source_key: bytes
) -> dict[str, Any]:
    """Keep a buyer's interest in ``lot_id`` for its association, off the ledger.

    ``client`` is the sender (``client_of``); only its keyed hash (:func:`source_of` under
    ``source_key``) is kept, to bound messages per client.

    Raises:
        EntryNotFoundError: no such lot.
        InterestLimitError: too many recent messages from this client or for this lot
            (``retry_after`` says when a slot frees).
    """
    lot = service.store.state_get(LOT_KIND, lot_id)
    if lot is None:
        raise EntryNotFoundError(f"no lot {lot_id!r}")
    now = datetime.now(UTC)
    interest = Interest(
        interest_id=secrets.token_hex(8),
        lot_id=lot_id,
        org_id=str(lot.get("custodian") or lot["org_id"]),
        data=form.model_dump(),
        received_at=format_ts(now),
    )
    InterestStore(service.engine).record(
        interest,
        source_of(client, source_key),
        since=format_ts(now - timedelta(hours=1)),
        per_source=PER_SOURCE_PER_HOUR,
        per_lot=PER_LOT_PER_HOUR,
    )
    return {
        "interest_id": interest.interest_id,
        "lot_id": lot_id,
        "org_id": interest.org_id,
        "received_at": interest.received_at,
    }


def interest_path(org_id: str) -> str:
    """The path of an association's interest list (what a signed read signs)."""
    return f"/api/v1/market/interest/{org_id}"


def read_interests(
    service: LedgerService, org_id: str, header: str | None, path: str
) -> list[dict[str, Any]]:
    """The buyers' messages for ``org_id``'s lots, newest first, for a request signed by
    that association's key (or root).

    Raises:
        ReadUnauthorizedError, ReadForbiddenError: as for members' personal data (checked
            first, so an unsigned caller learns nothing, not even whether the org exists).
        EntryNotFoundError: no such organization.
    """
    key = authenticate_read(service, header, path)
    if service.store.state_get(ORG_KIND, org_id) is None:  # after authentication: see above
        raise EntryNotFoundError(f"no organization {org_id!r}")
    scope = key.get("scope") or {}
    own = key["role"] == "association" and scope.get("org_id") == org_id
    if not (own or key["role"] == "root"):
        raise ReadForbiddenError(
            f"key {key['key_id']} ({key['role']}) may not read {org_id}'s buyer messages"
        )
    return interests_of(service, org_id)


def interests_of(service: LedgerService, org_id: str) -> list[dict[str, Any]]:
    """The buyers' messages for ``org_id``'s lots (no authorization: the local CLI)."""
    return [
        {
            "interest_id": row.interest_id,
            "lot_id": row.lot_id,
            "received_at": row.received_at,
            **row.data,
        }
        for row in InterestStore(service.engine).for_org(org_id)
    ]
