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

Left out: proof sets and chains (one proof per document), other cryptosuites, and JSON-LD
processing (JCS suites sign the JSON as written; ``@context`` is not expanded).
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
    "create_proof",
    "hash_data",
    "verify_proof",
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
) -> dict[str, Any]:
    """Return ``document`` with an ``eddsa-jcs-2022`` proof added (§3.3.1, §3.3.5).

    Args:
        document: the unsecured document; must not already carry a ``proof``.
        private_key: the signing key.
        created: the proof's ``created`` dateTimeStamp (:func:`xml_datetime`).
        proof_purpose: ``assertionMethod`` for credentials.
        verification_method: defaults to the key's ``did:key`` form.

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
    }
    _check_options(options)
    config = dict(options)
    if "@context" in document:
        config["@context"] = document["@context"]
    signature = private_key.sign(hash_data(document, config))
    proof = {**config, "proofValue": multibase_encode(signature)}
    return {**document, "proof": proof}


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
