"""Who may write what: roots, delegated roles and key lifecycle, replayed from entries.

Modelled on The Update Framework (DESIGN §4): the genesis entry names the root keys and the
log operator key; root keys add and revoke the keys of delegated roles (registrars,
certifiers, the label issuer, more roots). The trust state is a projection: key documents of
kind ``"key"`` keyed by key id, plus the ``("ledger", "genesis")`` document. A signature
counts if its key was active *at the entry's position*, so revoking or rotating a key never
invalidates what it signed before.

Left out: the domain roles' own entry types (associations register members etc. elsewhere)
and threshold signatures (one root signature suffices for now).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ledger.errors import AuthorizationError, DomainRuleError, UnknownKeyError
from ledger.keys import decode_public_key, key_id
from ledger.registry import AppendContext, EntryType
from ledger.state import State
from ledger.statements import parse_ts
from ledger.timing import MAX_OFFLINE_GRACE_DAYS, check_key_time

__all__ = [
    "DELEGABLE_ROLES",
    "DEVICE_ROLE",
    "GENESIS_TYPE",
    "ROLES",
    "KeyAddedBody",
    "KeyRevokedBody",
    "GenesisBody",
    "active_key",
    "check_may_sign",
    "genesis_info",
    "key_document",
    "trust_entry_types",
]

Role = Literal["root", "operator", "registrar", "certifier", "label_issuer", "association"]
ROLES: tuple[str, ...] = (
    "root",
    "operator",
    "registrar",
    "certifier",
    "label_issuer",
    "association",
)
"""The roles a ``key.added`` body can name (``association`` keys come from
``org.registered``, ``device`` keys — not listed — from ``device.enrolled``)."""
DELEGABLE_ROLES = frozenset({"root", "operator", "registrar", "certifier", "label_issuer"})
"""Roles a root key may grant directly; associations are onboarded by registrars."""

DEVICE_ROLE = "device"
"""A field device's key, enrolled by an association (``ledger.supply.devices``): it may sign
the entry types listed in its ``scope.types`` for the organization in its ``scope.org_id``,
each of them one an association may sign, and nothing else."""

GENESIS_TYPE = "ledger.genesis"
KEY_KIND = "key"


def _check_public_key(value: str) -> str:
    decode_public_key(value)
    return value


class NamedKey(BaseModel):
    """A public key with a human name, as genesis lists them."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=100)
    public_key: str

    _pk = field_validator("public_key")(_check_public_key)


class GenesisBody(BaseModel):
    """``ledger.genesis``: the log's origin, its root keys and its operator key."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    origin: str = Field(pattern=r"^[\x21-\x7e]{1,255}$")
    root_keys: list[NamedKey] = Field(min_length=1, max_length=16)
    operator_key: NamedKey


class KeyAddedBody(BaseModel):
    """``key.added``: a root delegates a role to a new key, optionally scoped and time-boxed."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=100)
    public_key: str
    role: Role
    scope: dict[str, Any] = Field(default_factory=dict)
    valid_from: str | None = None
    valid_until: str | None = None
    offline_grace_days: int | None = Field(default=None, ge=0, le=MAX_OFFLINE_GRACE_DAYS)
    """Days after ``valid_until`` during which statements the key signed while valid may
    still be uploaded (offline capture; ``ledger.timing``). Absent means 0."""

    _pk = field_validator("public_key")(_check_public_key)

    @field_validator("valid_from", "valid_until")
    @classmethod
    def _check_ts(cls, value: str | None) -> str | None:
        if value is not None:
            parse_ts(value)
        return value


