"""Producer credentials over a ``LedgerService``: issue, revoke, publish the status list,
verify. The CLI and the HTTP routes call these; the rules and formats live in
``verifiers.production_history``, ``verifiers.credentials`` and ``verifiers.status_list``.

Issuing reads the ledger at a signed checkpoint (a fresh one when this process holds the
operator key), gathers the inclusion proofs of every entry summarised, records
``credential.issued`` (credential id and a random unused status index, signed by the
association) and signs the credential with the association's key. The credential itself is
not stored or published: the association hands it to the producer, who decides whom to show
it to.

Over HTTP the association's key stays with the association (the office's browser): the
server builds the unsigned credential (:func:`draft_credential`, for a read signed by that
key), the office signs the credential and its ``credential.issued`` statement, and
:func:`record_signed_credential` records the statement only when the credential verifies
against this log, is signed by the statement's key and says exactly what the ledger says.

A certifier co-signs (:func:`cosign_credential`) by adding its own proof to the credential's
proof set, with the log entries that make its key an accredited certifier's at the
credential's checkpoint; :func:`verify_here` also reads from the ledger that the key was not
revoked and the accreditation not suspended by then.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.services.ledger import LedgerService
from api.services.supply import published_name
from ledger.chain import AppendResult
from ledger.errors import AuthorizationError, CheckpointError, DomainRuleError, EntryNotFoundError
from ledger.keys import key_id, public_key_bytes
from ledger.statements import SignedStatement, sign_statement
from ledger.storage.base import StoredCheckpoint
from ledger.supply.orgs import ORG_KIND
from ledger.supply.producers import PRODUCER_KIND
from ledger.trust import KEY_KIND
from verifiers.certification import ACCREDITATION_KIND
from verifiers.credentials import (
    CredentialVerdict,
    EntryProof,
    LogEvidence,
    credential_document,
    find_coordinates,
    verify_credential,
)
from verifiers.data_integrity import add_proof, create_proof, xml_datetime
from verifiers.errors import CredentialError
from verifiers.multibase import did_key_from_public
from verifiers.production_history import production_history
from verifiers.status_list import (
    CREDENTIAL_KIND,
    LIST_LENGTH,
    STATUS_INDEX_KIND,
    status_entry,
    status_list_document,
    status_position,
)

__all__ = [
    "IssuedCredential",
    "draft_credential",
    "issue_credential",
    "issued_body",
    "record_signed_credential",
    "revoke_credential",
    "cosign_credential",
    "status_list",
    "status_list_path",
    "verify_here",
]


def status_list_path(org_id: str) -> str:
    """Where the server publishes an association's status list (under its resolver host)."""
    return f"/api/v1/credentials/status/{org_id}"


@dataclass(frozen=True)
class IssuedCredential:
    """A signed credential and the ledger entry that recorded its issuance."""

    credential: dict[str, Any]
    recorded: AppendResult


def _checkpoint(service: LedgerService) -> StoredCheckpoint:
    # A fresh checkpoint covers every entry up to now; without the operator key the latest
    # one signed serves (entries after it are left out of the credential).
    if service.checkpointer is not None:
        return service.issue_checkpoint()
    return service.latest_checkpoint()


def _association_org(service: LedgerService, signer: Ed25519PrivateKey) -> str:
    doc = service.store.state_get(KEY_KIND, key_id(signer))
    if doc is None or doc.get("role") != "association" or doc.get("revoked_seq") is not None:
        raise AuthorizationError(f"key {key_id(signer)} is not an association's active key")
    return str((doc.get("scope") or {}).get("org_id"))


def _free_index(service: LedgerService, org_id: str) -> int:
    for _attempt in range(64):
        index = secrets.randbelow(LIST_LENGTH)
        if service.store.state_get(STATUS_INDEX_KIND, f"{org_id}:{index}") is None:
            return index
    raise DomainRuleError("no free status-list index found", field="status_index")


def _proof(service: LedgerService, seq: int, tree_size: int) -> EntryProof:
    document = service.inclusion(seq, tree_size)
    return EntryProof(seq=seq, entry_hash=document.leaf_hash, hashes=list(document.hashes))


