"""W3C Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite (VC-DI-EdDSA v1.0 §3.3).

A credential a producer shows to a lender must verify with any conforming tool, not only
ours, so the proof follows the specification exactly and is tested byte for byte against the
W3C test vectors (``tests/vectors/oracles/vc-di-eddsa-jcs-2022``):

1. the proof configuration (the proof without ``proofValue``, carrying the document's
   ``@context``) and the document without ``proof`` are each canonicalized with RFC 8785 —
   the ledger's own serializer, :func:`ledger.canonical.canonicalize`;
2. ``hashData = SHA-256(proofConfig) || SHA-256(document)`` (configuration first);
3. the Ed25519 signature over those 64 bytes, written ``"z" + base58btc(signature)``.

Keys are ``did:key`` Ed25519 verification methods, so a verifier needs nothing but the
document; whether that key belongs to whom the credential says is the caller's question
(``verifiers.credentials`` answers it from the log).

A **proof set** (VC Data Integrity §2.1.1: ``proof`` as an array, proofs independent and
unordered) lets a second party sign the same credential — the certifier co-signing an
association's credential. Each proof of a set is made over the document *without* any proof
(:func:`add_proof`) and verified the same way (:func:`verify_proof_set`), so removing,
reordering or adding a proof never breaks another. Proof chains (``previousProof``, where a
proof signs the proofs before it) are not used and are refused.

Left out: other cryptosuites, and JSON-LD processing (JCS suites sign the JSON as written;
``@context`` is not expanded).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.canonical import canonicalize
from ledger.errors import EncodingError
from ledger.keys import public_key_bytes
from verifiers.errors import CredentialError
from verifiers.multibase import (
    did_key_from_public,
    multibase_decode,
    multibase_encode,
    public_from_did_key,
)

__all__ = [
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "VerifiedProof",
    "add_proof",
    "create_proof",
    "hash_data",
    "verify_proof",
    "verify_proof_set",
    "xml_datetime",
]

CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
_SIGNATURE_SIZE = 64
# XML Schema dateTimeStamp as VC 2.0 uses it: a time zone is required.
_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True, slots=True)
class VerifiedProof:
    """What a verified proof established: which key signed, when, and for what purpose."""

    verification_method: str
    public_key: bytes
    created: str | None
    proof_purpose: str


def xml_datetime(moment: datetime) -> str:
    """``2026-12-06T20:15:00Z``: a UTC time the way Data Integrity and VC 2.0 write it."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _jcs(value: Any, field: str) -> bytes:
    try:
        return canonicalize(value)
    except EncodingError as exc:
        raise CredentialError(field, f"cannot be canonicalized with JCS: {exc}") from exc