class KeyRevokedBody(BaseModel):
    """``key.revoked``: a root withdraws a key from this position on."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    key_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    reason: str = Field(min_length=1, max_length=500)


def key_document(
    *, name: str, public_key: str, role: str, seq: int, added_by: str | None, **extra: Any
) -> dict[str, Any]:
    return {
        "key_id": key_id(decode_public_key(public_key)),
        "name": name,
        "public_key": public_key,
        "role": role,
        "scope": extra.get("scope", {}),
        "valid_from": extra.get("valid_from"),
        "valid_until": extra.get("valid_until"),
        "added_seq": seq,
        "added_by": added_by,
        "revoked_seq": None,
        "revoked_reason": None,
    }


def active_key(
    state: State, kid: str, ts: str | None = None, log_time: str | None = None
) -> dict[str, Any]:
    """Return the key document if the key is acceptable at this position.

    A revoked key never is (its revocation is an earlier position, whatever any ``ts``
    says). With ``ts``, the time rules of ``ledger.timing`` apply: the window is judged at
    ``log_time``, the log's clock at admission (at ``ts`` only for legacy entries, which
    have none).

    Raises:
        UnknownKeyError: no such key.
        AuthorizationError: revoked, or outside its validity window.
    """
    doc = state.get(KEY_KIND, kid)
    if doc is None:
        raise UnknownKeyError(f"unknown key {kid}")
    if doc["revoked_seq"] is not None:
        raise AuthorizationError(f"key {kid} was revoked at seq {doc['revoked_seq']}")
    if ts is not None:
        check_key_time(doc, ts, log_time)
    return doc


def check_may_sign(actor_doc: dict[str, Any], entry_type: str, roles: frozenset[str]) -> None:
    """The (active) key may sign an entry of ``entry_type``, which ``roles`` may sign.

    A device key stands in for its association, narrowed: the type must be one its
    enrolment lists *and* one an association may sign.

    Raises:
        AuthorizationError: naming the key, its role and what it may sign.
    """
    kid = actor_doc["key_id"]
    if actor_doc["role"] != DEVICE_ROLE:
        if actor_doc["role"] not in roles:
            raise AuthorizationError(
                f"key {kid} has role {actor_doc['role']!r}; "
                f"{entry_type} needs one of {sorted(roles)}"
            )
        return
    allowed = list((actor_doc.get("scope") or {}).get("types") or [])
    if entry_type not in allowed or "association" not in roles:
        raise AuthorizationError(
            f"device key {kid} may sign only {allowed} for its organization, not {entry_type}"
        )


def genesis_info(state: State) -> dict[str, Any] | None:
    """The genesis document (origin, operator key id, root key ids), or ``None`` if empty."""
    return state.get("ledger", "genesis")


def _apply_genesis(ctx: AppendContext, body: GenesisBody) -> None:
    if ctx.seq != 0:
        raise AuthorizationError("ledger.genesis is only valid at seq 0")
    root_ids: list[str] = [key_id(decode_public_key(k.public_key)) for k in body.root_keys]
    if len(set(root_ids)) != len(root_ids):
        raise DomainRuleError("root keys must be distinct", field="statement.body.root_keys")
    if ctx.statement.actor not in root_ids:
        raise AuthorizationError("genesis must be signed by one of the root keys it names")
    operator_id = key_id(decode_public_key(body.operator_key.public_key))
    if operator_id in root_ids:
        raise DomainRuleError(
            "the operator key must differ from every root key",
            field="statement.body.operator_key",
        )
    for named in body.root_keys:
        doc = key_document(
            name=named.name, public_key=named.public_key, role="root", seq=0, added_by=None
        )
        ctx.state.put(KEY_KIND, doc["key_id"], doc, 0)
    operator = key_document(
        name=body.operator_key.name,
        public_key=body.operator_key.public_key,
        role="operator",
        seq=0,
        added_by=None,
    )
    ctx.state.put(KEY_KIND, operator_id, operator, 0)
    _set_active_roots(ctx.state, root_ids, 0)
    ctx.state.put(
        "ledger",
        "genesis",
        {"origin": body.origin, "operator_key_id": operator_id, "root_key_ids": root_ids},
        0,
    )


def _key_added_reads(body: KeyAddedBody) -> list[tuple[str, str]]:
    return [(KEY_KIND, key_id(decode_public_key(body.public_key)))]


def _apply_key_added(ctx: AppendContext, body: KeyAddedBody) -> None:
    if body.role not in DELEGABLE_ROLES:
        raise DomainRuleError(
            f"role {body.role!r} cannot be granted by key.added", field="statement.body.role"
        )
    kid = key_id(decode_public_key(body.public_key))
    if ctx.state.get(KEY_KIND, kid) is not None:
        raise DomainRuleError(
            f"key {kid} is already registered; a key id is introduced once",
            field="statement.body.public_key",
        )
    if (
        body.valid_from
        and body.valid_until
        and parse_ts(body.valid_from) >= parse_ts(body.valid_until)
    ):
        raise DomainRuleError(
            "valid_from must be before valid_until", field="statement.body.valid_until"
        )
    doc = key_document(
        name=body.name,
        public_key=body.public_key,
        role=body.role,
        seq=ctx.seq,
        added_by=ctx.statement.actor,
        scope=body.scope,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
    )
    if ctx.log_time is not None:
        # Only entries stamped by the log carry these, so replaying a legacy ledger gives
        # back exactly the documents it stored (docs/transparency.md, "Time").
        doc["added_ts"] = ctx.statement.ts
    if body.offline_grace_days is not None:
        doc["offline_grace_days"] = body.offline_grace_days
    ctx.state.put(KEY_KIND, kid, doc, ctx.seq)
    if body.role == "root":
        _set_active_roots(ctx.state, [*_active_roots(ctx.state), kid], ctx.seq)


def _active_roots(state: State) -> list[str]:
    doc = state.get("ledger", "roots")
    return [] if doc is None else list(doc["active"])


def _set_active_roots(state: State, roots: list[str], seq: int) -> None:
    # Kept as one document so "is this the last root?" is one read, not a scan of all keys.
    state.put("ledger", "roots", {"active": roots}, seq)


def _apply_key_revoked(ctx: AppendContext, body: KeyRevokedBody) -> None:
    doc = ctx.state.get(KEY_KIND, body.key_id)
    if doc is None:
        raise DomainRuleError(f"unknown key {body.key_id}", field="statement.body.key_id")
    if doc["revoked_seq"] is not None:
        raise DomainRuleError(
            f"key {body.key_id} is already revoked (seq {doc['revoked_seq']})",
            field="statement.body.key_id",
        )
    if doc["role"] == "root":
        active_roots = _active_roots(ctx.state)
        if active_roots == [body.key_id]:
            raise DomainRuleError(
                "refusing to revoke the last active root key", field="statement.body.key_id"
            )
        _set_active_roots(ctx.state, [k for k in active_roots if k != body.key_id], ctx.seq)
    ctx.state.put(
        KEY_KIND,
        body.key_id,
        {**doc, "revoked_seq": ctx.seq, "revoked_reason": body.reason},
        ctx.seq,
    )
    if doc["role"] == "association":
        _revoke_enrolled_devices(ctx, body.key_id)


def _revoke_enrolled_devices(ctx: AppendContext, enroller: str) -> None:
    """Devices stop with the association key that enrolled them: a stolen office laptop's
    enrolments may be the thief's. Done here, at the rare revocation, so that admitting a
    device's capture reads no key but the device's own."""
    for kid, doc in list(ctx.state.scan(KEY_KIND)):
        if (
            doc["role"] == DEVICE_ROLE
            and doc["added_by"] == enroller
            and doc["revoked_seq"] is None
        ):
            reason = f"enrolled by key {enroller}, revoked at seq {ctx.seq}"
            ctx.state.put(
                KEY_KIND, kid, {**doc, "revoked_seq": ctx.seq, "revoked_reason": reason}, ctx.seq
            )


def trust_entry_types() -> list[EntryType]:
    """The entry types of the trust layer."""
    return [
        EntryType(
            name=GENESIS_TYPE,
            body_model=GenesisBody,
            roles=frozenset(),
            apply=_apply_genesis,
            description="First entry: names the origin, root keys and log operator key.",
        ),
        EntryType(
            name="key.added",
            body_model=KeyAddedBody,
            roles=frozenset({"root"}),
            apply=_apply_key_added,
            description="A root key delegates a role to a new key.",
            reads=_key_added_reads,
        ),
        EntryType(
            name="key.revoked",
            body_model=KeyRevokedBody,
            roles=frozenset({"root"}),
            apply=_apply_key_revoked,
            description="A root key revokes a key from this position on.",
        ),
    ]
