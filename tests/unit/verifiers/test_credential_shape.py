"""Malformed credentials are refused with a ``CredentialError`` naming the member, never an
unexpected exception (found by mutating credentials: a list inside ``type`` once escaped)."""

from __future__ import annotations

from typing import Any

import pytest

from verifiers.credentials import VC_CONTEXT, verify_credential
from verifiers.errors import CredentialError

TYPES = ["VerifiableCredential", "ProductionHistoryCredential"]


@pytest.mark.parametrize(
    ("credential", "field"),
    [
        ({}, "@context"),
        ({"@context": "x"}, "@context"),
        ({"@context": [VC_CONTEXT], "type": [["VerifiableCredential"]]}, "type"),
        ({"@context": [VC_CONTEXT], "type": [{"a": 1}, "x"]}, "type"),
        ({"@context": [VC_CONTEXT], "type": ["VerifiableCredential"]}, "type"),
        (
            {"@context": [VC_CONTEXT], "type": TYPES, "id": 5},
            "id",
        ),
        (
            {"@context": [VC_CONTEXT], "type": TYPES, "id": "urn:uuid:x",
             "credentialSubject": {}, "issuer": {}, "proof": 1},
            "proof",
        ),
        # A list is a proof set (a certifier's co-signature): each member is named by position.
        (
            {"@context": [VC_CONTEXT], "type": TYPES, "id": "urn:uuid:x",
             "credentialSubject": {}, "issuer": {}, "proof": [1]},
            "proof.0",
        ),
    ],
)  # fmt: skip
def test_malformed_credentials_name_the_member(credential: dict[str, Any], field: str) -> None:
    with pytest.raises(CredentialError) as caught:
        verify_credential(credential)
    assert caught.value.field == field