def draft_credential(
    service: LedgerService,
    producer_id: str,
    org_id: str,
    public_key: bytes,
    *,
    host: str,
    with_name: bool = True,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned credential of a producer of ``org_id``, to be signed by ``public_key``
    (the association's registered key): a fresh credential id and unused status index, the
    history and its log evidence at a signed checkpoint.

    Raises:
        EntryNotFoundError: no such producer.
        AuthorizationError: the producer is another association's.
        CheckpointError: no checkpoint covers the association's registration.
    """
    producer = service.store.state_get(PRODUCER_KIND, producer_id)
    if producer is None:
        raise EntryNotFoundError(f"no producer {producer_id!r}")
    if producer["org_id"] != org_id:
        raise AuthorizationError(f"producer {producer_id} belongs to {producer['org_id']}")
    org = service.store.state_get(ORG_KIND, org_id)
    assert org is not None  # noqa: S101 - an association key implies its org
    checkpoint = _checkpoint(service)
    size = checkpoint.tree_size
    with service.store.read_state() as state:
        history = production_history(state, service.entry, producer_id, size)
    registration = service.entry(org["registered_seq"])
    if registration.seq >= size:
        raise CheckpointError("the association was registered after the latest checkpoint")
    info = service.log_info()
    evidence = LogEvidence(
        origin=info.origin,
        verifier_key=info.verifier_key,
        checkpoint=checkpoint.note,
        tree_size=size,
        entries=[_proof(service, seq, size) for seq in history.seqs],
        issuer_entry=registration.to_dict(),
        issuer_proof=list(service.inclusion(registration.seq, size).hashes),
    )
    moment = now or datetime.now(UTC)
    document = credential_document(
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        subject=history.subject,
        name=published_name(service, producer_id) if with_name else None,
        issuer_public_key=public_key,
        issuer_name=str(org["name"]),
        org_id=org_id,
        valid_from=xml_datetime(moment),
        status=status_entry(
            f"https://{host}{status_list_path(org_id)}", _free_index(service, org_id)
        ),
        evidence=evidence,
    )
    leaks = find_coordinates(document)
    if leaks:  # a programming error: the history must never carry a location
        raise DomainRuleError(f"credential would carry a location at {leaks[0]}")
    return document


def issued_body(credential: dict[str, Any]) -> dict[str, Any]:
    """The body of the ``credential.issued`` statement that records ``credential``."""
    return {"credential_id": credential["id"], "status_index": status_position(credential)[1]}


def issue_credential(
    service: LedgerService,
    producer_id: str,
    signer: Ed25519PrivateKey,
    *,
    host: str,
    with_name: bool = True,
    now: datetime | None = None,
) -> IssuedCredential:
    """Compute, record and sign a producer's credential.

    Args:
        producer_id: the pseudonymous producer.
        signer: the association's key (the one its ``org.registered`` entry bound).
        host: the resolver host the status list URL names.
        with_name: show the name — still only when the producer consented to publishing it.

    Raises:
        EntryNotFoundError: no such producer.
        AuthorizationError: the key is not the producer's association's.
        CheckpointError: no checkpoint was signed yet and this process cannot sign one.
    """
    moment = now or datetime.now(UTC)
    document = draft_credential(
        service,
        producer_id,
        _association_org(service, signer),
        public_key_bytes(signer),
        host=host,
        with_name=with_name,
        now=moment,
    )
    recorded = service.submit(sign_statement(signer, "credential.issued", issued_body(document)))
    return IssuedCredential(create_proof(document, signer, created=xml_datetime(moment)), recorded)


def _same_history(service: LedgerService, credential: dict[str, Any], tree_size: int) -> None:
    """The credential's subject is the ledger's history at its checkpoint (and the name, if
    shown, the one the producer consented to publish)."""
    subject = dict(credential["credentialSubject"])
    name = subject.pop("name", None)
    producer_id = str(subject.get("producerId"))
    if service.store.state_get(PRODUCER_KIND, producer_id) is None:
        raise CredentialError("credentialSubject.producerId", "no such producer in this log")
    with service.store.read_state() as state:
        history = production_history(state, service.entry, producer_id, tree_size)
    if history.org_id != credential["issuer"].get("orgId"):
        raise CredentialError("credentialSubject.producerId", "is another association's member")
    if subject != history.subject:
        raise CredentialError(
            "credentialSubject", f"differs from the log's history at tree size {tree_size}"
        )
    if name is not None and name != published_name(service, producer_id):
        raise CredentialError("credentialSubject.name", "the producer did not consent to it")


def record_signed_credential(
    service: LedgerService, credential: dict[str, Any], statement: Any
) -> AppendResult:
    """Record the ``credential.issued`` statement of a credential signed elsewhere (the
    office's browser), after checking that the pair is what :func:`issue_credential` makes.

    Raises:
        CredentialError: the credential does not verify against this log, names another
            association's status list, differs from the ledger's history, or the statement
            is not its ``credential.issued`` by the same key (``field`` names which).
        SchemaError: the statement is malformed.
        AuthorizationError, DomainRuleError: the ledger refuses the statement.
    """
    verdict = verify_credential(credential, trusted_log_key=service.log_info().verifier_key)
    url, _index = status_position(credential)
    if urlsplit(url).path != status_list_path(verdict.org_id):
        raise CredentialError(
            "credentialStatus.statusListCredential", "is not the association's status list"
        )
    signed = SignedStatement.from_dict(statement)
    if signed.statement.type != "credential.issued":
        raise CredentialError("statement.type", "must be credential.issued")
    if signed.statement.actor != verdict.signers[0]["key_id"]:
        raise CredentialError("statement.actor", "is not the key that signed the credential")
    if dict(signed.statement.body) != issued_body(credential):
        raise CredentialError(
            "statement.body", "must name the credential's id and status index, nothing else"
        )
    _same_history(service, credential, verdict.tree_size)
    return service.submit(signed)


def revoke_credential(
    service: LedgerService, credential_id: str, signer: Ed25519PrivateKey, reason: str
) -> AppendResult:
    """Record the association's signed ``credential.revoked`` entry.

    Raises:
        DomainRuleError: unknown or already revoked credential, or another association's.
        SchemaError: malformed id or reason.
    """
    return service.submit(
        sign_statement(
            signer, "credential.revoked", {"credential_id": credential_id, "reason": reason}
        )
    )


def status_list(service: LedgerService, org_id: str, host: str) -> dict[str, Any]:
    """The association's ``BitstringStatusListCredential``, signed now by the log operator.

    Raises:
        EntryNotFoundError: no such organization.
        CheckpointError: this process does not hold the operator key.
    """
    if service.store.state_get(ORG_KIND, org_id) is None:
        raise EntryNotFoundError(f"no organization {org_id!r}")
    operator = service.operator_key
    if operator is None:
        raise CheckpointError("this process has no operator key to sign the status list")
    with service.store.read_state() as state:
        revoked = [
            doc["status_index"]
            for _key, doc in state.scan(CREDENTIAL_KIND)
            if doc["org_id"] == org_id and doc["status"] == "revoked"
        ]
    moment = xml_datetime(datetime.now(UTC))
    document = status_list_document(
        f"https://{host}{status_list_path(org_id)}",
        sorted(revoked),
        moment,
        did_key_from_public(public_key_bytes(operator)).split("#", 1)[0],
    )
    return create_proof(document, operator, created=moment)


def _listed_host(credential: dict[str, Any], org_id: str) -> str | None:
    """The host of the credential's status list URL when it names this association's list
    (``https://<host>/api/v1/credentials/status/<org_id>``), else ``None``."""
    url = urlsplit(str((credential.get("credentialStatus") or {}).get("statusListCredential")))
    if url.scheme == "https" and url.path == status_list_path(org_id) and url.netloc:
        return url.netloc
    return None


def _certifier_standing(service: LedgerService, kid: str, tree_size: int) -> tuple[int, int]:
    """The seqs of the ``key.added`` and ``accreditation.granted`` entries that make ``kid``
    an accredited certifier key at ``tree_size``.

    Raises:
        AuthorizationError: not a certifier key, added after or revoked by then, or its body's
            accreditation was not active then.
    """
    doc = service.store.state_get(KEY_KIND, kid)
    if doc is None or doc.get("role") != "certifier":
        raise AuthorizationError(f"key {kid} is not a certifier key")
    if doc["added_seq"] >= tree_size:
        raise AuthorizationError(f"certifier key {kid} was added after the credential's checkpoint")
    if doc.get("revoked_seq") is not None and doc["revoked_seq"] < tree_size:
        raise AuthorizationError(f"certifier key {kid} was revoked before the checkpoint")
    certifier_id = str((doc.get("scope") or {}).get("certifier_id"))
    accreditation = service.store.state_get(ACCREDITATION_KIND, certifier_id) or {}
    before = [item for item in accreditation.get("history", []) if item["seq"] < tree_size]
    if not before or before[-1]["status"] not in {"granted", "active"}:
        raise AuthorizationError(
            f"certifier {certifier_id} was not accredited at the credential's checkpoint"
        )
    granted = [item["seq"] for item in before if item["status"] == "granted"][-1]
    return doc["added_seq"], granted


def _included(service: LedgerService, seq: int, tree_size: int) -> dict[str, Any]:
    return {
        "entry": service.entry(seq).to_dict(),
        "inclusionProof": list(service.inclusion(seq, tree_size).hashes),
    }


def cosign_credential(
    service: LedgerService,
    credential: dict[str, Any],
    signer: Ed25519PrivateKey,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Add the certifier's proof to a valid, not revoked credential's proof set, with the
    log entries that make its key an accredited certifier's at the credential's checkpoint.

    Raises:
        CredentialError: the credential does not verify here.
        AuthorizationError: the key is not an active, accredited certifier key (now and at
            the credential's checkpoint).
        DomainRuleError: the credential is revoked, or this key already co-signed it.
    """
    verdict = verify_here(service, credential)
    if verdict.revoked:
        raise DomainRuleError("the credential is revoked", field="credential")
    kid = str(key_id(signer))
    if any(item["key_id"] == kid for item in verdict.signers):
        raise DomainRuleError(f"key {kid} already signed this credential", field="key")
    doc = service.store.state_get(KEY_KIND, kid)
    if doc is not None and doc.get("revoked_seq") is not None:
        raise AuthorizationError(f"certifier key {kid} is revoked")
    key_seq, granted_seq = _certifier_standing(service, kid, verdict.tree_size)
    extra = {
        "keyRegistration": _included(service, key_seq, verdict.tree_size),
        "accreditation": _included(service, granted_seq, verdict.tree_size),
    }
    moment = xml_datetime(now or datetime.now(UTC))
    signed = add_proof(credential, signer, created=moment, extra=extra)
    verify_credential(signed, trusted_log_key=verdict.verifier_key)
    return signed


def verify_here(service: LedgerService, credential: dict[str, Any]) -> CredentialVerdict:
    """Verify a credential against this ledger: anchored in this log, and its status read
    from this ledger's revocations — through the signed status list at the URL the credential
    names when the operator key is here (the path a remote verifier takes), else directly.

    Raises:
        CredentialError: it does not verify, or is anchored in another log.
    """
    info = service.log_info()
    verdict = verify_credential(credential, trusted_log_key=info.verifier_key)
    for index, signer in enumerate(verdict.signers[1:], start=1):
        try:
            _certifier_standing(service, signer["key_id"], verdict.tree_size)
        except AuthorizationError as exc:
            raise CredentialError(f"signers.{index}", str(exc)) from exc
    host = _listed_host(credential, verdict.org_id)
    if host is not None and service.operator_key is not None:
        listed = status_list(service, verdict.org_id, host)
        return verify_credential(credential, trusted_log_key=info.verifier_key, status_list=listed)
    doc = service.store.state_get(CREDENTIAL_KIND, verdict.credential_id)
    return replace(verdict, revoked=doc is not None and doc["status"] == "revoked")
