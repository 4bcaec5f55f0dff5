"""Offline verification of a purchase or payment receipt.

At the collection centre the association prints (or shows, or sends) the receipt of each
purchase and payment: the association-signed ``purchase.recorded`` / ``payment.recorded``
statement itself, encoded as the delivery receipts are (``labels.receipt``, ``BTR1:`` digits
in a QR). A producer, a lender or an auditor checks it with nothing but a trust list:

1. grammar — the text decodes to one signed statement, else MALFORMED;
2. a purchase or payment with a valid body, else NOT_A_PAYMENT;
3. the signer is an association key in the trust list, or — for a purchase signed at the
   scale by the field app — a device key that an association key of the same organization
   enrolled for ``purchase.recorded`` (the receipt then speaks for that association), else
   UNKNOWN_KEY (perhaps newer than the list: refresh it);
4. the Ed25519 signature over the statement verifies, else BAD_SIGNATURE;
5. the key speaks for the association the caller expects, else WRONG_ASSOCIATION;
6. a key revoked since is REVOKED (check online whether the entry was recorded before); a
   device revoked at or before the time the purchase claims is REVOKED too.

What a VALID receipt proves: this association signed that it bought this much from this
(pseudonymous) producer at this price, or paid this amount, at this time; nobody changed a
byte since. That the log recorded it is an online check (the entry, or its inclusion proof),
as for delivery receipts. A producer without a phone keeps the paper: nothing here needs her
key.

Left out: the producer's own acknowledgement signature, and drawing the QR
(``labels.render.make_qr``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from labels.errors import MalformedReceiptError
from labels.receipt import decode_receipt
from labels.trustlist import TrustedAssociation, TrustedDevice, TrustList
from ledger.errors import SignatureError
from ledger.keys import STATEMENT_DOMAIN, decode_public_key, verify_message
from ledger.statements import SignedStatement
from ledger.supply.payments import PaymentBody, PurchaseBody

__all__ = [
    "PAYMENT_TYPES",
    "PaymentReceiptStatus",
    "PaymentReceiptVerdict",
    "check_payment_receipt",
]

PAYMENT_TYPES: dict[str, type[PurchaseBody] | type[PaymentBody]] = {
    "purchase.recorded": PurchaseBody,
    "payment.recorded": PaymentBody,
}


class PaymentReceiptStatus(enum.Enum):
    """The outcome of checking a purchase or payment receipt."""

    VALID = "valid"
    REVOKED = "revoked"
    WRONG_ASSOCIATION = "wrong_association"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    NOT_A_PAYMENT = "not_a_payment"
    MALFORMED = "malformed"


_ONLINE = (
    " That the ledger recorded it is checked online (its entry or inclusion proof).",
    " Que el registro lo haya anotado se comprueba en línea (su entrada o prueba de inclusión).",
)
_MESSAGES: dict[PaymentReceiptStatus, tuple[str, str]] = {
    PaymentReceiptStatus.VALID: (
        "Genuine receipt: the association signed this purchase or payment at the time shown, "
        "and nothing was changed since." + _ONLINE[0],
        "Recibo auténtico: la asociación firmó esta compra o este pago a la hora indicada, y "
        "nada se ha cambiado desde entonces." + _ONLINE[1],
    ),
    PaymentReceiptStatus.REVOKED: (
        "The association key that signed it was revoked since: check online that the entry was "
        "recorded before.",
        "La llave de la asociación que lo firmó fue revocada después: verifique en línea que la "
        "entrada se registró antes.",
    ),
    PaymentReceiptStatus.WRONG_ASSOCIATION: (
        "Not valid for this association: another association signed it.",
        "No válido para esta asociación: lo firmó otra asociación.",
    ),
    PaymentReceiptStatus.UNKNOWN_KEY: (
        "Not verifiable: the signing key is not an association key in your trust list. It may "
        "be newer than the list: refresh it when online.",
        "No verificable: la llave que firmó no es de una asociación de su lista de confianza. "
        "Puede ser más reciente que la lista: actualícela cuando tenga conexión.",
    ),
    PaymentReceiptStatus.BAD_SIGNATURE: (
        "Not genuine: the signature does not match the receipt's contents (something was changed).",
        "No auténtico: la firma no corresponde al contenido del recibo (algo fue cambiado).",
    ),
    PaymentReceiptStatus.NOT_A_PAYMENT: (
        "This code is a signed statement, but not a purchase or payment receipt.",
        "Este código es una declaración firmada, pero no un recibo de compra o de pago.",
    ),
    PaymentReceiptStatus.MALFORMED: (
        "This is not a Biotraza receipt (the code could not be read as one).",
        "Esto no es un recibo Biotraza (el código no se pudo leer como tal).",
    ),
}


@dataclass(frozen=True, slots=True)
class PaymentReceiptVerdict:
    """The answer for one receipt; truthy only when VALID."""

    status: PaymentReceiptStatus
    signed: SignedStatement | None = None
    association: TrustedAssociation | None = None
    error: str | None = None

    def __bool__(self) -> bool:
        return self.status is PaymentReceiptStatus.VALID

    def message(self, lang: str) -> str:
        """The verdict for a person, in ``"es"`` or ``"en"``."""
        english, spanish = _MESSAGES[self.status]
        return spanish if lang == "es" else english

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the verdict, who signed, and what the statement says."""
        statement = None if self.signed is None else self.signed.statement
        return {
            "status": self.status.value,
            "valid": bool(self),
            "message": {"en": self.message("en"), "es": self.message("es")},
            "association": None if self.association is None else self.association.org_id,
            "type": None if statement is None else statement.type,
            "ts": None if statement is None else statement.ts,
            "body": None if statement is None else statement.body,
            "recorded_in_ledger": "unknown_offline",
            "error": self.error,
        }


