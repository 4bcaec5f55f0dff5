"""Evidence files read over HTTP, only by a signed request from a key entitled to them.

Evidence files (photos of plots, lab reports, documents) are cited by hash in public
``evidence.recorded`` entries, so their hashes are public; the files are not: they can show a
farm, a person or a document with a name on it. ``GET /api/v1/blobs/{sha256}`` therefore
needs a signed read (``api.services.signed_reads``), and the key must be one of:

* the root key, or a certifier's key (certification bodies inspect evidence; their keys are
  granted by the root, like every delegated key);
* an association's key, for files cited by evidence about its own plots, apiaries, lots or
  itself, or uploaded by one of its keys;
* any other key (a field device, a label issuer…) only for files it uploaded itself — a lost
  phone opens nothing more than what it captured.

``HEAD`` stays public: it says only whether a file with that hash is stored, which someone
who knows the hash (from the file itself or from the public entry citing it) could tell
anyway, and which an uploader needs before spending its quota.

Order of checks: the read is authenticated before anything about the file is looked up, so
an unsigned caller learns nothing it could not learn from ``HEAD``.
"""

from __future__ import annotations

from typing import Any

from api.services.ledger import LedgerService
from api.services.signed_reads import authenticate_read
from ledger.errors import DomainRuleError
from ledger.read_auth import ReadForbiddenError
from ledger.state import State
from ledger.storage.sql.uploads import UploadLedger
from ledger.trust import KEY_KIND
from verifiers.certification import EVIDENCE_KIND, subject_org

__all__ = ["FREE_READERS", "authorize_file_read"]

FREE_READERS = frozenset({"root", "certifier"})
"""Roles that may read every evidence file."""


def authorize_file_read(
    service: LedgerService, sha256: str, header: str | None, path: str
) -> dict[str, Any]:
    """The key document of an authorized reader of this file.

    Raises:
        ReadUnauthorizedError, ReadForbiddenError: see ``api.services.signed_reads``;
            forbidden also for a key not entitled to this file (see the module docstring).
    """
    key = authenticate_read(service, header, path)
    if key["role"] in FREE_READERS:
        return key
    uploaders = UploadLedger(service.engine).uploaders(sha256)
    if key["key_id"] in uploaders:
        return key
    org = (key.get("scope") or {}).get("org_id")
    if key["role"] == "association" and org and _org_entitled(service, org, sha256, uploaders):
        return key
    raise ReadForbiddenError(
        f"key {key['key_id']} ({key['role']}) may not read evidence file {sha256}: only the "
        "root, certifiers, the association whose evidence cites it and the key that uploaded it"
    )


def _org_entitled(service: LedgerService, org: str, sha256: str, uploaders: set[str]) -> bool:
    with service.store.read_state() as state:
        if any(_key_org(state, uploader) == org for uploader in uploaders):
            return True
        return any(
            _cites(doc, sha256) and _owner(state, doc) == org
            for _, doc in state.scan(EVIDENCE_KIND)
        )


def _key_org(state: State, key_id: str) -> str | None:
    doc = state.get(KEY_KIND, key_id)
    return None if doc is None else (doc.get("scope") or {}).get("org_id")


def _cites(evidence: dict[str, Any], sha256: str) -> bool:
    return any(item.get("sha256") == sha256 for item in evidence.get("attachments", []))


def _owner(state: State, evidence: dict[str, Any]) -> str | None:
    try:
        return subject_org(state, evidence["subject_kind"], evidence["subject_id"], "subject_id")
    except DomainRuleError:
        return None
