"""Field devices: an association delegates capture to a phone's key, and takes it back.

A field technician's phone makes its own Ed25519 key and signs every capture on the spot.
``device.enrolled``, signed by the association's key, makes that key a ``device`` key
(``ledger.trust.DEVICE_ROLE``) scoped to the association (``scope.org_id``) and to the capture
types it lists (``scope.types``, a subset of :data:`DEVICE_CAPTURE_TYPES`). From then on the
device signs those types exactly as the association would — every rule that asks which
organization the signer speaks for (``acting_org``) gets the association — and nothing else:
not another type, not another organization's producers, plots or lots, not enrolments.

``device.revoked`` ends the key at its position in the log (the rule shared with producers'
phones, ``ledger.supply.delegated_keys``), whatever ``ts`` a later statement claims, so a
thief cannot backdate a capture to before the revocation; what the device signed before
stays valid (``ledger.timing``). Captures still on a lost phone are refused from then on:
the office re-captures what it can vouch for.

Left out: how the authorization is checked at admission (``ledger.trust.check_may_sign``) and
the office's views (``api.services.devices``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ledger.errors import AuthorizationError
from ledger.keys import decode_public_key, key_id
from ledger.registry import AppendContext, EntryType
from ledger.statements import parse_ts
from ledger.supply.common import Body, Id, rule
from ledger.supply.delegated_keys import (
    DelegatedPublicKey,
    RevocationReason,
    association_of,
    delegated_key,
    revoke_delegated_key,
)
from ledger.timing import MAX_OFFLINE_GRACE_DAYS
from ledger.trust import DEVICE_ROLE, KEY_KIND

__all__ = [
    "DEVICE_CAPTURE_TYPES",
    "DeviceEnrolledBody",
    "DeviceRevokedBody",
    "device_entry_types",
]

CaptureType = Literal[
    "producer.registered",
    "plot.registered",
    "apiary.registered",
    "lot.harvested",
    "purchase.recorded",
]
DEVICE_CAPTURE_TYPES: tuple[str, ...] = (
    "producer.registered",
    "plot.registered",
    "apiary.registered",
    "lot.harvested",
    "purchase.recorded",
)
"""What is born in the field: members, plots, apiaries, deliveries and the farm-gate purchase
of a delivery (price, deductions, premiums, signed at the scale). Payments, processing,
shipping, evidence and enrolment stay with the office's key."""


class DeviceEnrolledBody(Body):
    """``device.enrolled``: the association's key authorizes a field device's key."""

    org_id: Id
    public_key: DelegatedPublicKey
    label: str = Field(min_length=1, max_length=100, description="e.g. 'Técnico Siltepec 2'")
    entry_types: list[CaptureType] = Field(min_length=1, max_length=len(DEVICE_CAPTURE_TYPES))
    valid_until: str | None = None
    offline_grace_days: int | None = Field(default=None, ge=0, le=MAX_OFFLINE_GRACE_DAYS)
    """Days after ``valid_until`` during which captures signed while valid may still be
    synced (``ledger.timing``). Absent means 0."""

    @field_validator("entry_types")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("entry types must be distinct")
        return value

    @field_validator("valid_until")
    @classmethod
    def _ts(cls, value: str | None) -> str | None:
        if value is not None:
            parse_ts(value)
        return value


class DeviceRevokedBody(Body):
    """``device.revoked``: the association withdraws a device's key from this position on."""

    org_id: Id
    key_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    reason: RevocationReason
    note: str | None = Field(default=None, min_length=1, max_length=500)


def _speaks_for(ctx: AppendContext, org_id: str) -> None:
    """Only the association's own key manages its devices, and only its own."""
    acting = association_of(ctx)
    if acting != org_id:
        raise AuthorizationError(f"key {ctx.statement.actor} speaks for {acting}, not {org_id}")


def _apply_enrolled(ctx: AppendContext, body: DeviceEnrolledBody) -> None:
    _speaks_for(ctx, body.org_id)
    kid, doc = delegated_key(
        ctx, body.public_key, name=body.label, role=DEVICE_ROLE,
        scope={"org_id": body.org_id, "types": list(body.entry_types)},
        valid_until=body.valid_until,
    )  # fmt: skip
    rule(
        body.valid_until is None or parse_ts(body.valid_until) > parse_ts(ctx.statement.ts),
        "valid_until must be after the enrolment's ts",
        "valid_until",
    )
    if ctx.log_time is not None:
        # A capture may not claim a ts before its device was enrolled (ledger.timing).
        doc["added_ts"] = ctx.statement.ts
    if body.offline_grace_days is not None:
        doc["offline_grace_days"] = body.offline_grace_days
    ctx.state.put(KEY_KIND, kid, doc, ctx.seq)


def _apply_revoked(ctx: AppendContext, body: DeviceRevokedBody) -> None:
    _speaks_for(ctx, body.org_id)
    revoke_delegated_key(
        ctx, body.key_id, body.reason, role=DEVICE_ROLE, scope_field="org_id",
        scope_value=body.org_id, what=f"a device of {body.org_id}",
    )  # fmt: skip


def _enrolled_reads(body: DeviceEnrolledBody) -> list[tuple[str, str]]:
    return [(KEY_KIND, key_id(decode_public_key(body.public_key)))]


def _revoked_reads(body: DeviceRevokedBody) -> list[tuple[str, str]]:
    return [(KEY_KIND, body.key_id)]


def device_entry_types() -> list[EntryType]:
    """Entry types of field-device delegation."""
    return [
        EntryType(
            name="device.enrolled",
            body_model=DeviceEnrolledBody,
            roles=frozenset({"association"}),
            apply=_apply_enrolled,
            description="An association authorizes a field device's key for some capture types.",
            reads=_enrolled_reads,
        ),
        EntryType(
            name="device.revoked",
            body_model=DeviceRevokedBody,
            roles=frozenset({"association"}),
            apply=_apply_revoked,
            description="An association revokes a field device's key (lost, stolen, retired).",
            reads=_revoked_reads,
        ),
    ]
