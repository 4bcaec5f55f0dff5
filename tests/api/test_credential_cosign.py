"""A certifier co-signs a producer's credential (a W3C Data Integrity proof set), on both
engines.

What each test proves: the co-signed credential holds two independent proofs (`proof` is an
array; each verifies over the document without any proof, as the spec's proof sets do) and the
verdict names both signers, association first; one changed character fails *each* proof on
its own; the association's key, an unaccredited certifier key and a revoked key are refused
with the reason; a forged registration in the certifier's proof fails offline; a key whose
accreditation was suspended before the checkpoint fails the ledger-side check; the printed
constancia (`POST /api/v1/credentials/pdf`, Spanish and English) names the certifier's
co-signature under the association's signature, and one without it names only the
association.
"""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pypdfium2
import pytest

from api.services.credentials import cosign_credential, verify_here
from api.services.ledger import LedgerService
from ledger.errors import AuthorizationError, DomainRuleError
from tests.api.test_credentials_api import _client
from tests.api.test_credentials_service import _issue, world  # noqa: F401 - the fixture
from tests.cert_factories import CERTIFIER_ID, add_certifier
from tests.factories import make_key
from tests.supply_factories import SupplyWorld
from verifiers.credentials import verify_credential
from verifiers.data_integrity import verify_proof
from verifiers.errors import CredentialError

World = tuple[LedgerService, SupplyWorld]


def _certifier(w: SupplyWorld) -> Any:
    return make_key("certifier:certimex-1")  # the key add_certifier() bound in the fixture


def _cosigned(pair: World) -> dict[str, Any]:
    service, w = pair
    return cosign_credential(service, _issue(pair), _certifier(w))


def test_cosigned_credential_has_a_proof_set_and_both_signers(world: World) -> None:  # noqa: F811
    service, _w = world
    credential = _cosigned(world)
    assert isinstance(credential["proof"], list) and len(credential["proof"]) == 2
    unsecured = {k: v for k, v in credential.items() if k != "proof"}
    for proof in credential["proof"]:  # each proof is independent of the other
        verify_proof({**unsecured, "proof": proof})
    verdict = verify_credential(credential, trusted_log_key=service.log_info().verifier_key)
    roles = [(s["role"], s.get("org_id") or s.get("certifier_id")) for s in verdict.signers]
    assert roles == [("association", "coop-a"), ("certifier", CERTIFIER_ID)]
    assert verify_here(service, credential).revoked is False
    reordered = {**credential, "proof": list(reversed(credential["proof"]))}
    assert [s["role"] for s in verify_credential(reordered).signers] == [
        "association",
        "certifier",
    ]


def test_one_character_fails_each_proof(world: World) -> None:  # noqa: F811
    credential = _cosigned(world)
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["community"] += "x"
    unsecured = {k: v for k, v in changed.items() if k != "proof"}
    for proof in changed["proof"]:
        with pytest.raises(CredentialError) as failed:
            verify_proof({**unsecured, "proof": proof})
        assert failed.value.field == "proof.proofValue"
    with pytest.raises(CredentialError) as whole:
        verify_credential(changed)
    assert whole.value.field == "proof.0.proofValue"


def test_non_certifier_keys_are_refused(world: World) -> None:  # noqa: F811
    service, w = world
    credential = _issue(world)
    with pytest.raises(AuthorizationError, match="not a certifier key"):
        cosign_credential(service, credential, w.keys["coop-b"])
    with pytest.raises(AuthorizationError, match="not a certifier key"):
        cosign_credential(service, credential, make_key("stranger"))
    late = add_certifier(w, name="certimex-late")  # added after the credential's checkpoint
    with pytest.raises(AuthorizationError, match="after the credential's checkpoint"):
        cosign_credential(service, credential, late)
    cosigned = cosign_credential(service, credential, _certifier(w))
    with pytest.raises(DomainRuleError, match="already signed"):
        cosign_credential(service, cosigned, _certifier(w))


def test_forged_certifier_evidence_fails(world: World) -> None:  # noqa: F811
    service, w = world
    credential = _issue(world)
    # A key the log never made a certifier signs a proof that borrows the real key's entries.
    genuine = cosign_credential(service, credential, _certifier(w))["proof"][1]
    from verifiers.data_integrity import add_proof

    forged = add_proof(
        credential,
        make_key("forger"),
        created=genuine["created"],
        extra={"keyRegistration": genuine["keyRegistration"],
               "accreditation": genuine["accreditation"]},
    )  # fmt: skip
    with pytest.raises(CredentialError) as failed:
        verify_credential(forged)
    assert failed.value.field == "proof.1.verificationMethod"
    plain = add_proof(credential, make_key("forger"), created=genuine["created"])
    with pytest.raises(CredentialError, match="not the key the log registered"):
        verify_credential(plain)


def test_suspended_accreditation_fails_here(world: World) -> None:  # noqa: F811
    service, w = world
    w.submit(w.root, "accreditation.suspended",
             {"certifier_id": CERTIFIER_ID, "reason": "auditoría pendiente"})  # fmt: skip
    credential = _issue(world)  # its checkpoint sees the suspension
    with pytest.raises(AuthorizationError, match="not accredited"):
        cosign_credential(service, credential, _certifier(w))


def test_verifier_page_shows_both_signers(world: World, tmp_path: Any) -> None:  # noqa: F811
    service, _w = world
    client, _settings = _client(service, tmp_path)
    credential = _cosigned(world)
    text = json.dumps(credential, ensure_ascii=False)
    spanish = client.post("/credentials/verify?lang=es", data={"credential": text})
    assert spanish.status_code == 200, spanish.text
    assert "Cofirmada por el certificador Certificadora certimex (certimex)" in spanish.text
    assert "La asociación" in spanish.text
    english = client.post("/credentials/verify?lang=en", data={"credential": text})
    assert "Co-signed by the certifier" in english.text
    answer = client.post("/api/v1/credentials/verify", json=credential).json()
    assert [s["role"] for s in answer["signers"]] == ["association", "certifier"]


def _pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(io.BytesIO(content))
    try:
        return re.sub(r"\s+", " ", document[0].get_textpage().get_text_range())
    finally:
        document.close()


def test_printed_constancia_shows_the_cosignature(world: World, tmp_path: Path) -> None:  # noqa: F811
    service, _w = world
    client, _settings = _client(service, tmp_path)
    alone = _issue(world)
    cosigned = cosign_credential(service, alone, _certifier(world[1]))
    certifier = verify_here(service, cosigned).signers[1]
    shown = {}
    for lang in ("es", "en"):
        answer = client.post(f"/api/v1/credentials/pdf?lang={lang}", json=cosigned)
        assert answer.status_code == 200, answer.text
        shown[lang] = _pdf_text(answer.content)
    name, kid = certifier["name"], certifier["key_id"]
    assert f"Cofirmada por el certificador {name} ({CERTIFIER_ID})" in shown["es"]
    assert f"llave {kid}, firmó el" in shown["es"]
    assert "La asociación" in shown["es"] and "Constancia de producción" in shown["es"]
    assert f"Co-signed by the certifier {name} ({CERTIFIER_ID})" in shown["en"]
    assert f"key {kid}, signed on" in shown["en"]
    assert "Certificate of production and deliveries" in shown["en"]
    single = _pdf_text(client.post("/api/v1/credentials/pdf", json=alone).content)
    assert "La asociación" in single and "Cofirmada" not in single
    bad = client.post("/api/v1/credentials/pdf?lang=fr", json=cosigned)
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"] == "query.lang"
