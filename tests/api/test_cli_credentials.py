"""``biotraza credential …`` as a subprocess, on the demo ledger.

On SQLite and PostgreSQL: issue a coffee producer's credential with its PDF, verify it
offline (exit 0, VALID), write the status list, revoke, re-write the list and read REVOKED
(exit 1). On SQLite: an independent check of the ``eddsa-jcs-2022`` proof written only with
``rfc8785`` and ``cryptography`` (the steps of the W3C vectors, no project code); the PDF is one
page whose QR, rendered by pdfium, decodes with zxing-cpp to the verifier address; a
one-character change fails in one line; bad input is one line naming the field.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import rfc8785
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PIL import Image

from tests.api.test_cli_labels import _demo, run

PRODUCER = "cs-p01"
SIGNER = "org-cafe-sierra"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("cli-credential-demo")
    return _demo(data_dir, f"sqlite:///{data_dir / 'ledger.db'}")


def _issue(env: dict[str, str], out: Path, *extra: str) -> dict[str, Any]:
    run(env, "credential", "issue", PRODUCER, "--signer", SIGNER, "--output", str(out), *extra)
    credential: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return credential


def test_issue_verify_revoke(tmp_path: Path, db_url: str) -> None:
    env, _summary = _demo(tmp_path / "data", db_url)
    file, pdf = tmp_path / "constancia.json", tmp_path / "constancia.pdf"
    credential = _issue(env, file, "--pdf", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF-")
    subject = credential["credentialSubject"]
    assert subject["producerId"] == PRODUCER and "name" not in subject  # no consent recorded
    assert subject["plots"][0]["id"] == "cs-plot01" and subject["seasons"]
    valid = run(env, "credential", "verify", str(file))
    assert "VÁLIDA" in valid.stdout and "estado no consultado" in valid.stdout
    listed = tmp_path / "status.json"
    run(env, "credential", "status-list", "cafe-sierra", "--output", str(listed))
    english = run(
        env, "credential", "verify", str(file), "--status-list", str(listed), "--lang", "en"
    )
    assert "VALID" in english.stdout and "not revoked" in english.stdout
    run(
        env,
        "credential",
        "revoke",
        credential["id"],
        "--signer",
        SIGNER,
        "--reason",
        "datos corregidos",
    )
    run(env, "credential", "status-list", "cafe-sierra", "--output", str(listed))
    revoked = run(env, "credential", "verify", str(file), "--status-list", str(listed), code=1)
    assert "REVOCADA" in revoked.stdout
    verdict = json.loads(
        run(env, "credential", "verify", str(file), "--status-list", str(listed), "--json",
            code=1).stdout
    )  # fmt: skip
    assert verdict["revoked"] is True and verdict["producer_id"] == PRODUCER


def _b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + B58.index(char)
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def test_independent_proof_check(
    sqlite_demo: tuple[dict[str, str], dict[str, Any]], tmp_path: Path
) -> None:
    """VC-DI-EdDSA §3.3.2 by hand: proof config (with the document's @context) and document
    through RFC 8785, SHA-256 each, configuration hash first, Ed25519 with the did:key."""
    env, _summary = sqlite_demo
    credential = _issue(env, tmp_path / "c.json")
    proof = dict(credential["proof"])
    signature = _b58decode(proof.pop("proofValue")[1:])
    document = {k: v for k, v in credential.items() if k != "proof"}
    assert proof["@context"] == document["@context"]
    hash_data = (
        hashlib.sha256(rfc8785.dumps(proof)).digest()
        + hashlib.sha256(rfc8785.dumps(document)).digest()
    )
    multikey = proof["verificationMethod"].split("#")[1]
    raw = _b58decode(multikey[1:])
    assert raw[:2] == b"\xed\x01"
    Ed25519PublicKey.from_public_bytes(raw[2:]).verify(signature, hash_data)


def _page_text_and_image(pdf: bytes) -> tuple[str, Image.Image]:
    """The one page of the PDF rendered at 200 dpi (pdfium), and its text."""
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 1  # one page
    page = document[0]
    return page.get_textpage().get_text_range(), page.render(scale=200 / 72).to_pil()


def test_pdf_qr_decodes_to_the_verifier_address(
    sqlite_demo: tuple[dict[str, str], dict[str, Any]], tmp_path: Path
) -> None:
    env, _summary = sqlite_demo
    file, pdf = tmp_path / "c.json", tmp_path / "c.pdf"
    _issue(env, file, "--pdf", str(pdf))
    text, image = _page_text_and_image(pdf.read_bytes())
    [decoded] = [r.text for r in zxingcpp.read_barcodes(image)]
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    assert re.fullmatch(rf"https://[^/]+/credentials/verify\?sha256={digest}", decoded)
    assert "Constancia de producción y entregas" in text and PRODUCER in text
    assert "Compras y pagos por temporada" in text


def test_tampering_and_bad_input_are_one_line(
    sqlite_demo: tuple[dict[str, str], dict[str, Any]], tmp_path: Path
) -> None:
    env, _summary = sqlite_demo
    file = tmp_path / "c.json"
    credential = _issue(env, file)
    season = credential["credentialSubject"]["seasons"][0]["deliveries"][0]
    season["quantityKg"] = season["quantityKg"][:-1] + (
        "1" if season["quantityKg"][-1] != "1" else "2"
    )
    file.write_text(json.dumps(credential, ensure_ascii=False), encoding="utf-8")
    bad = run(env, "credential", "verify", str(file), code=1)
    assert "proof.proofValue" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    file.write_text("{not json", encoding="utf-8")
    malformed = run(env, "credential", "verify", str(file), code=1)
    assert "FILE:" in malformed.stderr and len(malformed.stderr.strip().splitlines()) == 1
    unknown = run(env, "credential", "issue", "nobody", "--signer", SIGNER, "--output",
                  str(tmp_path / "x.json"), code=1)  # fmt: skip
    assert "nobody" in unknown.stderr and len(unknown.stderr.strip().splitlines()) == 1
    wrong = run(env, "credential", "issue", "mc-p01", "--signer", SIGNER, "--output",
                str(tmp_path / "x.json"), code=1)  # fmt: skip
    assert "miel-calakmul" in wrong.stderr
    lang = run(env, "credential", "verify", str(file), "--lang", "fr", code=1)
    assert "--lang" in lang.stderr
    revoke = run(env, "credential", "revoke", "urn:uuid:nope", "--signer", SIGNER, "--reason",
                 "x y z", code=1)  # fmt: skip
    assert "credential_id" in revoke.stderr


def _balance(text: str) -> tuple[Decimal, Decimal, Decimal]:
    """(bought, paid, owed) from ``payment balances`` (zeros when nothing is recorded yet)."""
    found = re.search(r"bought ([\d,.]+), paid ([\d,.]+), owed ([\d,.]+)", text)
    if found is None:
        return Decimal(0), Decimal(0), Decimal(0)
    bought, paid, owed = (Decimal(v.replace(",", "")) for v in found.groups())
    return bought, paid, owed


def test_payment_receipts_balances_and_the_credential(
    sqlite_demo: tuple[dict[str, str], dict[str, Any]], tmp_path: Path
) -> None:
    """Purchases and payments through the CLI: the receipt QR decodes (zxing-cpp) and verifies
    offline against an exported trust list; balances; the credential carries the amounts."""
    env, _summary = sqlite_demo
    purchase = {
        "purchase_id": "cs-buy-1",
        "lot_id": "cs-cherry-01a",
        "producer_id": PRODUCER,
        "quantity_kg": "100",
        "price_per_kg_mxn": "11.20",
        "amount_mxn": "1120",
    }
    payment = {
        "payment_id": "cs-pay-1",
        "producer_id": PRODUCER,
        "kind": "cash",
        "amount_mxn": "500",
        "paid_on": "2026-02-01",
        "purchase_ids": ["cs-buy-1"],
    }
    # The demo may already hold this producer's purchases and payments: count from there.
    before = _balance(run(env, "payment", "balances", "cafe-sierra", "--producer", PRODUCER).stdout)
    for entry_type, body in (("purchase.recorded", purchase), ("payment.recorded", payment)):
        run(env, "submit", entry_type, "--signer", SIGNER, "--body", json.dumps(body))
    png = tmp_path / "recibo.png"
    run(env, "payment", "receipt", "purchase", "cs-buy-1", "-o", str(png))
    text = run(env, "payment", "receipt", "purchase", "cs-buy-1").stdout.strip()
    [decoded] = [r.text for r in zxingcpp.read_barcodes(Image.open(png))]
    assert decoded == text and text.startswith("BTR1:")
    trust = tmp_path / "trust.json"
    run(env, "trustlist", "export", "--out", str(trust))
    valid = run(env, "payment", "verify", str(png), "--trust-list", str(trust),
                "--association", "cafe-sierra")  # fmt: skip
    assert "VALID" in valid.stdout and "$ 1,120.00 MXN" in valid.stdout
    assert f"productor {PRODUCER}" in valid.stdout
    changed = text[:-5] + ("1" if text[-5] != "1" else "2") + text[-4:]
    bad = run(env, "payment", "verify", changed, "--trust-list", str(trust), code=1)
    assert "VALID:" not in bad.stdout
    other = run(env, "payment", "verify", text, "--trust-list", str(trust), "--association",
                "miel-calakmul", "--lang", "en", code=1)  # fmt: skip
    assert "WRONG_ASSOCIATION" in other.stdout
    balances = run(env, "payment", "balances", "cafe-sierra", "--producer", PRODUCER)
    after = _balance(balances.stdout)
    bought, paid = before[0] + Decimal("1120"), before[1] + Decimal("500")
    assert after == (bought, paid, bought - paid), (before, balances.stdout)
    credential = _issue(env, tmp_path / "c.json")
    [money] = credential["credentialSubject"]["payments"]
    assert (money["purchasedMxn"], money["paidMxn"]) == (f"{bought:.2f}", f"{paid:.2f}")
    wrong = run(env, "payment", "receipt", "refund", "x", code=1)
    assert "kind" in wrong.stderr and len(wrong.stderr.strip().splitlines()) == 1
    missing = run(env, "payment", "receipt", "payment", "nope", code=1)
    assert "nope" in missing.stderr


def test_certifier_cosigns_and_verify_shows_both_signers(
    tmp_path: Path, sqlite_demo: tuple[dict[str, str], dict[str, Any]]
) -> None:
    env, _summary = sqlite_demo
    file = tmp_path / "constancia.json"
    _issue(env, file)
    refused = run(env, "credential", "cosign", str(file), "--key", "label-issuer", code=1)
    assert "not a certifier key" in refused.stderr and "Traceback" not in refused.stderr
    again = run(env, "credential", "cosign", str(file), "--key", SIGNER, code=1)
    assert "already signed" in again.stderr
    signed = tmp_path / "cofirmada.json"
    run(env, "credential", "cosign", str(file), "--key", "certifier-certimex-2026",
        "--output", str(signed))  # fmt: skip
    credential = json.loads(signed.read_text(encoding="utf-8"))
    assert isinstance(credential["proof"], list) and len(credential["proof"]) == 2
    printed = tmp_path / "cofirmada.pdf"
    run(env, "credential", "cosign", str(file), "--key", "certifier-certimex-2026",
        "--output", str(tmp_path / "otra.json"), "--pdf", str(printed), "--lang", "en")  # fmt: skip
    page = pypdfium2.PdfDocument(printed.read_bytes())[0].get_textpage().get_text_range()
    assert "Co-signed by the certifier" in page and "certimex" in page
    spanish = run(env, "credential", "verify", str(signed))
    assert "firmada por la asociación" in spanish.stdout
    assert "cofirmada por el certificador" in spanish.stdout and "certimex" in spanish.stdout
    english = run(env, "credential", "verify", str(signed), "--lang", "en", "--json")
    roles = [s["role"] for s in json.loads(english.stdout)["signers"]]
    assert roles == ["association", "certifier"]
    changed = signed.read_text(encoding="utf-8").replace('"cs-p01"', '"cs-p02"', 1)
    (tmp_path / "changed.json").write_text(changed, encoding="utf-8")
    failed = run(env, "credential", "verify", str(tmp_path / "changed.json"), code=1)
    assert "proof.0.proofValue" in failed.stderr


def test_producer_acknowledges_a_receipt_from_the_cli(
    tmp_path: Path, sqlite_demo: tuple[dict[str, str], dict[str, Any]]
) -> None:
    """The producer's key (made with ``keys new``, enrolled by the association) acknowledges
    her purchase; ``payment verify --ledger`` then says so, and said before that the receipt
    stood alone; another producer's key is refused in one line."""
    env, _summary = sqlite_demo
    purchase = {"purchase_id": "cs-buy-ack", "lot_id": "cs-cherry-01a", "producer_id": PRODUCER,
                "quantity_kg": "10", "price_per_kg_mxn": "11.20", "amount_mxn": "112"}  # fmt: skip
    run(env, "submit", "purchase.recorded", "--signer", SIGNER, "--body", json.dumps(purchase))
    trust = tmp_path / "trust.json"
    run(env, "trustlist", "export", "--out", str(trust))
    text = run(env, "payment", "receipt", "purchase", "cs-buy-ack").stdout.strip()
    alone = run(env, "payment", "verify", text, "--trust-list", str(trust), "--ledger")
    assert "sin reconocimiento del productor (opcional" in alone.stdout
    keys = {}
    for name, producer in (("phone-p01", PRODUCER), ("phone-p02", "cs-p02")):
        made = run(env, "keys", "new", name).stdout
        keys[name] = re.search(r"public key (\S+)", made).group(1)  # type: ignore[union-attr]
        body = {"producer_id": producer, "public_key": keys[name]}
        run(env, "submit", "producer_key.enrolled", "--signer", SIGNER, "--body", json.dumps(body))
    refused = run(env, "payment", "acknowledge", "purchase", "cs-buy-ack", "--key", "phone-p02",
                  code=1)  # fmt: skip
    assert "bound to producer cs-p02" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    run(env, "payment", "acknowledge", "purchase", "cs-buy-ack", "--key", "phone-p01")
    shown = run(env, "payment", "verify", text, "--trust-list", str(trust), "--ledger",
                "--lang", "en")  # fmt: skip
    assert f"acknowledged by the producer {PRODUCER}" in shown.stdout
    facts = json.loads(run(env, "payment", "verify", text, "--trust-list", str(trust),
                           "--ledger", "--json").stdout)  # fmt: skip
    assert facts["acknowledged_by_producer"]["producer_id"] == PRODUCER
    assert facts["acknowledged_by_producer"]["key_revoked_at"] is None
    # Her phone is lost: the acknowledgement still counts, and says since when.
    phone_id = json.loads(run(env, "keys", "export", "phone-p01").stdout)["key_id"]
    lost = {"producer_id": PRODUCER, "key_id": phone_id, "reason": "lost"}
    run(env, "submit", "producer_key.revoked", "--signer", SIGNER, "--body", json.dumps(lost))
    later = run(env, "payment", "verify", text, "--trust-list", str(trust), "--ledger")
    assert f"reconocido por el productor {PRODUCER}" in later.stdout
    assert "llave revocada después, el " in later.stdout
