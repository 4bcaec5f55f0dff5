"""Offline label verification: one QR text and one trust list in, one verdict out.

:func:`check_label` is pure and never raises for a bad label (the non-raising twin in the
naming of ``STYLE.md``); it fails closed, in numbered steps, each with its own status:

1. grammar — the text matches the label grammar (``labels.payload``), else MALFORMED;
2. candidate keys — label-issuer keys whose id starts with ``k``, else UNKNOWN_KEY;
3. signature — the COSE Sig_structure rebuilt from the URL verifies under one candidate,
   else BAD_SIGNATURE;
4. authorization — the key's validity window contains ``d`` and the key was not revoked
   before ``n`` (else EXPIRED_KEY); and the ledger recorded issuance ``n`` for this key,
   lot, GTIN, day and serial (else UNKNOWN_KEY: a label signed but never recorded). An
   ``n`` beyond the trust list's tree size cannot be checked offline: the label passes with
   ``detail = "issued_after_trust_list"`` unless ``require_recorded`` (online use);
5. revocation — neither the issuance nor its lot is revoked as of the trust list (explicitly,
   or implicitly because the lot stopped being eligible), else REVOKED;
6. host — the URL's host is a resolver host of the trust list (or of ``allowed_hosts``),
   else VALID_UNTRUSTED_HOST (the host is not signed: the label is genuine, the page that
   opened it may not be).

Every verdict has a message in Spanish and English for the person holding the jar.

Left out: the trust list's own signature (checked once when it is loaded:
``labels.trustlist.verify_trust_list``), reading images (``labels.decode``) and the online
resolver's extra facts (``api.services.labels``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature

from labels.cbor import bytes_head
from labels.errors import MalformedLabelError
from labels.payload import LabelClaims, detached_payload, parse_label, sig_structure_prefix
from labels.trustlist import IssuanceRecord, TrustedKey, TrustList

__all__ = ["LabelStatus", "LabelVerdict", "check_label"]


class LabelStatus(enum.Enum):
    """The outcome of checking a label."""

    VALID = "valid"
    VALID_UNTRUSTED_HOST = "valid_untrusted_host"
    REVOKED = "revoked"
    EXPIRED_KEY = "expired_key"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED = "malformed"


_MESSAGES: dict[str, tuple[str, str]] = {
    # detail: (English, Spanish)
    "ok": (
        "Genuine label: signed by the label issuer and recorded in the ledger.",
        "Etiqueta auténtica: firmada por el emisor de etiquetas y registrada en el libro.",
    ),
    "issued_after_trust_list": (
        "Genuine signature by an authorized issuer; this label is newer than your trust list, "
        "so its record and revocations could not be checked. Refresh the list when online.",
        "Firma auténtica de un emisor autorizado; la etiqueta es más reciente que su lista de "
        "confianza, así que no se pudo comprobar su registro ni si fue revocada. Actualice la "
        "lista cuando tenga conexión.",
    ),
    "host_not_listed": (
        "The label is genuine, but it points to a website that is not a Biotraza resolver: "
        "do not trust that page.",
        "La etiqueta es auténtica, pero apunta a un sitio web que no es un resolvedor de "
        "Biotraza: no confíe en esa página.",
    ),
    "label_revoked": (
        "Revoked: this label was withdrawn by the label issuer.",
        "Revocada: el emisor de etiquetas retiró esta etiqueta.",
    ),
    "lot_revoked": (
        "Revoked: the labels of this lot were withdrawn.",
        "Revocada: se retiraron las etiquetas de este lote.",
    ),
    "lot_ineligible": (
        "Revoked: this lot no longer meets the biodiversity-friendly standard (its certificate "
        "was revoked or an input was found ineligible).",
        "Revocada: este lote ya no cumple la norma amigable con la biodiversidad (se revocó su "
        "certificado o un insumo resultó no elegible).",
    ),
    "key_outside_window": (
        "Not valid: the issuer's key was not authorized on the label's date.",
        "No válida: la llave del emisor no estaba autorizada en la fecha de la etiqueta.",
    ),
    "key_revoked": (
        "Not valid: the issuer's key had been revoked before this label was issued.",
        "No válida: la llave del emisor había sido revocada antes de emitir esta etiqueta.",
    ),
    "unknown_key": (
        "Not genuine: the label names no known label issuer.",
        "No auténtica: la etiqueta no corresponde a ningún emisor de etiquetas conocido.",
    ),
    "issuance_not_recorded": (
        "Not genuine: the ledger has no record of this label's issuance.",
        "No auténtica: el libro no tiene registro de la emisión de esta etiqueta.",
    ),
    "issuance_mismatch": (
        "Not genuine: the label does not match the issuance recorded in the ledger.",
        "No auténtica: la etiqueta no coincide con la emisión registrada en el libro.",
    ),
    "bad_signature": (
        "Not genuine: the signature does not match the label's contents.",
        "No auténtica: la firma no corresponde al contenido de la etiqueta.",
    ),
    "malformed": (
        "This is not a Biotraza label (the code could not be read as one).",
        "Esto no es una etiqueta Biotraza (el código no se pudo leer como tal).",
    ),
}


@dataclass(frozen=True, slots=True)
class LabelVerdict:
    """The answer for one label; truthy only when ``status`` is VALID.

    Attributes:
        status: the outcome.
        claims: the parsed claims (``None`` when MALFORMED).
        key_id: the issuer key whose signature verified, if one did.
        issuance: the recorded issuance ``n``, if the trust list has it.
        detail: a finer code for the message (``ok``, ``issuance_not_recorded``,
            ``lot_ineligible``, ``host_not_listed``, the malformed part…).
        revocation: reason(s) and the seq the revocation takes effect from, when REVOKED.
        error: what was wrong with a MALFORMED text.
    """

    status: LabelStatus
    claims: LabelClaims | None
    key_id: str | None = None
    issuance: IssuanceRecord | None = None
    detail: str = "ok"
    revocation: dict[str, Any] | None = None
    error: str | None = None

    def __bool__(self) -> bool:
        return self.status is LabelStatus.VALID

    def message(self, lang: str) -> str:
        """The verdict for a person, in ``"es"`` or ``"en"`` (anything else: English)."""
        key = "malformed" if self.status is LabelStatus.MALFORMED else self.detail
        english, spanish = _MESSAGES[key]
        text = spanish if lang == "es" else english
        if self.revocation is not None:
            reason = self.revocation["reason_es" if lang == "es" else "reason_en"]
            text += (" Motivo: " if lang == "es" else " Reason: ") + reason
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the CLI's ``--json``, the API and apps."""
        claims = self.claims
        return {
            "status": self.status.value,
            "valid": bool(self),
            "detail": self.detail,
            "message": {"en": self.message("en"), "es": self.message("es")},
            "key_id": self.key_id,
            "claims": None
            if claims is None
            else {
                "host": claims.host,
                "gtin": claims.gtin,
                "lot": claims.lot,
                "k": claims.key_hint,
                "n": claims.seq,
                "d": claims.yymmdd,
                "day": claims.day.isoformat(),
                "serial": claims.serial,
            },
            "issuance": None if self.issuance is None else self.issuance.model_dump(),
            "revocation": self.revocation,
            "error": self.error,
        }


