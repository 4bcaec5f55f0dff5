"""The trust list: what an offline verifier needs, cut from the ledger at one checkpoint.

DESIGN §7 and issue #7 item 4. A verifier in a port or a village with no signal holds one JSON
document and checks labels against it; it refreshes the document when it is online. The
document lists, as of one tree size of the log:

* the root keys, the label-issuer keys and the certifier keys, with validity windows and the
  seq of any revocation;
* the certificates (verifications) with status;
* every label issuance, compactly (seq, lot, GTIN, key, day, units, serial range): a label
  whose ``n`` names no issuance for its lot and key was never recorded, so it is refused;
* revoked issuances and revoked lots (explicit, or implicit when a lot stopped being
  eligible), each with a reason and the seq it takes effect from;
* the resolver hosts label URLs may name;
* the association keys and their field-device keys (scope, validity, enrolment time,
  revocation seq and time), for offline checks of delivery receipts (``labels.receipt``);
  both lists are left out of the signed bytes while empty, so lists cut before they existed
  keep their signatures;
* the checkpoint it was cut at (tree size, root hash, and the operator's signed note when
  the exporter holds the operator key).

Signature (TUF-like, fail closed): Ed25519 over ``b"biotraza:trustlist:v1\\n" ||
JCS(document without "signature")``. The signer is a root key, or a key a root delegated to:
the document then carries the root-signed statement that names it (the genesis entry names
the log operator's key), and :func:`verify_trust_list` checks that statement against the
*pinned* root keys first. Nothing in the document vouches for itself.

Left out: reading files and the network (``api``), deciding what a label's verdict is
(``labels.verify``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cached_property
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from labels.errors import TrustListError
from labels.issuance import ISSUANCE_KIND, LABEL_LOT_KIND, resolver_hosts
from labels.payload import DEFAULT_HOST
from labels.status import lot_revocation
from ledger.canonical import canonicalize, parse_json_strict
from ledger.encoding import b64url_decode, b64url_encode
from ledger.errors import EncodingError, LedgerError, SchemaError
from ledger.keys import decode_public_key, key_id, sign_message, verify_message
from ledger.state import State
from ledger.statements import SignedStatement, schema_errors
from ledger.trust import DEVICE_ROLE, GENESIS_TYPE, KEY_KIND, genesis_info
from verifiers.certification import VERIFICATION_KIND

__all__ = [
    "TRUST_LIST_DOMAIN",
    "CertificateRecord",
    "CheckpointRef",
    "IssuanceRecord",
    "RevokedLabel",
    "RevokedLot",
    "TrustList",
    "TrustListSignature",
    "TrustedAssociation",
    "TrustedDevice",
    "TrustedKey",
    "build_trust_list",
    "sign_trust_list",
    "verify_trust_list",
]

TRUST_LIST_DOMAIN = b"biotraza:trustlist:v1\n"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class TrustedKey(_Model):
    """A key and the window in which it may sign (``valid_*`` are RFC 3339 or ``None``)."""

    key_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    public_key: str
    name: str
    role: str
    valid_from: str | None = None
    valid_until: str | None = None
    added_seq: int
    revoked_seq: int | None = None
    certifier_id: str | None = None

    @cached_property
    def raw(self) -> bytes:
        """The 32 raw public-key bytes."""
        return decode_public_key(self.public_key)

    @cached_property
    def verifier(self) -> Ed25519PublicKey:
        """The parsed public key (parsing costs a tenth of a verification: done once)."""
        return Ed25519PublicKey.from_public_bytes(self.raw)

    def covers(self, day: dt.date) -> bool:
        """Whether ``day`` (a UTC calendar day) lies within the validity window."""
        text = day.isoformat()
        return (self.valid_from is None or self.valid_from[:10] <= text) and (
            self.valid_until is None or text <= self.valid_until[:10]
        )


class TrustedAssociation(_Model):
    """An association's key: what enrols field devices and what they speak for."""

    key_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    public_key: str
    org_id: str
    name: str
    added_seq: int
    revoked_seq: int | None = None


