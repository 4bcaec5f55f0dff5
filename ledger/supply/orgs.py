"""Onboarding: a registrar registers an association (or a processor, exporter, importer).

The registration binds the organization's public key to it: the key gets the role
``association`` with scope ``{"org_id": …}``, and from then on signs that organization's
producers, plots, apiaries, lots, transformations and shipments — and nobody else's.

Left out: the registrar's own delegation (``key.added`` by a root key, ``ledger.trust``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ledger.keys import decode_public_key, key_id
from ledger.registry import AppendContext, EntryType
from ledger.supply.common import Body, Id, rule
from ledger.supply.identifiers import INEGI_STATES, validate_rfc_moral

__all__ = ["ORG_KIND", "OrgRegisteredBody", "org_entry_types"]

ORG_KIND = "org"

LegalForm = Literal[
    "cooperativa",
    "spr",
    "ejido",
    "comunidad",
    "union_de_ejidos",
    "sc_de_rl",
    "sss",
    "ac",
    "sa_de_cv",
    "other",
]
OrgKind = Literal["association", "processor", "exporter", "importer", "buyer"]


class OrgRegisteredBody(Body):
    """``org.registered``: who the organization is and which key speaks for it."""

    org_id: Id
    name: str = Field(min_length=2, max_length=200)
    kind: OrgKind = "association"
    legal_form: LegalForm
    rfc: str | None = None
    country: str = Field(default="MX", pattern=r"^[A-Z]{2}$")
    state: str | None = Field(default=None, description="INEGI state code, e.g. 07 Chiapas")
    municipality: str | None = Field(default=None, max_length=100)
    landscape: str | None = Field(default=None, max_length=100)
    products: list[str] = Field(default_factory=list, max_length=10)
    public_key: str

    @field_validator("rfc")
    @classmethod
    def _rfc(cls, value: str | None) -> str | None:
        if value is not None:
            validate_rfc_moral(value)
        return value

    @field_validator("state")
    @classmethod
    def _state(cls, value: str | None) -> str | None:
        if value is not None and value not in INEGI_STATES:
            raise ValueError(f"unknown INEGI state code {value!r}")
        return value

    @field_validator("public_key")
    @classmethod
    def _public_key(cls, value: str) -> str:
        decode_public_key(value)
        return value


def _apply_org_registered(ctx: AppendContext, body: OrgRegisteredBody) -> None:
    rule(ctx.state.get(ORG_KIND, body.org_id) is None, f"org {body.org_id} exists", "org_id")
    rule(
        body.country != "MX" or body.state is not None,
        "a Mexican organization needs its INEGI state code",
        "state",
    )
    kid = key_id(decode_public_key(body.public_key))
    rule(
        ctx.state.get("key", kid) is None,
        f"key {kid} is already registered; a key id is introduced once",
        "public_key",
    )
    ctx.state.put(
        "key",
        kid,
        {
            "key_id": kid,
            "name": body.name,
            "public_key": body.public_key,
            "role": "association",
            "scope": {"org_id": body.org_id},
            "valid_from": None,
            "valid_until": None,
            "added_seq": ctx.seq,
            "added_by": ctx.statement.actor,
            "revoked_seq": None,
            "revoked_reason": None,
        },
        ctx.seq,
    )
    doc = body.model_dump(exclude={"public_key"})
    doc.update(
        key_ids=[kid],
        state_name=INEGI_STATES.get(body.state or ""),
        registered_by=ctx.statement.actor,
        registered_seq=ctx.seq,
    )
    ctx.state.put(ORG_KIND, body.org_id, doc, ctx.seq)


def org_entry_types() -> list[EntryType]:
    """Entry types of onboarding."""
    return [
        EntryType(
            name="org.registered",
            body_model=OrgRegisteredBody,
            roles=frozenset({"registrar"}),
            apply=_apply_org_registered,
            description="A registrar registers an association or trading party with its key.",
        )
    ]
