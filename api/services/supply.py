"""Supply-chain queries and the producer personal-data flow, over a ``LedgerService``.

Kept apart from ``api.services.ledger`` so the ledger service stays about the log itself; both the
HTTP routes and the CLI call these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from api.services.ledger import LedgerService
from ledger.chain import AppendResult
from ledger.errors import DomainRuleError, EntryNotFoundError, SchemaError
from ledger.statements import SignedStatement, schema_errors
from ledger.storage.sql.personal import PersonalDataStore, StoredPersonalData
from ledger.supply.common import grams_to_kg
from ledger.supply.lineage import downstream, upstream
from ledger.supply.lots import LOT_KIND
from ledger.supply.producers import (
    DISAGGREGATION_FIELDS,
    PRODUCER_KIND,
    PersonalData,
    personal_data_hash,
)

__all__ = [
    "document",
    "documents",
    "committed_on_ledger",
    "erase_personal_data",
    "lineage",
    "lot_public",
    "personal_data",
    "personal_record",
    "producer_public",
    "published_name",
    "register_producer",
]


def lot_public(doc: dict[str, Any]) -> dict[str, Any]:
    """A lot document for people and apps: kilograms next to the exact grams."""
    return {
        **doc,
        "quantity_kg": grams_to_kg(doc["quantity_g"]),
        "remaining_kg": grams_to_kg(doc["remaining_g"]),
    }


def producer_public(doc: dict[str, Any]) -> dict[str, Any]:
    """A producer document without personal attributes (gender, year of birth, Indigenous
    language: ``DISAGGREGATION_FIELDS``).

    Entries recorded before those attributes moved off the ledger may carry a gender, and the
    projection keeps whatever the entry said (the rules replay history as it was). Serving it
    would publish, without consent, what a new registration may only put in the off-ledger
    personal-data record: so it is never served from the projection, old or new; the
    association reads it, and indicators count it, only through that consented record
    (``GET /api/v1/producers/{id}/personal-data``, ``api.services.indicators``).
    """
    return {k: v for k, v in doc.items() if k not in DISAGGREGATION_FIELDS}


_PUBLIC: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    LOT_KIND: lot_public,
    PRODUCER_KIND: producer_public,
}
"""How a projection document of a kind is shown to people and apps (others: as stored)."""


def _public(kind: str, doc: dict[str, Any]) -> dict[str, Any]:
    shown = _PUBLIC.get(kind)
    return doc if shown is None else shown(doc)


def document(service: LedgerService, kind: str, key: str) -> dict[str, Any]:
    """One projection document, as shown to people and apps (``_PUBLIC``).

    Raises:
        EntryNotFoundError: nothing of that kind and id was recorded.
    """
    doc = service.store.state_get(kind, key)
    if doc is None:
        raise EntryNotFoundError(f"no {kind} {key!r}")
    return _public(kind, doc)


def documents(service: LedgerService, doc_kind: str, **where: str | None) -> list[dict[str, Any]]:
    """Every document of a kind whose fields equal the given (non-None) values, as shown to
    people and apps (``_PUBLIC``)."""
    wanted = {k: v for k, v in where.items() if v is not None}
    with service.store.read_state() as state:
        found = [
            doc
            for _key, doc in state.scan(doc_kind)
            if all(doc.get(k) == v for k, v in wanted.items())
        ]
    return [_public(doc_kind, doc) for doc in found]


def lineage(service: LedgerService, lot_id: str, direction: str = "upstream") -> dict[str, Any]:
    """A lot's upstream (default) or downstream graph.

    Raises:
        EntryNotFoundError: no such lot.
        ValueError: unknown direction.
    """
    if direction not in ("upstream", "downstream"):
        raise ValueError("direction must be upstream or downstream")
    with service.store.read_state() as state:
        if state.get(LOT_KIND, lot_id) is None:
            raise EntryNotFoundError(f"no lot {lot_id!r}")
        graph = upstream(state, lot_id) if direction == "upstream" else downstream(state, lot_id)
        result = graph.to_dict()
        result["direction"] = direction
        docs = state.get_many(LOT_KIND, graph.lots)
        result["lot_details"] = {lot: lot_public(docs[lot]) for lot in graph.lots if lot in docs}
    return result


def personal_record(**fields: Any) -> dict[str, Any]:
    """A personal-data record as it is hashed and kept, from typed fields.

    Raises:
        SchemaError: a field is malformed, named ``personal_data.<field>``.
    """
    try:
        return PersonalData.model_validate(fields).model_dump()
    except ValidationError as exc:
        raise SchemaError(
            "personal data does not match the schema", schema_errors(exc, "personal_data.")
        ) from exc


def register_producer(
    service: LedgerService, signed: SignedStatement, data: dict[str, Any], salt: str
) -> AppendResult:
    """Append a ``producer.registered`` entry and keep its personal data outside the ledger.

    The entry must carry ``pii_hash = SHA-256(salt ‖ JCS(data))``, so the ledger commits to
    exactly this record without containing it.

    Raises:
        SchemaError: the data or salt is malformed, or the entry is not a producer entry.
        DomainRuleError: the entry's ``pii_hash`` is not the hash of this data.
    """
    try:
        record = PersonalData.model_validate(data)
    except ValidationError as exc:
        raise SchemaError(
            "personal data does not match the schema", schema_errors(exc, "personal_data.")
        ) from exc
    if len(salt) != 64 or any(c not in "0123456789abcdef" for c in salt):
        raise SchemaError("salt must be 64 lowercase hex characters", [("salt", "bad salt")])
    statement = signed.statement
    if statement.type != "producer.registered":
        raise SchemaError(
            "expected a producer.registered statement", [("entry.statement.type", "wrong type")]
        )
    canonical = record.model_dump()
    expected = personal_data_hash(salt, canonical)
    if statement.body.get("pii_hash") != expected:
        raise DomainRuleError(
            "pii_hash is not SHA-256(salt ‖ JCS(personal data))", field="statement.body.pii_hash"
        )
    result = service.submit(signed)
    producer = service.store.state_get("producer", str(statement.body["producer_id"]))
    assert producer is not None  # noqa: S101 - the append just wrote it
    PersonalDataStore(service.engine).record(
        str(statement.body["producer_id"]), str(producer["org_id"]), canonical, salt
    )
    return result


def personal_data(service: LedgerService, producer_id: str) -> StoredPersonalData | None:
    """A producer's personal data (local use only: the HTTP API never serves it)."""
    return PersonalDataStore(service.engine).get(producer_id)