class TrustedDevice(_Model):
    """A field device's key, enrolled by an association key (``device.enrolled``).

    ``added_ts`` is the enrolment's ``ts`` (a capture may not claim a time before it, less
    the clock skew the log allows); ``revoked_at`` the log's time at the revocation, which
    ends the key whatever later ``ts`` a capture claims.
    """

    key_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    public_key: str
    org_id: str
    label: str
    entry_types: list[str]
    enrolled_by: str | None
    added_seq: int
    added_ts: str | None = None
    valid_until: str | None = None
    revoked_seq: int | None = None
    revoked_at: str | None = None
    revoked_reason: str | None = None

    @cached_property
    def raw(self) -> bytes:
        """The 32 raw public-key bytes."""
        return decode_public_key(self.public_key)


class CertificateRecord(_Model):
    """A certifier's verification, as far as a label's buyer cares."""

    verification_id: str
    certifier_id: str
    association_id: str
    standard: str
    standard_hash: str
    products: list[str]
    result: str
    valid_from: str
    valid_until: str
    status: str
    issued_seq: int
    revoked_seq: int | None = None
    revoked_reason: str | None = None


class IssuanceRecord(_Model):
    """One ``label.issued`` entry, compactly."""

    seq: int
    lot_id: str
    lot: str
    gtin: str | None
    key_id: str
    day: str
    units: int
    unit_g: int
    serial_from: int | None = None
    serial_to: int | None = None


class RevokedLabel(_Model):
    """An issuance revoked by ``label.revoked``."""

    seq: int
    reason: str
    effective_seq: int


class RevokedLot(_Model):
    """Every label of a lot, revoked explicitly or because the lot stopped being eligible."""

    lot_id: str
    lot: str
    gtin: str | None
    reason_en: str
    reason_es: str
    effective_seq: int | None
    implicit: bool


class CheckpointRef(_Model):
    """The tree the list was cut at; ``note`` is the operator's signed C2SP checkpoint."""

    tree_size: int = Field(ge=1)
    root_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    note: str | None = None


class TrustListSignature(_Model):
    """Who signed, the signature, and the root-signed statement delegating to the signer."""

    key_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    sig: str = Field(min_length=86, max_length=86)
    delegation: dict[str, Any] | None = None


