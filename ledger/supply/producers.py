"""Producers: pseudonymous members of an association.

Entries never carry personal data. A producer entry holds a pseudonymous id and
``pii_hash = SHA-256(salt ‖ JCS(personal data))``; names, CURP and contact sit in an
erasable side table outside the ledger (``ledger.personal``). Erasing them leaves the hash,
which without the salt reveals nothing, and the ledger keeps verifying.

The attributes programmes disaggregate by — gender, year of birth, speaking an Indigenous
language — are personal data too: they live in the side record with the producer's
``consent_to_statistics`` and count only in aggregate (``verifiers.indicators``). Early
``producer.registered`` entries carried a ``gender``; a new entry naming one (or any other
disaggregation attribute) is refused naming the field, while the recorded ones stay history
and keep verifying (the rule checks admission only, ``AppendContext.replaying``).

Left out: the side table itself.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, Literal

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from ledger.canonical import canonicalize
from ledger.registry import AppendContext, EntryType
from ledger.supply.common import Body, Day, Id, acting_org, rule
from ledger.supply.identifiers import validate_curp

__all__ = [
    "DISAGGREGATION_FIELDS",
    "PRODUCER_KIND",
    "PersonalData",
    "ProducerRegisteredBody",
    "new_salt",
    "personal_data_hash",
    "producer_entry_types",
]

PRODUCER_KIND = "producer"


class PersonalData(Body):
    """What a producer's personal-data record may hold (kept outside the ledger)."""

    name: str = Field(min_length=2, max_length=200)
    curp: str | None = None
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ()-]{7,20}$")
    email: str | None = Field(default=None, max_length=200)
    consent_to_publish_name: bool = False
    gender: Literal["female", "male", "other"] | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    indigenous_language_speaker: bool | None = None
    """Speaks an Indigenous language (INEGI's census question); ``None``: not asked."""
    consent_to_statistics: bool = False
    """The producer agrees that gender, year of birth and Indigenous-language speaking count
    in aggregate programme indicators (``verifiers.indicators``), never shown for fewer than
    five people."""

    @model_serializer(mode="wrap")
    def _without_unset_statistics(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # The statistical attributes came later: left at their defaults they are not written,
        # so a record made before them hashes (``pii_hash``) exactly as it always did.
        data: dict[str, Any] = handler(self)
        for name, default in _STATISTICS_DEFAULTS.items():
            if data.get(name, default) == default:
                data.pop(name, None)
        return data

    @field_validator("curp")
    @classmethod
    def _curp(cls, value: str | None) -> str | None:
        if value is not None:
            validate_curp(value)
        return value


_STATISTICS_DEFAULTS: dict[str, Any] = {
    "gender": None,
    "birth_year": None,
    "indigenous_language_speaker": None,
    "consent_to_statistics": False,
}

DISAGGREGATION_FIELDS = (
    "gender",
    "birth_year",
    "year_of_birth",
    "age",
    "indigenous_language_speaker",
    "indigenous_language",
)
"""Attributes programme indicators disaggregate by: personal data, never on the ledger."""

_OFF_LEDGER = (
    "personal data stays off the ledger: record it in the producer's personal-data record "
    "(POST /api/v1/producers, personal_data.{field}, with consent_to_statistics) — "
    "los datos personales no van al registro: guárdelos en los datos personales del productor"
)


def new_salt() -> str:
    """A fresh 32-byte salt, hex."""
    return secrets.token_hex(32)


def personal_data_hash(salt: str, data: dict[str, Any]) -> str:
    """``SHA-256(salt ‖ JCS(data))`` hex: what the ledger keeps instead of the data."""
    return hashlib.sha256(bytes.fromhex(salt) + canonicalize(data)).hexdigest()


class ProducerRegisteredBody(Body):
    """``producer.registered``: a member of the signing association."""

    producer_id: Id
    pii_hash: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    community: str | None = Field(default=None, max_length=100)
    gender: Literal["female", "male", "other", "undisclosed"] = "undisclosed"
    """History only: entries recorded before gender moved off the ledger carry it; a new
    entry naming it is refused (``_apply_producer_registered``)."""
    member_since: Day | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_other_personal_attributes(cls, data: Any) -> Any:
        # Never accepted on the ledger, so refused even when replaying; said plainly rather
        # than as "extra inputs are not permitted".
        if isinstance(data, dict):
            for name in DISAGGREGATION_FIELDS[1:]:
                if name in data:
                    raise ValueError(f"{name}: " + _OFF_LEDGER.format(field=name))
        return data


def _apply_producer_registered(ctx: AppendContext, body: ProducerRegisteredBody) -> None:
    org_id = acting_org(ctx)
    rule(
        ctx.replaying or "gender" not in body.model_fields_set,
        "gender: " + _OFF_LEDGER.format(field="gender"),
        "gender",
    )
    rule(
        ctx.state.get(PRODUCER_KIND, body.producer_id) is None,
        f"producer {body.producer_id} exists",
        "producer_id",
    )
    doc = body.model_dump()
    doc.update(org_id=org_id, registered_seq=ctx.seq)
    ctx.state.put(PRODUCER_KIND, body.producer_id, doc, ctx.seq)


def _producer_reads(body: ProducerRegisteredBody) -> list[tuple[str, str]]:
    return [(PRODUCER_KIND, body.producer_id)]


def producer_entry_types() -> list[EntryType]:
    """Entry types of producer registration."""
    return [
        EntryType(
            name="producer.registered",
            body_model=ProducerRegisteredBody,
            roles=frozenset({"association"}),
            apply=_apply_producer_registered,
            description="An association registers a member by pseudonymous id.",
            reads=_producer_reads,
        )
    ]