def hash_data(document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    """The 64 bytes an ``eddsa-jcs-2022`` signature covers: SHA-256 of the JCS proof
    configuration followed by SHA-256 of the JCS document (§3.3.4, proof hash first)."""
    config_hash = hashlib.sha256(_jcs(dict(proof_config), "proof")).digest()
    document_hash = hashlib.sha256(_jcs(dict(document), "$")).digest()
    return config_hash + document_hash


def _check_options(options: Mapping[str, Any]) -> None:
    if options.get("type") != PROOF_TYPE:
        raise CredentialError("proof.type", f"must be {PROOF_TYPE!r}")
    if options.get("cryptosuite") != CRYPTOSUITE:
        raise CredentialError("proof.cryptosuite", f"must be {CRYPTOSUITE!r}")
    for name in ("created", "expires"):
        value = options.get(name)
        if value is not None and (not isinstance(value, str) or not _DATETIME.fullmatch(value)):
            raise CredentialError(f"proof.{name}", "must be an XML Schema dateTimeStamp")
    if not isinstance(options.get("verificationMethod"), str):
        raise CredentialError("proof.verificationMethod", "must be a string")
    if not isinstance(options.get("proofPurpose"), str):
        raise CredentialError("proof.proofPurpose", "must be a string")


def create_proof(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    created: str,
    proof_purpose: str = "assertionMethod",
    verification_method: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return ``document`` with an ``eddsa-jcs-2022`` proof added (§3.3.1, §3.3.5).

    Args:
        document: the unsecured document; must not already carry a ``proof``.
        private_key: the signing key.
        created: the proof's ``created`` dateTimeStamp (:func:`xml_datetime`).
        proof_purpose: ``assertionMethod`` for credentials.
        verification_method: defaults to the key's ``did:key`` form.
        extra: further members of the proof (signed with it, as every option is).

    Raises:
        ValueError: the document already carries a proof.
        CredentialError: the document or options cannot be canonicalized or are malformed.
    """
    if "proof" in document:
        raise ValueError("document already carries a proof; proof sets are not supported")
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method
        or did_key_from_public(public_key_bytes(private_key)),
        "proofPurpose": proof_purpose,
        **(extra or {}),
    }
    _check_options(options)
    config = dict(options)
    if "@context" in document:
        config["@context"] = document["@context"]
    signature = private_key.sign(hash_data(document, config))
    proof = {**config, "proofValue": multibase_encode(signature)}
    return {**document, "proof": proof}


def add_proof(
    secured: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    created: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Add an independent proof to ``secured``'s proof set (§2.1.1): the new proof signs the
    document without its existing proofs, and ``proof`` becomes an array holding them all.

    Raises:
        ValueError: ``secured`` carries no proof yet (use :func:`create_proof`).
        CredentialError: as :func:`create_proof`.
    """
    existing = secured.get("proof")
    if existing is None:
        raise ValueError("the document carries no proof to add to")
    proofs = list(existing) if isinstance(existing, list) else [existing]
    unsecured = {key: value for key, value in secured.items() if key != "proof"}
    added = create_proof(unsecured, private_key, created=created, extra=extra)["proof"]
    return {**unsecured, "proof": [*proofs, added]}


def verify_proof_set(
    secured: Mapping[str, Any], *, expected_purpose: str = "assertionMethod"
) -> list[VerifiedProof]:
    """Verify every proof of ``secured`` (one proof, or a proof set) independently, each over
    the document without any proof; the verified proofs in the document's order.

    Raises:
        CredentialError: any proof fails; ``field`` names it (``proof.1.proofValue``), or
            ``proof`` for an empty set or a chained proof.
    """
    proof = secured.get("proof")
    if not isinstance(proof, list):
        return [verify_proof(secured, expected_purpose=expected_purpose)]
    if not proof:
        raise CredentialError("proof", "an empty proof set")
    unsecured = {key: value for key, value in secured.items() if key != "proof"}
    verified = []
    for index, item in enumerate(proof):
        if isinstance(item, Mapping) and "previousProof" in item:
            raise CredentialError(f"proof.{index}.previousProof", "proof chains are not used")
        try:
            verified.append(
                verify_proof({**unsecured, "proof": item}, expected_purpose=expected_purpose)
            )
        except CredentialError as exc:
            raise CredentialError(
                exc.field.replace("proof", f"proof.{index}", 1), exc.reason
            ) from exc
    return verified


def _context_prefix_ok(document_context: Any, proof_context: Any) -> bool:
    if not isinstance(proof_context, list):
        proof_context = [proof_context]
    if not isinstance(document_context, list):
        document_context = [document_context]
    return bool(document_context[: len(proof_context)] == proof_context)


def verify_proof(
    secured: Mapping[str, Any], *, expected_purpose: str = "assertionMethod"
) -> VerifiedProof:
    """Verify a document's ``eddsa-jcs-2022`` proof (§3.3.2) and return who signed it.

    The public key comes from the ``did:key`` verification method; callers that expect a
    particular signer compare :attr:`VerifiedProof.public_key` themselves.

    Raises:
        CredentialError: no proof, a malformed or foreign proof, a ``@context`` mismatch, or
            a signature that does not verify; ``field`` names the member at fault.
    """
    proof = secured.get("proof")
    if isinstance(proof, list):
        raise CredentialError("proof", "proof sets are not supported; expected one proof")
    if not isinstance(proof, Mapping):
        raise CredentialError("proof", "missing or not an object")
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    _check_options(options)
    if options["proofPurpose"] != expected_purpose:
        raise CredentialError("proof.proofPurpose", f"must be {expected_purpose!r}")
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str):
        raise CredentialError("proof.proofValue", "missing or not a string")
    try:
        signature = multibase_decode(proof_value, _SIGNATURE_SIZE)
    except ValueError as exc:
        raise CredentialError("proof.proofValue", str(exc)) from exc
    try:
        public = public_from_did_key(options["verificationMethod"])
    except ValueError as exc:
        raise CredentialError("proof.verificationMethod", str(exc)) from exc
    unsecured = {key: value for key, value in secured.items() if key != "proof"}
    if "@context" in options:
        if not _context_prefix_ok(secured.get("@context"), options["@context"]):
            raise CredentialError(
                "proof.@context", "the document's @context does not start with the proof's"
            )
        unsecured["@context"] = options["@context"]
    config = dict(options)
    if "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, hash_data(unsecured, config))
    except (InvalidSignature, ValueError) as exc:
        raise CredentialError(
            "proof.proofValue", "the signature does not verify: the document was changed"
        ) from exc
    return VerifiedProof(
        verification_method=options["verificationMethod"],
        public_key=public,
        created=options.get("created"),
        proof_purpose=options["proofPurpose"],
    )