class TrustList(_Model):
    """A root-signed snapshot of what offline label verification needs."""

    version: Literal[1] = 1
    origin: str
    issued_at: str
    checkpoint: CheckpointRef
    root_keys: list[TrustedKey]
    issuers: list[TrustedKey]
    certifiers: list[TrustedKey]
    certificates: list[CertificateRecord]
    issuances: list[IssuanceRecord]
    revoked_labels: list[RevokedLabel]
    revoked_lots: list[RevokedLot]
    resolver_hosts: list[str]
    associations: list[TrustedAssociation] = []
    devices: list[TrustedDevice] = []
    signature: TrustListSignature | None = None

    # ------------------------------------------------------------------ bytes

    def _document(self, *, signed: bool) -> dict[str, Any]:
        """The JSON document; the receipt lists only when they hold something, so a list
        cut before they existed re-encodes (and verifies) exactly as it was signed."""
        doc = self.model_dump(exclude={"signature"} if signed else None)
        for optional in ("associations", "devices"):
            if not doc[optional]:
                del doc[optional]
        return doc

    def signed_bytes(self) -> bytes:
        """What the signature covers: the domain prefix and JCS of all but ``signature``."""
        return TRUST_LIST_DOMAIN + canonicalize(self._document(signed=True))

    def to_bytes(self) -> bytes:
        """The document as JCS bytes (what ``trustlist export`` writes)."""
        return canonicalize(self._document(signed=False))

    @classmethod
    def from_bytes(cls, data: bytes) -> TrustList:
        """Parse a trust list (strict JSON, strict schema). The signature is *not* checked
        here: that needs the pinned root keys (:func:`verify_trust_list`).

        Raises:
            TrustListError: not JSON, or not a trust list.
        """
        try:
            return cls.model_validate(parse_json_strict(data))
        except EncodingError as exc:
            raise TrustListError(f"trust list is not valid JSON: {exc}") from exc
        except ValidationError as exc:
            problems = "; ".join(f"{f}: {r}" for f, r in schema_errors(exc)[:5])
            raise TrustListError(f"trust list does not match the schema: {problems}") from exc

    # ------------------------------------------------------------------ indexes

    @property
    def tree_size(self) -> int:
        """The log size the list was cut at: issuances at seq ≥ this are unknown to it."""
        return self.checkpoint.tree_size

    @cached_property
    def issuers_by_hint(self) -> dict[str, list[TrustedKey]]:
        """Label-issuer keys by the 4-hex ``k`` of labels."""
        found: dict[str, list[TrustedKey]] = {}
        for key in self.issuers:
            found.setdefault(key.key_id[:4], []).append(key)
        return found

    @cached_property
    def issuances_by_seq(self) -> dict[int, IssuanceRecord]:
        """Issuances by ledger seq (``n``)."""
        return {record.seq: record for record in self.issuances}

    @cached_property
    def revoked_by_seq(self) -> dict[int, RevokedLabel]:
        """Revoked issuances by seq."""
        return {record.seq: record for record in self.revoked_labels}

    @cached_property
    def revoked_by_lot(self) -> dict[str, RevokedLot]:
        """Revoked lots by ledger lot id."""
        return {record.lot_id: record for record in self.revoked_lots}

    @cached_property
    def revoked_by_code(self) -> dict[tuple[str | None, str], RevokedLot]:
        """Revoked lots by what a label names: (GTIN, lot number)."""
        return {(record.gtin, record.lot): record for record in self.revoked_lots}

    @cached_property
    def devices_by_id(self) -> dict[str, TrustedDevice]:
        """Field-device keys by key id (a receipt's ``actor``)."""
        return {device.key_id: device for device in self.devices}

    @cached_property
    def associations_by_id(self) -> dict[str, TrustedAssociation]:
        """Association keys by key id (a device's ``enrolled_by``)."""
        return {association.key_id: association for association in self.associations}

    @cached_property
    def hosts(self) -> frozenset[str]:
        """The resolver hosts labels may name."""
        return frozenset(self.resolver_hosts)


# --------------------------------------------------------------------------- signing


def sign_trust_list(
    trust_list: TrustList,
    private_key: Ed25519PrivateKey,
    delegation: SignedStatement | None = None,
) -> TrustList:
    """Return the list signed by ``private_key`` (a root key, or one ``delegation`` names)."""
    signature = sign_message(
        private_key, TRUST_LIST_DOMAIN, trust_list.signed_bytes()[len(TRUST_LIST_DOMAIN) :]
    )
    return trust_list.model_copy(
        update={
            "signature": TrustListSignature(
                key_id=key_id(private_key),
                sig=b64url_encode(signature),
                delegation=None if delegation is None else delegation.to_dict(),
            )
        }
    )


def _delegated_key(delegation: dict[str, Any], roots: dict[str, bytes], signer: str) -> bytes:
    """The signer's public key, from a root-signed statement naming it."""
    try:
        signed = SignedStatement.from_dict(delegation)
    except SchemaError as exc:
        raise TrustListError(f"delegation is not a signed statement: {exc}") from exc
    statement = signed.statement
    root = roots.get(statement.actor)
    if root is None:
        raise TrustListError(f"delegation is signed by {statement.actor}, not a pinned root key")
    try:
        signed.verify_signature(root)
    except LedgerError as exc:
        raise TrustListError(f"delegation signature does not verify: {exc}") from exc
    named: list[str] = []
    if statement.type == GENESIS_TYPE:
        named = [str(statement.body.get("operator_key", {}).get("public_key", ""))]
    elif statement.type == "key.added" and statement.body.get("role") in ("operator", "root"):
        named = [str(statement.body.get("public_key", ""))]
    for text in named:
        try:
            raw = decode_public_key(text)
        except ValueError:
            continue
        if key_id(raw) == signer:
            return raw
    raise TrustListError(f"delegation does not name the signing key {signer}")


