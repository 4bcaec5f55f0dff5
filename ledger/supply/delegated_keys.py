"""Keys an association hands out and takes back: field devices and producers' phones.

``device.enrolled`` (``ledger.supply.devices``) and ``producer_key.enrolled``
(``ledger.supply.acknowledgements``) both let an association's own key vouch for a key made
on a phone; ``device.revoked`` and ``producer_key.revoked`` both end such a key at their
position in the log. Enrolment starts the same way for both (:func:`delegated_key`: a
public key that decodes, a key id never registered before, the key document) and the
revocation is one rule, kept here so the two cannot drift apart:
only the association's key may revoke, the key must be one it delegated of that kind, it is
revoked once, and the key document records ``revoked_seq``, ``revoked_reason`` and
``revoked_at`` (the log's time at admission, ``AppendContext.judged_at``), which an offline
verifier holding a trust list needs to tell a signature made before the revocation from one
made after (``labels.receipt_verify``).

Left out: what each kind of key may sign (its role, ``ledger.trust``) and the rest of the
enrolment bodies, which differ (a device lists capture types and may expire; a producer key
names a member).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator

from ledger.errors import AuthorizationError
from ledger.keys import decode_public_key, key_id
from ledger.registry import AppendContext
from ledger.supply.common import acting_org, require, rule
from ledger.trust import KEY_KIND, key_document

__all__ = [
    "DelegatedPublicKey",
    "RevocationReason",
    "association_of",
    "delegated_key",
    "revoke_delegated_key",
]


def _decodes(value: str) -> str:
    decode_public_key(value)
    return value


DelegatedPublicKey = Annotated[str, AfterValidator(_decodes)]
"""The phone's public key in an enrolment body: refused at parsing unless it decodes."""

RevocationReason = Literal["lost", "stolen", "retired"]
"""Why a phone's key ends: the same three codes for a field device and a producer's phone."""


def association_of(ctx: AppendContext) -> str:
    """The organization the signer speaks for, which must be through its association key:
    a delegated key never manages other delegated keys (the entry types' roles already
    exclude it; checked again so each rule reads whole)."""
    actor = ctx.actor or {}
    if actor.get("role") != "association":
        raise AuthorizationError(f"key {ctx.statement.actor} is not an association key")
    return acting_org(ctx)


def delegated_key(
    ctx: AppendContext, public_key: str, *, name: str, role: str, **extra: Any
) -> tuple[str, dict[str, Any]]:
    """The key id and key document of a key an association delegates at this position
    (``extra``: ``scope``, ``valid_until`` as ``ledger.trust.key_document`` takes them).

    Raises:
        DomainRuleError: the key id is already registered (field ``public_key``): a key id
            is introduced once, whoever registered it.
    """
    kid = key_id(decode_public_key(public_key))
    rule(
        ctx.state.get(KEY_KIND, kid) is None,
        f"key {kid} is already registered; a key id is introduced once",
        "public_key",
    )
    doc = key_document(
        name=name, public_key=public_key, role=role, seq=ctx.seq,
        added_by=ctx.statement.actor, **extra,
    )  # fmt: skip
    return kid, doc


def revoke_delegated_key(
    ctx: AppendContext,
    kid: str,
    reason: RevocationReason,
    *,
    role: str,
    scope_field: str,
    scope_value: str,
    what: str,
) -> None:
    """End the delegated key ``kid`` at this position.

    ``role`` and ``scope[scope_field] == scope_value`` say which keys this revocation may
    reach (a device of that organization, a phone of that member); ``what`` names them in the
    refusal ("a device of coop-a"). The caller has already checked who signs.

    Raises:
        DomainRuleError: unknown key, not such a key, or already revoked (field ``key_id``).
    """
    doc = require(ctx.state.get(KEY_KIND, kid), f"unknown key {kid}", "key_id")
    rule(
        doc["role"] == role and (doc.get("scope") or {}).get(scope_field) == scope_value,
        f"key {kid} is not {what}",
        "key_id",
    )
    rule(
        doc["revoked_seq"] is None,
        f"key {kid} is already revoked (seq {doc['revoked_seq']})",
        "key_id",
    )
    revoked = {**doc, "revoked_seq": ctx.seq, "revoked_reason": reason, "revoked_at": ctx.judged_at}
    ctx.state.put(KEY_KIND, kid, revoked, ctx.seq)
