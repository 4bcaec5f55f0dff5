"""The "Constancia de producción y entregas": a W3C Verifiable Credential 2.0 a producer shows
to a lender, and its complete offline verification.

The association signs it (``eddsa-jcs-2022``, :mod:`verifiers.data_integrity`) with the key
the log registered for it. The subject is :mod:`verifiers.production_history`'s summary; the
``evidence`` ties every figure to the log without publishing the entries themselves:

* the log's origin, verifier key and a checkpoint signed by the log operator;
* for each summarised entry, its sequence number, entry hash and RFC 9162 inclusion proof in
  that checkpoint's tree (a lender who asks the log for the entry checks it is the one
  counted; plots' coordinates stay in the log, never in the credential);
* the association's own ``org.registered`` entry in full (public organization data) with its
  inclusion proof, so a verifier sees, with nothing but the file, that the signing key is the
  one the log bound to that association.

Verification (:func:`verify_credential`) checks all of it, and the revocation bit when the
association's status list is at hand (:mod:`verifiers.status_list`; signed by the log
operator, derived from the association's signed ``credential.revoked`` entries).

**Co-signature.** A certifier may add its own proof to the credential's proof set
(``data_integrity.add_proof``: independent proofs over the same document). Its proof carries,
as signed proof members, the root's ``key.added`` entry that made its key a certifier key and
the root's ``accreditation.granted`` entry of that certification body, each with its
inclusion proof in the credential's checkpoint; a verifier sees with nothing but the file that
the key was an accredited certifier's when the log was at that checkpoint, and that the
accreditation's window covers the credential's ``validFrom``. A later revocation of the key or
suspension of the accreditation cannot be proved by inclusion: the ledger-side check
(``api.services.credentials``) reads it.

Left out: fetching anything (callers pass the status list), and keys an association added
after its registration (the registration key signs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.checkpoints import parse_verifier_key, verify_checkpoint
from ledger.entries import Entry
from ledger.errors import CheckpointError, EncodingError, ProofError, SchemaError
from ledger.keys import decode_public_key, key_id, public_key_bytes
from ledger.merkle import verify_inclusion
from verifiers.data_integrity import VerifiedProof, verify_proof, verify_proof_set
from verifiers.errors import CredentialError
from verifiers.multibase import did_key_from_public
from verifiers.status_list import bit_is_set, decode_list, status_position

__all__ = [
    "CREDENTIAL_TYPE",
    "EVIDENCE_TYPE",
    "VC_CONTEXT",
    "CERTIFIER_MEMBERS",
    "CredentialVerdict",
    "EntryProof",
    "LogEvidence",
    "credential_document",
    "find_coordinates",
    "verify_credential",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
CREDENTIAL_TYPE = "ProductionHistoryCredential"
EVIDENCE_TYPE = "BiotrazaLogEvidence"
CERTIFIER_MEMBERS = ("keyRegistration", "accreditation")
"""The members of a certifier's proof that tie its key to an accreditation in the log."""


@dataclass(frozen=True)
class EntryProof:
    """One summarised entry: where it sits in the log and the path to the signed root."""

    seq: int
    entry_hash: str
    hashes: list[str]

    def to_dict(self) -> dict[str, Any]:
        """As the credential carries it."""
        return {"seq": self.seq, "entryHash": self.entry_hash, "inclusionProof": self.hashes}


@dataclass(frozen=True)
class LogEvidence:
    """The log facts an issuer puts in the credential (all public)."""

    origin: str
    verifier_key: str
    checkpoint: str
    tree_size: int
    entries: list[EntryProof]
    issuer_entry: dict[str, Any]
    issuer_proof: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The credential's ``evidence`` item."""
        return {
            "type": [EVIDENCE_TYPE],
            "origin": self.origin,
            "verifierKey": self.verifier_key,
            "checkpoint": self.checkpoint,
            "treeSize": self.tree_size,
            "entries": [entry.to_dict() for entry in self.entries],
            "issuerRegistration": {"entry": self.issuer_entry, "inclusionProof": self.issuer_proof},
        }