def verify_trust_list(trust_list: TrustList, root_public_keys: Iterable[bytes]) -> None:
    """Check the list's signature against pinned root keys, failing closed.

    1. There is a signature and at least one pinned root key.
    2. The signer is a pinned root key, or a root-signed delegation (genesis naming the
       operator key, or ``key.added`` of an operator or root key) by a pinned root names it.
    3. The Ed25519 signature verifies over :meth:`TrustList.signed_bytes`.

    Raises:
        TrustListError: any step fails.
    """
    roots: dict[str, bytes] = {key_id(raw): raw for raw in root_public_keys}
    # Step 1.
    if not roots:
        raise TrustListError("no pinned root key to check the trust list against")
    sig = trust_list.signature
    if sig is None:
        raise TrustListError("the trust list is not signed")
    # Step 2.
    if sig.key_id in roots:
        public = roots[sig.key_id]
    elif sig.delegation is not None:
        public = _delegated_key(sig.delegation, roots, sig.key_id)
    else:
        raise TrustListError(f"signed by {sig.key_id}: neither a pinned root nor delegated")
    # Step 3.
    try:
        signature = b64url_decode(sig.sig, 64)
        body = trust_list.signed_bytes()[len(TRUST_LIST_DOMAIN) :]
        verify_message(public, TRUST_LIST_DOMAIN, body, signature)
    except (ValueError, LedgerError) as exc:
        raise TrustListError(f"trust list signature does not verify: {exc}") from exc


# --------------------------------------------------------------------------- building


def _trusted(doc: dict[str, Any]) -> TrustedKey:
    return TrustedKey(
        key_id=doc["key_id"],
        public_key=doc["public_key"],
        name=doc["name"],
        role=doc["role"],
        valid_from=doc["valid_from"],
        valid_until=doc["valid_until"],
        added_seq=int(doc["added_seq"]),
        revoked_seq=doc["revoked_seq"],
        certifier_id=(doc.get("scope") or {}).get("certifier_id"),
    )


def _before(seq: int | None, size: int) -> int | None:
    """A seq as the list sees it: events at or after the cut did not happen yet."""
    return seq if seq is not None and seq < size else None