def check_payment_receipt(
    text: str, trust_list: TrustList, *, association: str | None = None
) -> PaymentReceiptVerdict:
    """Verify a purchase or payment receipt offline; never raises for a bad receipt."""
    try:
        signed = decode_receipt(text)
    except MalformedReceiptError as exc:
        return PaymentReceiptVerdict(PaymentReceiptStatus.MALFORMED, error=str(exc))
    statement = signed.statement
    model = PAYMENT_TYPES.get(statement.type)
    if model is None:
        return PaymentReceiptVerdict(
            PaymentReceiptStatus.NOT_A_PAYMENT, signed, error=f"type {statement.type}"
        )
    try:
        model.model_validate(statement.body)
    except ValidationError as exc:
        return PaymentReceiptVerdict(
            PaymentReceiptStatus.NOT_A_PAYMENT, signed, error=str(exc.errors()[0]["msg"])
        )
    key = trust_list.associations_by_id.get(statement.actor)
    device = None
    if key is None:
        # A purchase signed at the scale by a field device the association enrolled for it.
        device = trust_list.devices_by_id.get(statement.actor)
        key = _enroller(trust_list, device, statement.type)
        if key is None:
            return PaymentReceiptVerdict(PaymentReceiptStatus.UNKNOWN_KEY, signed)
    try:
        verify_message(
            decode_public_key(key.public_key) if device is None else device.raw,
            STATEMENT_DOMAIN,
            statement.canonical_bytes,
            signed.signature,
        )
    except SignatureError:
        return PaymentReceiptVerdict(PaymentReceiptStatus.BAD_SIGNATURE, signed, key)
    if association is not None and key.org_id != association:
        return PaymentReceiptVerdict(PaymentReceiptStatus.WRONG_ASSOCIATION, signed, key)
    if key.revoked_seq is not None or _revoked_before(device, statement.ts):
        return PaymentReceiptVerdict(PaymentReceiptStatus.REVOKED, signed, key)
    return PaymentReceiptVerdict(PaymentReceiptStatus.VALID, signed, key)


def _enroller(
    trust_list: TrustList, device: TrustedDevice | None, entry_type: str
) -> TrustedAssociation | None:
    """The association key that enrolled ``device`` for ``entry_type`` (its own org's), if
    the list shows one; the receipt then speaks for that association."""
    if device is None or entry_type not in device.entry_types:
        return None
    enroller = trust_list.associations_by_id.get(device.enrolled_by or "")
    return enroller if enroller is not None and enroller.org_id == device.org_id else None


def _revoked_before(device: TrustedDevice | None, ts: str) -> bool:
    """A device revoked at or before the time the purchase claims (a lost phone's later
    captures are not receipts)."""
    if device is None or device.revoked_at is None:
        return False
    return datetime.fromisoformat(
        device.revoked_at.replace("Z", "+00:00")
    ) <= datetime.fromisoformat(ts.replace("Z", "+00:00"))