def _signer(claims: LabelClaims, candidates: list[TrustedKey]) -> TrustedKey | None:
    payload = detached_payload(claims)
    tail = bytes_head(len(payload)) + payload
    for key in candidates:
        message = sig_structure_prefix(key.key_id) + tail
        try:
            key.verifier.verify(claims.signature, message)
        except InvalidSignature:
            continue
        return key
    return None


def _matches(record: IssuanceRecord, claims: LabelClaims, key: TrustedKey) -> bool:
    if (record.key_id, record.lot, record.gtin) != (key.key_id, claims.lot, claims.gtin):
        return False
    if record.day != claims.day.isoformat():
        return False
    if record.serial_from is None or record.serial_to is None:
        return claims.serial is None
    serial = claims.serial
    if serial is None or not serial.isdigit() or serial[0] == "0":
        return False
    return record.serial_from <= int(serial) <= record.serial_to


def check_label(
    text: str,
    trust_list: TrustList,
    *,
    allowed_hosts: Iterable[str] | None = None,
    require_recorded: bool = False,
) -> LabelVerdict:
    """Verify a label's QR text against a trust list; never raises for a bad label.

    Args:
        text: the QR text.
        trust_list: a trust list whose signature the caller already checked (or one the
            server cut from its own ledger).
        allowed_hosts: resolver hosts to accept instead of the trust list's.
        require_recorded: refuse labels whose ``n`` is beyond the trust list (use with a
            list cut from the current ledger, where such a label cannot be genuine yet).
    """
    # Step 1: grammar, before any cryptography.
    try:
        claims = parse_label(text)
    except MalformedLabelError as exc:
        return LabelVerdict(LabelStatus.MALFORMED, None, detail=exc.part, error=str(exc))
    # Step 2: candidate keys by k.
    candidates = trust_list.issuers_by_hint.get(claims.key_hint)
    if not candidates:
        return LabelVerdict(LabelStatus.UNKNOWN_KEY, claims, detail="unknown_key")
    # Step 3: the signature over the rebuilt Sig_structure.
    key = _signer(claims, candidates)
    if key is None:
        return LabelVerdict(LabelStatus.BAD_SIGNATURE, claims, detail="bad_signature")
    # Step 4: the key was authorized at d, and the ledger recorded issuance n for it.
    if not key.covers(claims.day):
        return LabelVerdict(
            LabelStatus.EXPIRED_KEY, claims, key.key_id, detail="key_outside_window"
        )
    if key.revoked_seq is not None and claims.seq >= key.revoked_seq:
        return LabelVerdict(LabelStatus.EXPIRED_KEY, claims, key.key_id, detail="key_revoked")
    record = trust_list.issuances_by_seq.get(claims.seq)
    detail = "ok"
    if record is None:
        if require_recorded or claims.seq < trust_list.tree_size:
            return LabelVerdict(
                LabelStatus.UNKNOWN_KEY, claims, key.key_id, detail="issuance_not_recorded"
            )
        detail = "issued_after_trust_list"
    elif not _matches(record, claims, key):
        return LabelVerdict(
            LabelStatus.UNKNOWN_KEY, claims, key.key_id, record, detail="issuance_mismatch"
        )
    # Step 5: not revoked as of the trust list.
    revoked_label = trust_list.revoked_by_seq.get(claims.seq)
    if revoked_label is not None:
        revocation = {
            "scope": "label",
            "reason_en": revoked_label.reason,
            "reason_es": revoked_label.reason,
            "effective_seq": revoked_label.effective_seq,
        }
        return LabelVerdict(
            LabelStatus.REVOKED, claims, key.key_id, record, "label_revoked", revocation
        )
    revoked_lot = (
        trust_list.revoked_by_lot.get(record.lot_id)
        if record is not None
        else trust_list.revoked_by_code.get((claims.gtin, claims.lot))
    )
    if revoked_lot is not None:
        revocation = {
            "scope": "lot",
            "reason_en": revoked_lot.reason_en,
            "reason_es": revoked_lot.reason_es,
            "effective_seq": revoked_lot.effective_seq,
        }
        detail = "lot_ineligible" if revoked_lot.implicit else "lot_revoked"
        return LabelVerdict(LabelStatus.REVOKED, claims, key.key_id, record, detail, revocation)
    # Step 6: the host is a listed resolver.
    hosts = trust_list.hosts if allowed_hosts is None else frozenset(allowed_hosts)
    if claims.host not in hosts:
        return LabelVerdict(
            LabelStatus.VALID_UNTRUSTED_HOST, claims, key.key_id, record, "host_not_listed"
        )
    return LabelVerdict(LabelStatus.VALID, claims, key.key_id, record, detail)