def build_trust_list(
    state: State,
    *,
    tree_size: int,
    root_hash: bytes,
    issued_at: str,
    note: str | None = None,
    hosts: list[str] | None = None,
) -> TrustList:
    """Cut an (unsigned) trust list from the projection state at ``tree_size``.

    Anything the state holds from seq ``tree_size`` on (a writer that committed after the
    caller read the head) is left out, so the list describes exactly the checkpointed tree.
    Hosts come from ``hosts``, else the latest ``label.resolvers``, else ``DEFAULT_HOST``.

    Raises:
        ValueError: the state has no genesis.
    """
    genesis = genesis_info(state)
    if genesis is None:
        raise ValueError("the ledger has no genesis entry yet")
    keys = [
        _trusted(doc) for _kid, doc in state.scan(KEY_KIND) if int(doc["added_seq"]) < tree_size
    ]
    keys = [k.model_copy(update={"revoked_seq": _before(k.revoked_seq, tree_size)}) for k in keys]
    by_role: dict[str, list[TrustedKey]] = {}
    for key in keys:
        by_role.setdefault(key.role, []).append(key)
    certificates = []
    for _vid, doc in state.scan(VERIFICATION_KIND):
        if int(doc["issued_seq"]) >= tree_size:
            continue
        revoked = _before(doc["revoked_seq"], tree_size)
        certificates.append(
            CertificateRecord(
                verification_id=doc["verification_id"],
                certifier_id=doc["certifier_id"],
                association_id=doc["association_id"],
                standard=f"{doc['standard_id']}@{doc['standard_version']}",
                standard_hash=doc["standard_hash"],
                products=list(doc["scope"]["products"]),
                result=doc["result"],
                valid_from=doc["valid_from"],
                valid_until=doc["valid_until"],
                status="revoked" if revoked is not None else "active",
                issued_seq=int(doc["issued_seq"]),
                revoked_seq=revoked,
                revoked_reason=doc["revoked_reason"] if revoked is not None else None,
            )
        )
    issuances: list[IssuanceRecord] = []
    revoked_labels: list[RevokedLabel] = []
    for _key, doc in state.scan(ISSUANCE_KIND):
        if int(doc["seq"]) >= tree_size:
            continue
        issuances.append(
            IssuanceRecord(
                seq=int(doc["seq"]),
                lot_id=doc["lot_id"],
                lot=doc["lot_number"],
                gtin=doc["gtin"],
                key_id=doc["key_id"],
                day=doc["day"],
                units=int(doc["units"]),
                unit_g=int(doc["unit_g"]),
                serial_from=doc["serial_from"],
                serial_to=doc["serial_to"],
            )
        )
        revoked_seq = _before(doc["revoked_seq"], tree_size)
        if revoked_seq is not None:
            revoked_labels.append(
                RevokedLabel(
                    seq=int(doc["seq"]), reason=doc["revoked_reason"], effective_seq=revoked_seq
                )
            )
    revoked_lots: list[RevokedLot] = []
    for lot_id, tally in state.scan(LABEL_LOT_KIND):
        if not any(int(s) < tree_size for s in tally["issuances"]):
            continue
        found = lot_revocation(state, lot_id)
        if found is None:
            continue
        explicit_late = not found.implicit and (found.effective_seq or 0) >= tree_size
        if explicit_late:
            continue
        revoked_lots.append(
            RevokedLot(
                lot_id=lot_id,
                lot=tally["lot_number"],
                gtin=tally["gtin"],
                reason_en=found.reason_en,
                reason_es=found.reason_es,
                effective_seq=found.effective_seq,
                implicit=found.implicit,
            )
        )
    associations, devices = _field_keys(state, tree_size)
    return TrustList(
        origin=str(genesis["origin"]),
        issued_at=issued_at,
        checkpoint=CheckpointRef(tree_size=tree_size, root_hash=root_hash.hex(), note=note),
        root_keys=by_role.get("root", []),
        issuers=by_role.get("label_issuer", []),
        certifiers=by_role.get("certifier", []),
        certificates=sorted(certificates, key=lambda c: c.issued_seq),
        issuances=sorted(issuances, key=lambda i: i.seq),
        revoked_labels=sorted(revoked_labels, key=lambda r: r.seq),
        revoked_lots=revoked_lots,
        resolver_hosts=hosts or resolver_hosts(state) or [DEFAULT_HOST],
        associations=associations,
        devices=devices,
    )


def _field_keys(
    state: State, tree_size: int
) -> tuple[list[TrustedAssociation], list[TrustedDevice]]:
    """Association and field-device keys as of ``tree_size``, in the order they were added."""
    associations: list[TrustedAssociation] = []
    devices: list[TrustedDevice] = []
    for _kid, doc in state.scan(KEY_KIND):
        if int(doc["added_seq"]) >= tree_size:
            continue
        revoked = _before(doc["revoked_seq"], tree_size)
        scope = doc.get("scope") or {}
        if doc["role"] == "association":
            associations.append(
                TrustedAssociation(
                    key_id=doc["key_id"],
                    public_key=doc["public_key"],
                    org_id=str(scope.get("org_id")),
                    name=doc["name"],
                    added_seq=int(doc["added_seq"]),
                    revoked_seq=revoked,
                )
            )
        elif doc["role"] == DEVICE_ROLE:
            devices.append(
                TrustedDevice(
                    key_id=doc["key_id"],
                    public_key=doc["public_key"],
                    org_id=str(scope.get("org_id")),
                    label=doc["name"],
                    entry_types=list(scope.get("types") or []),
                    enrolled_by=doc["added_by"],
                    added_seq=int(doc["added_seq"]),
                    added_ts=doc.get("added_ts"),
                    valid_until=doc["valid_until"],
                    revoked_seq=revoked,
                    revoked_at=doc.get("revoked_at") if revoked is not None else None,
                    revoked_reason=doc["revoked_reason"] if revoked is not None else None,
                )
            )
    associations.sort(key=lambda k: k.added_seq)
    devices.sort(key=lambda k: k.added_seq)
    return associations, devices
