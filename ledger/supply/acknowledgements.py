"""A producer's own acknowledgement of a receipt (optional: for producers with a phone).

The association's signature on a purchase or payment stands alone: the paper receipt
(``labels.payment_receipt``) proves it offline, and a producer without a phone loses nothing.
A producer who has one may add her own signature:

* ``producer_key.enrolled`` — signed by the association, like a field device's enrolment
  (``ledger.supply.devices``): it binds a key made on the producer's phone to one of its
  members (``scope.producer_id``), role :data:`PRODUCER_ROLE`, able to sign
  ``receipt.acknowledged`` and nothing else; ``producer_key.revoked`` ends it (a lost phone),
  by the same rule as a device's revocation (``ledger.supply.delegated_keys``: ``revoked_at``
  records the log's time).
* ``receipt.acknowledged`` — signed by that key: ``{"kind": "purchase"|"payment",
  "record_id", "seq", "entry_hash"}`` names the association's entry (its position and RFC 9162
  entry hash) the producer read on her receipt and agrees with.

The rules refuse an acknowledgement by a key bound to another producer (or by any other key:
the type's only role is the producer's), of a record that is not at ``seq``, or repeated by
the same key. The entry hash cannot be read by the rules (they see projections, not entries),
so it is checked where entries are at hand: :mod:`api.services.acknowledgements` counts an
acknowledgement only when its ``entry_hash`` is the hash of the entry at ``seq``.

Left out: acknowledging deliveries (their receipts are the device's own signature), and
disputes (a producer who disagrees does not acknowledge, and tells her association).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ledger.errors import AuthorizationError
from ledger.registry import AppendContext, EntryType
from ledger.supply.common import Body, Id, require, rule
from ledger.supply.delegated_keys import (
    DelegatedPublicKey,
    RevocationReason,
    association_of,
    delegated_key,
    revoke_delegated_key,
)
from ledger.supply.payments import PAYMENT_KIND, PURCHASE_KIND
from ledger.supply.producers import PRODUCER_KIND
from ledger.trust import KEY_KIND

__all__ = ["ACK_KIND", "PRODUCER_ROLE", "acknowledgement_entry_types"]

PRODUCER_ROLE = "producer"
"""A producer's own key (on her phone), enrolled by her association for one member."""
ACK_KIND = "receipt_ack"
"""Projection: ``<kind>:<record_id>`` → ``{"acks": [{key_id, producer_id, seq, entry_hash,
ack_seq}]}``."""


class ProducerKeyEnrolledBody(Body):
    """``producer_key.enrolled``: the association binds a producer's phone key to a member."""

    producer_id: Id
    public_key: DelegatedPublicKey
    label: str = Field(default="Teléfono del productor", min_length=1, max_length=100)


class ProducerKeyRevokedBody(Body):
    """``producer_key.revoked``: the association ends a producer's key from here on."""

    producer_id: Id
    key_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    reason: RevocationReason


class AcknowledgedBody(Body):
    """``receipt.acknowledged``: the producer agrees with a purchase or payment entry."""

    kind: Literal["purchase", "payment"]
    record_id: Id
    seq: int = Field(ge=0)
    entry_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


def _own_member(ctx: AppendContext, producer_id: str) -> str:
    org_id = association_of(ctx)
    producer = require(
        ctx.state.get(PRODUCER_KIND, producer_id), f"unknown producer {producer_id}", "producer_id"
    )
    rule(producer["org_id"] == org_id, f"producer {producer_id} is not a member", "producer_id")
    return org_id


def _apply_enrolled(ctx: AppendContext, body: ProducerKeyEnrolledBody) -> None:
    org_id = _own_member(ctx, body.producer_id)
    kid, doc = delegated_key(
        ctx, body.public_key, name=body.label, role=PRODUCER_ROLE,
        scope={"org_id": org_id, "producer_id": body.producer_id},
    )  # fmt: skip
    ctx.state.put(KEY_KIND, kid, doc, ctx.seq)


def _apply_revoked(ctx: AppendContext, body: ProducerKeyRevokedBody) -> None:
    _own_member(ctx, body.producer_id)
    revoke_delegated_key(
        ctx, body.key_id, body.reason, role=PRODUCER_ROLE, scope_field="producer_id",
        scope_value=body.producer_id, what=f"a key of producer {body.producer_id}",
    )  # fmt: skip


def _apply_acknowledged(ctx: AppendContext, body: AcknowledgedBody) -> None:
    scope = (ctx.actor or {}).get("scope") or {}
    kind = PURCHASE_KIND if body.kind == "purchase" else PAYMENT_KIND
    record = require(
        ctx.state.get(kind, body.record_id), f"unknown {body.kind} {body.record_id}", "record_id"
    )
    if record["producer_id"] != scope.get("producer_id"):
        raise AuthorizationError(
            f"key {ctx.statement.actor} is bound to producer {scope.get('producer_id')}, "
            f"not to {record['producer_id']}, whose {body.kind} this is"
        )
    rule(
        record["recorded_seq"] == body.seq,
        f"{body.kind} {body.record_id} was recorded at seq {record['recorded_seq']}",
        "seq",
    )
    slot = f"{body.kind}:{body.record_id}"
    found = ctx.state.get(ACK_KIND, slot) or {"acks": []}
    rule(
        all(ack["key_id"] != ctx.statement.actor for ack in found["acks"]),
        f"this key already acknowledged {body.kind} {body.record_id}",
        "record_id",
    )
    ack = {
        "key_id": ctx.statement.actor,
        "producer_id": record["producer_id"],
        "seq": body.seq,
        "entry_hash": body.entry_hash,
        "ack_seq": ctx.seq,
    }
    ctx.state.put(ACK_KIND, slot, {"acks": [*found["acks"], ack]}, ctx.seq)


def acknowledgement_entry_types() -> list[EntryType]:
    """A producer's key (enrolled and revoked by the association) and its acknowledgements."""
    return [
        EntryType(
            "producer_key.enrolled",
            ProducerKeyEnrolledBody,
            frozenset({"association"}),
            _apply_enrolled,
            "An association binds a key on a producer's phone to that member.",
        ),
        EntryType(
            "producer_key.revoked",
            ProducerKeyRevokedBody,
            frozenset({"association"}),
            _apply_revoked,
            "An association ends a producer's key (lost, stolen or retired phone).",
        ),
        EntryType(
            "receipt.acknowledged",
            AcknowledgedBody,
            frozenset({PRODUCER_ROLE}),
            _apply_acknowledged,
            "A producer acknowledges a purchase or payment of hers with her own key.",
        ),
    ]