def published_name(service: LedgerService, producer_id: str) -> str | None:
    """The producer's name, only if the producer consented to publishing it; else ``None``.

    Consent is the ``consent_to_publish_name`` flag of the personal-data record, which the
    producer's ``producer.registered`` entry commits to through ``pii_hash``. The name is
    given only when the flag is ``true`` *and* the record still hashes to that ``pii_hash``,
    so an edited side table cannot grant consent the ledger never saw. Erased or never
    recorded data, a producer registered without ``pii_hash``, or no consent: ``None``.
    """
    producer = service.store.state_get("producer", producer_id)
    record = PersonalDataStore(service.engine).get(producer_id)
    if record is None or record.data.get("consent_to_publish_name") is not True:
        return None
    if not committed_on_ledger(producer, record):
        return None
    name = record.data.get("name")
    return name if isinstance(name, str) else None


def committed_on_ledger(producer: dict[str, Any] | None, record: StoredPersonalData) -> bool:
    """Whether the producer's ledger entry commits (``pii_hash``) to exactly this record, so
    an edited side table can neither grant consent nor change what the ledger saw."""
    return producer is not None and producer.get("pii_hash") == personal_data_hash(
        record.salt, record.data
    )


def erase_personal_data(service: LedgerService, producer_id: str) -> bool:
    """Erase a producer's personal data; the ledger is untouched and still verifies.

    Raises:
        EntryNotFoundError: no such producer in the ledger.
    """
    if service.store.state_get("producer", producer_id) is None:
        raise EntryNotFoundError(f"no producer {producer_id!r}")
    return PersonalDataStore(service.engine).erase(producer_id)
