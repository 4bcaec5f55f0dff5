"""Offline receipt verification: one receipt text and one trust list in, one verdict out.

What a VALID receipt proves: *this association's enrolled field device signed this delivery
(this lot, product, weight, plots) and claimed this time for it*, and nobody changed a byte
since. What it does not prove yet: that the ledger has recorded it — the phone may not have
synced, and the ledger may still refuse it (the lot id taken, a yield cap). That needs the
online check (the entry for this statement) or, later, an inclusion proof against a signed
checkpoint. Every verdict says so in Spanish and English.

:func:`check_receipt` never raises for a bad receipt; it fails closed, in numbered steps:

1. grammar — the text decodes to one signed statement (``labels.receipt``), else MALFORMED;
2. a delivery — the statement is a ``lot.harvested`` with a valid body, else NOT_A_DELIVERY;
3. the device — its ``actor`` is a field-device key in the trust list, else UNKNOWN_DEVICE
   (perhaps enrolled after the list was cut: refresh it);
4. signature — Ed25519 over the statement's JCS verifies under that key, else BAD_SIGNATURE;
5. enrolment — the key that enrolled the device is an association key of the device's
   organization in the list, not revoked (a device stops with its enroller), and the device
   may sign deliveries, else UNKNOWN_DEVICE; the organization is the one the caller expects
   (the producer's association), else WRONG_ASSOCIATION;
6. time — ``ts`` lies within the device's window: not before its enrolment (less the log's
   clock skew) nor after its ``valid_until``, else EXPIRED_DEVICE;
7. revocation — a device revoked at or before ``ts`` is REVOKED; one revoked after ``ts``
   leaves the receipt genuine, with ``detail = "device_revoked_since"``: it counts only if
   the phone synced before the revocation, which only the ledger can tell.

Why the trust list and not the enrolment inside the receipt: the enrolment statement would
double the payload (a QR two versions denser than a thermal slip prints well), and a
verifier needs the list anyway to learn of revocations; the list already names the
association keys the enrolment would be checked against.

Left out: the trust list's own signature (``labels.trustlist.verify_trust_list``, checked
when it is loaded) and reading images (``labels.decode``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from labels.errors import MalformedReceiptError
from labels.receipt import decode_receipt
from labels.trustlist import TrustedDevice, TrustList
from ledger.errors import LedgerError
from ledger.statements import SignedStatement
from ledger.supply.lots import HarvestBody
from ledger.timing import MAX_CLOCK_SKEW

__all__ = ["DELIVERY_TYPE", "ReceiptStatus", "ReceiptVerdict", "check_receipt"]

DELIVERY_TYPE = "lot.harvested"


class ReceiptStatus(enum.Enum):
    """The outcome of checking a receipt."""

    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED_DEVICE = "expired_device"
    WRONG_ASSOCIATION = "wrong_association"
    UNKNOWN_DEVICE = "unknown_device"
    BAD_SIGNATURE = "bad_signature"
    NOT_A_DELIVERY = "not_a_delivery"
    MALFORMED = "malformed"


_PENDING = (
    " It does not yet prove that the ledger recorded it: check online once the device has "
    "synced, or ask for its inclusion proof.",
    " Aún no prueba que el libro lo haya registrado: verifíquelo en línea cuando el "
    "dispositivo se haya sincronizado, o pida su prueba de inclusión.",
)
_MESSAGES: dict[str, tuple[str, str]] = {
    # detail: (English, Spanish)
    "ok": (
        "Genuine receipt: a field device enrolled by the association recorded this delivery "
        "at the time shown, and nothing was changed since." + _PENDING[0],
        "Recibo auténtico: un dispositivo de campo registrado por la asociación anotó esta "
        "entrega a la hora indicada, y nada se ha cambiado desde entonces." + _PENDING[1],
    ),
    "device_revoked_since": (
        "Genuine receipt, but the device was revoked after this delivery: it counts only if "
        "the device synced before the revocation. Check online.",
        "Recibo auténtico, pero el dispositivo fue dado de baja después de esta entrega: solo "
        "cuenta si el dispositivo se sincronizó antes de la baja. Verifíquelo en línea.",
    ),
    "device_revoked": (
        "Not valid: the device had been revoked (lost, stolen or retired) before this receipt "
        "was signed.",
        "No válido: el dispositivo ya había sido dado de baja (perdido, robado o retirado) "
        "antes de firmar este recibo.",
    ),
    "association_key_revoked": (
        "Not valid: the association key that enrolled this device was revoked.",
        "No válido: se revocó la llave de la asociación que registró este dispositivo.",
    ),
    "before_enrolment": (
        "Not valid: the receipt claims a time before the device was enrolled.",
        "No válido: el recibo indica una hora anterior al registro del dispositivo.",
    ),
    "after_valid_until": (
        "Not valid: the receipt claims a time after the device's authorization ended.",
        "No válido: el recibo indica una hora posterior al fin de la autorización del dispositivo.",
    ),
    "wrong_association": (
        "Not valid for this association: the device belongs to another association.",
        "No válido para esta asociación: el dispositivo pertenece a otra asociación.",
    ),
    "unknown_device": (
        "Not verifiable: the device is not in your trust list. It may be newer than the list: "
        "refresh it when online.",
        "No verificable: el dispositivo no está en su lista de confianza. Puede ser más "
        "reciente que la lista: actualícela cuando tenga conexión.",
    ),
    "enroller_unknown": (
        "Not genuine: the device was not enrolled by a key of its association.",
        "No auténtico: el dispositivo no fue registrado por una llave de su asociación.",
    ),
    "type_not_enrolled": (
        "Not valid: this device is not authorized to record deliveries.",
        "No válido: este dispositivo no está autorizado para registrar entregas.",
    ),
    "bad_signature": (
        "Not genuine: the signature does not match the receipt's contents (something was changed).",
        "No auténtico: la firma no corresponde al contenido del recibo (algo fue cambiado).",
    ),
    "not_a_delivery": (
        "This code is a signed statement, but not a delivery receipt.",
        "Este código es una declaración firmada, pero no un recibo de entrega.",
    ),
    "malformed": (
        "This is not a Biotraza delivery receipt (the code could not be read as one).",
        "Esto no es un recibo de entrega Biotraza (el código no se pudo leer como tal).",
    ),
}


@dataclass(frozen=True, slots=True)
class ReceiptVerdict:
    """The answer for one receipt; truthy only when ``status`` is VALID.

    Attributes:
        status: the outcome.
        signed: the decoded signed statement (``None`` when MALFORMED).
        device: the device key from the trust list, when it is there.
        detail: a finer code for the message (``ok``, ``device_revoked_since``…).
        error: what was wrong with a MALFORMED or NOT_A_DELIVERY text.
    """

    status: ReceiptStatus
    signed: SignedStatement | None
    device: TrustedDevice | None = None
    detail: str = "ok"
    error: str | None = None

    def __bool__(self) -> bool:
        return self.status is ReceiptStatus.VALID

    def message(self, lang: str) -> str:
        """The verdict for a person, in ``"es"`` or ``"en"`` (anything else: English)."""
        key = "malformed" if self.status is ReceiptStatus.MALFORMED else self.detail
        english, spanish = _MESSAGES[key]
        return spanish if lang == "es" else english

    def delivery(self) -> dict[str, Any] | None:
        """What was delivered, as the statement says it (``None`` when MALFORMED)."""
        if self.signed is None:
            return None
        statement = self.signed.statement
        body = statement.body
        return {
            "type": statement.type,
            "ts": statement.ts,
            "lot_id": body.get("lot_id"),
            "product": body.get("product"),
            "form": body.get("form"),
            "quantity_kg": body.get("quantity_kg"),
            "harvested_from": body.get("harvested_from"),
            "harvested_to": body.get("harvested_to"),
            "origins": body.get("origins"),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the CLI's ``--json`` and apps."""
        device = self.device
        return {
            "status": self.status.value,
            "valid": bool(self),
            "detail": self.detail,
            "message": {"en": self.message("en"), "es": self.message("es")},
            "proves": "device_signed_delivery" if self else None,
            "recorded_in_ledger": "unknown_offline",
            "association": None if device is None else device.org_id,
            "device": None
            if device is None
            else {"key_id": device.key_id, "label": device.label, "revoked_at": device.revoked_at},
            "delivery": self.delivery(),
            "signed_statement": None if self.signed is None else self.signed.to_dict(),
            "error": self.error,
        }


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_receipt(
    text: str, trust_list: TrustList, *, association: str | None = None
) -> ReceiptVerdict:
    """Verify a receipt's text against a trust list; never raises for a bad receipt.

    Args:
        text: the QR text.
        trust_list: a trust list whose signature the caller already checked.
        association: the organization the receipt must come from (the producer's), if known.
    """
    # Step 1: grammar, before any cryptography.
    try:
        signed = decode_receipt(text)
    except MalformedReceiptError as exc:
        return ReceiptVerdict(ReceiptStatus.MALFORMED, None, detail=exc.part, error=str(exc))
    statement = signed.statement
    # Step 2: a delivery.
    if statement.type != DELIVERY_TYPE:
        return ReceiptVerdict(
            ReceiptStatus.NOT_A_DELIVERY, signed, detail="not_a_delivery", error=statement.type
        )
    try:
        HarvestBody.model_validate(statement.body)
    except ValidationError as exc:
        return ReceiptVerdict(
            ReceiptStatus.NOT_A_DELIVERY, signed, detail="not_a_delivery", error=str(exc)
        )
    # Step 3: the device.
    device = trust_list.devices_by_id.get(statement.actor)
    if device is None:
        return ReceiptVerdict(ReceiptStatus.UNKNOWN_DEVICE, signed, detail="unknown_device")
    # Step 4: the signature.
    try:
        signed.verify_signature(device.raw)
    except LedgerError:
        return ReceiptVerdict(ReceiptStatus.BAD_SIGNATURE, signed, device, "bad_signature")
    # Step 5: enrolled by its association's key, for deliveries, of the expected association.
    enroller = trust_list.associations_by_id.get(device.enrolled_by or "")
    if enroller is None or enroller.org_id != device.org_id:
        return ReceiptVerdict(ReceiptStatus.UNKNOWN_DEVICE, signed, device, "enroller_unknown")
    if enroller.revoked_seq is not None:
        return ReceiptVerdict(ReceiptStatus.REVOKED, signed, device, "association_key_revoked")
    if DELIVERY_TYPE not in device.entry_types:
        return ReceiptVerdict(ReceiptStatus.UNKNOWN_DEVICE, signed, device, "type_not_enrolled")
    if association is not None and association != device.org_id:
        return ReceiptVerdict(ReceiptStatus.WRONG_ASSOCIATION, signed, device, "wrong_association")
    # Step 6: the claimed time lies within the device's window.
    claimed = _moment(statement.ts)
    if device.added_ts is not None and claimed < _moment(device.added_ts) - MAX_CLOCK_SKEW:
        return ReceiptVerdict(ReceiptStatus.EXPIRED_DEVICE, signed, device, "before_enrolment")
    if device.valid_until is not None and claimed > _moment(device.valid_until):
        return ReceiptVerdict(ReceiptStatus.EXPIRED_DEVICE, signed, device, "after_valid_until")
    # Step 7: revocation.
    if device.revoked_seq is not None:
        if device.revoked_at is None or claimed >= _moment(device.revoked_at):
            return ReceiptVerdict(ReceiptStatus.REVOKED, signed, device, "device_revoked")
        return ReceiptVerdict(ReceiptStatus.VALID, signed, device, "device_revoked_since")
    return ReceiptVerdict(ReceiptStatus.VALID, signed, device)