def credential_document(
    *,
    credential_id: str,
    subject: Mapping[str, Any],
    name: str | None,
    issuer_public_key: bytes,
    issuer_name: str,
    org_id: str,
    valid_from: str,
    status: Mapping[str, Any],
    evidence: LogEvidence,
) -> dict[str, Any]:
    """The unsigned credential; ``name`` only when the producer consented to show it."""
    credential_subject = dict(subject)
    if name is not None:
        credential_subject["name"] = name
    return {
        "@context": [VC_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "name": "Constancia de producción y entregas",
        "description": (
            "Producción, entregas y certificación de un productor según la bitácora de "
            "Biotraza / Production, deliveries and certification of a producer from the "
            "Biotraza log"
        ),
        "issuer": {
            "id": did_key_from_public(issuer_public_key).split("#", 1)[0],
            "name": issuer_name,
            "orgId": org_id,
        },
        "validFrom": valid_from,
        "credentialSubject": credential_subject,
        "credentialStatus": dict(status),
        "evidence": [evidence.to_dict()],
    }


@dataclass(frozen=True)
class CredentialVerdict:
    """What a verified credential established. ``revoked`` is ``None`` when no status list
    was given (the status was not checked)."""

    credential_id: str
    org_id: str
    issuer_name: str
    producer_id: str
    origin: str
    verifier_key: str
    tree_size: int
    entries_checked: int
    revoked: bool | None
    signers: list[dict[str, str]] = field(default_factory=list)
    """Who signed, association first: ``role``, ``key_id``, ``name`` and ``org_id`` or
    ``certifier_id``, ``created``."""


def _require(value: Any, kind: type, field: str) -> Any:
    if not isinstance(value, kind):
        raise CredentialError(
            field, f"missing or not {'an object' if kind is dict else 'a ' + kind.__name__}"
        )
    return value


def _hash_list(value: Any, field: str) -> list[bytes]:
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        raise CredentialError(field, "must be a list of hex hashes")
    try:
        return [bytes.fromhex(h) for h in value]
    except ValueError as exc:
        raise CredentialError(field, "must be a list of hex hashes") from exc


def _check_shape(credential: Mapping[str, Any]) -> None:
    context = credential.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_CONTEXT:
        raise CredentialError("@context", f"must be a list starting with {VC_CONTEXT}")
    types = credential.get("type")
    if (
        not isinstance(types, list)
        or not all(isinstance(item, str) for item in types)
        or not {"VerifiableCredential", CREDENTIAL_TYPE} <= set(types)
    ):
        raise CredentialError("type", f"must name VerifiableCredential and {CREDENTIAL_TYPE}")
    _require(credential.get("id"), str, "id")
    _require(credential.get("credentialSubject"), dict, "credentialSubject")
    _require(credential.get("issuer"), dict, "issuer")


def _check_evidence(
    credential: Mapping[str, Any], trusted_log_key: str | None
) -> tuple[dict[str, Any], Any, Any, bytes]:
    evidence_list = _require(credential.get("evidence"), list, "evidence")
    found = [
        (i, item)
        for i, item in enumerate(evidence_list)
        if isinstance(item, dict)
        and isinstance(item.get("type"), list)
        and EVIDENCE_TYPE in item["type"]
    ]
    if len(found) != 1:
        raise CredentialError("evidence", f"must hold exactly one {EVIDENCE_TYPE}")
    index, evidence = found[0]
    at = f"evidence.{index}"
    vkey = _require(evidence.get("verifierKey"), str, f"{at}.verifierKey")
    if trusted_log_key is not None and vkey != trusted_log_key:
        raise CredentialError(f"{at}.verifierKey", "is not the log key you trust")
    origin = _require(evidence.get("origin"), str, f"{at}.origin")
    try:
        name, _kid, operator = parse_verifier_key(vkey)
        checkpoint = verify_checkpoint(
            _require(evidence.get("checkpoint"), str, f"{at}.checkpoint"),
            name,
            operator,
            origin=origin,
        )
    except (CheckpointError, ValueError) as exc:
        raise CredentialError(f"{at}.checkpoint", f"not signed by the log key: {exc}") from exc
    if evidence.get("treeSize") != checkpoint.tree_size:
        raise CredentialError(f"{at}.treeSize", "differs from the checkpoint's tree size")
    entries = _require(evidence.get("entries"), list, f"{at}.entries")
    for number, item in enumerate(entries):
        where = f"{at}.entries.{number}"
        item = _require(item, dict, where)
        seq = item.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise CredentialError(f"{where}.seq", "must be an integer")
        leaf = _hash_list([_require(item.get("entryHash"), str, f"{where}.entryHash")], where)[0]
        proof = _hash_list(item.get("inclusionProof"), f"{where}.inclusionProof")
        try:
            verify_inclusion(leaf, seq, checkpoint.tree_size, proof, checkpoint.root_hash)
        except ProofError as exc:
            raise CredentialError(where, f"not in the log at the checkpoint: {exc}") from exc
    registered = _check_issuer(credential, evidence, f"{at}.issuerRegistration", checkpoint)
    return evidence, operator, checkpoint, registered


def _check_issuer(
    credential: Mapping[str, Any],
    evidence: Mapping[str, Any],
    at: str,
    checkpoint: Any,
) -> bytes:
    """The association's key, as its registration entry (proved in the checkpoint) binds it."""
    entry = _included_entry(evidence.get("issuerRegistration"), at, checkpoint)
    body = entry.statement.body
    issuer = credential["issuer"]
    if entry.statement.type != "org.registered" or body.get("org_id") != issuer.get("orgId"):
        raise CredentialError(f"{at}.entry", "is not the registration of the issuer's orgId")
    try:
        registered_key = decode_public_key(str(body.get("public_key")))
    except ValueError as exc:
        raise CredentialError(f"{at}.entry", "carries no valid public key") from exc
    if issuer.get("id") != did_key_from_public(registered_key).split("#", 1)[0]:
        raise CredentialError("issuer.id", "is not the registered key's did:key")
    return registered_key


def _included_entry(value: Any, at: str, checkpoint: Any) -> Entry:
    """A ``{"entry", "inclusionProof"}`` member: the entry, proved in the checkpoint's tree."""
    registration = _require(value, dict, at)
    try:
        entry = Entry.from_dict(_require(registration.get("entry"), dict, f"{at}.entry"))
    except (SchemaError, EncodingError, ValueError, TypeError) as exc:
        raise CredentialError(f"{at}.entry", f"not a ledger entry: {exc}") from exc
    proof = _hash_list(registration.get("inclusionProof"), f"{at}.inclusionProof")
    try:
        verify_inclusion(
            entry.entry_hash, entry.seq, checkpoint.tree_size, proof, checkpoint.root_hash
        )
    except ProofError as exc:
        raise CredentialError(at, f"not in the log at the checkpoint: {exc}") from exc
    return entry


def _certifier_signer(
    raw: Mapping[str, Any], verified: VerifiedProof, at: str, checkpoint: Any, valid_from: Any
) -> dict[str, str]:
    """Who signed a co-signing proof: a key the root made a certifier key, of a certification
    body the root accredited, both in the log at the credential's checkpoint, the
    accreditation's window covering the credential's ``validFrom``."""
    key_entry = _included_entry(raw.get("keyRegistration"), f"{at}.keyRegistration", checkpoint)
    body = key_entry.statement.body
    try:
        listed = decode_public_key(str(body.get("public_key")))
    except ValueError as exc:
        raise CredentialError(f"{at}.keyRegistration.entry", "carries no valid key") from exc
    certifier_id = (body.get("scope") or {}).get("certifier_id")
    if (
        key_entry.statement.type != "key.added"
        or body.get("role") != "certifier"
        or listed != verified.public_key
        or not isinstance(certifier_id, str)
    ):
        raise CredentialError(
            f"{at}.verificationMethod", "is not a certifier key the log's root added"
        )
    granted = _included_entry(raw.get("accreditation"), f"{at}.accreditation", checkpoint)
    terms = granted.statement.body
    day = str(valid_from)[:10]
    if (
        granted.statement.type != "accreditation.granted"
        or terms.get("certifier_id") != certifier_id
        or not str(terms.get("valid_from")) <= day <= str(terms.get("valid_until"))
    ):
        raise CredentialError(
            f"{at}.accreditation", f"is not an accreditation of {certifier_id} on {day}"
        )
    return {
        "role": "certifier",
        "key_id": str(key_id(verified.public_key)),
        "certifier_id": certifier_id,
        "name": str(terms.get("name") or certifier_id),
        "created": verified.created or "",
    }


def _signers(
    credential: Mapping[str, Any], verified: list[VerifiedProof], registered: bytes, checkpoint: Any
) -> list[dict[str, str]]:
    """The association's proof (exactly one) and the certifiers' proofs, association first."""
    raw = credential["proof"] if isinstance(credential["proof"], list) else [credential["proof"]]
    issuer = credential["issuer"]
    signers: list[dict[str, str]] = []
    cosigners: list[dict[str, str]] = []
    for index, (item, proof) in enumerate(zip(raw, verified, strict=True)):
        if proof.public_key == registered:
            signers.append(
                {
                    "role": "association",
                    "key_id": str(key_id(registered)),
                    "org_id": str(issuer.get("orgId")),
                    "name": str(issuer.get("name")),
                    "created": proof.created or "",
                }
            )
            continue
        at = f"proof.{index}" if isinstance(credential["proof"], list) else "proof"
        if not isinstance(credential["proof"], list) or not any(
            member in item for member in CERTIFIER_MEMBERS
        ):
            raise CredentialError(f"{at}.verificationMethod", "is not the key the log registered")
        cosigners.append(
            _certifier_signer(item, proof, at, checkpoint, credential.get("validFrom"))
        )
    if len(signers) != 1:
        raise CredentialError("proof", "needs exactly one proof by the association's key")
    return signers + cosigners


def _check_status(
    credential: Mapping[str, Any], status_list: Mapping[str, Any], operator: Any
) -> bool:
    url, index = status_position(credential)
    if status_list.get("id") != url:
        raise CredentialError("credentialStatus.statusListCredential", "is not the list given")
    signed_by = verify_proof(status_list).public_key
    if signed_by != public_key_bytes(operator):
        raise CredentialError("statusList.proof", "is not signed by the log operator's key")
    subject = _require(status_list.get("credentialSubject"), dict, "statusList.credentialSubject")
    if subject.get("statusPurpose") != "revocation":
        raise CredentialError("statusList.credentialSubject.statusPurpose", "must be revocation")
    return bit_is_set(decode_list(subject.get("encodedList")), index)


def verify_credential(
    credential: Mapping[str, Any],
    *,
    trusted_log_key: str | None = None,
    status_list: Mapping[str, Any] | None = None,
) -> CredentialVerdict:
    """Verify a production-history credential completely, offline.

    Args:
        credential: the signed credential (JSON).
        trusted_log_key: the log's verifier key as the verifier knows it; when given, the
            credential must be anchored in that log (otherwise the key it carries is used and
            reported, for the verifier to compare).
        status_list: the association's ``BitstringStatusListCredential``; when given, the
            revocation bit is read (``revoked`` in the verdict).

    Raises:
        CredentialError: anything does not verify; ``field`` names where.
    """
    _check_shape(credential)
    verified = verify_proof_set(credential)
    evidence, operator, checkpoint, registered = _check_evidence(credential, trusted_log_key)
    signers = _signers(credential, verified, registered, checkpoint)
    revoked = None if status_list is None else _check_status(credential, status_list, operator)
    subject = credential["credentialSubject"]
    return CredentialVerdict(
        credential_id=credential["id"],
        org_id=str(credential["issuer"].get("orgId")),
        issuer_name=str(credential["issuer"].get("name")),
        producer_id=str(subject.get("producerId")),
        origin=evidence["origin"],
        verifier_key=evidence["verifierKey"],
        tree_size=evidence["treeSize"],
        entries_checked=len(evidence["entries"]) + 1,
        revoked=revoked,
        signers=signers,
    )


def find_coordinates(value: Any, path: str = "$") -> list[str]:
    """Paths of anything in a document that looks like a location: GeoJSON, coordinates,
    latitude/longitude members. The credential must never carry one (checked before signing
    and by the tests)."""
    hits: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key.lower() in {
                "geometry",
                "coordinates",
                "location",
                "lat",
                "lon",
                "latitude",
                "longitude",
            }:
                hits.append(f"{path}.{key}")
            hits += find_coordinates(item, f"{path}.{key}")
    elif isinstance(value, list):
        for number, item in enumerate(value):
            hits += find_coordinates(item, f"{path}.{number}")
    return hits
