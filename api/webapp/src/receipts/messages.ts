/**
 * What a receipt verdict says to a person, in Spanish and English; the shell's i18n merges
 * these (keys prefixed `receipts.`). Same wording as `labels/receipt_verify.py`.
 */
const PENDING_ES =
  " Aún no prueba que el libro lo haya registrado: verifíquelo en línea cuando el dispositivo se haya sincronizado, o pida su prueba de inclusión.";
const PENDING_EN =
  " It does not yet prove that the ledger recorded it: check online once the device has synced, or ask for its inclusion proof.";

export const messages = {
  es: {
    "receipts.ok":
      "Recibo auténtico: un dispositivo de campo registrado por la asociación anotó esta entrega a la hora indicada, y nada se ha cambiado desde entonces." +
      PENDING_ES,
    "receipts.device_revoked_since":
      "Recibo auténtico, pero el dispositivo fue dado de baja después de esta entrega: solo cuenta si el dispositivo se sincronizó antes de la baja. Verifíquelo en línea.",
    "receipts.device_revoked":
      "No válido: el dispositivo ya había sido dado de baja (perdido, robado o retirado) antes de firmar este recibo.",
    "receipts.association_key_revoked": "No válido: se revocó la llave de la asociación que registró este dispositivo.",
    "receipts.before_enrolment": "No válido: el recibo indica una hora anterior al registro del dispositivo.",
    "receipts.after_valid_until":
      "No válido: el recibo indica una hora posterior al fin de la autorización del dispositivo.",
    "receipts.wrong_association": "No válido para esta asociación: el dispositivo pertenece a otra asociación.",
    "receipts.unknown_device":
      "No verificable: el dispositivo no está en su lista de confianza. Puede ser más reciente que la lista: actualícela cuando tenga conexión.",
    "receipts.enroller_unknown": "No auténtico: el dispositivo no fue registrado por una llave de su asociación.",
    "receipts.type_not_enrolled": "No válido: este dispositivo no está autorizado para registrar entregas.",
    "receipts.bad_signature": "No auténtico: la firma no corresponde al contenido del recibo (algo fue cambiado).",
    "receipts.not_a_delivery": "Este código es una declaración firmada, pero no un recibo de entrega.",
    "receipts.malformed": "Esto no es un recibo de entrega Biotraza (el código no se pudo leer como tal).",
  },
  en: {
    "receipts.ok":
      "Genuine receipt: a field device enrolled by the association recorded this delivery at the time shown, and nothing was changed since." +
      PENDING_EN,
    "receipts.device_revoked_since":
      "Genuine receipt, but the device was revoked after this delivery: it counts only if the device synced before the revocation. Check online.",
    "receipts.device_revoked":
      "Not valid: the device had been revoked (lost, stolen or retired) before this receipt was signed.",
    "receipts.association_key_revoked": "Not valid: the association key that enrolled this device was revoked.",
    "receipts.before_enrolment": "Not valid: the receipt claims a time before the device was enrolled.",
    "receipts.after_valid_until": "Not valid: the receipt claims a time after the device's authorization ended.",
    "receipts.wrong_association": "Not valid for this association: the device belongs to another association.",
    "receipts.unknown_device":
      "Not verifiable: the device is not in your trust list. It may be newer than the list: refresh it when online.",
    "receipts.enroller_unknown": "Not genuine: the device was not enrolled by a key of its association.",
    "receipts.type_not_enrolled": "Not valid: this device is not authorized to record deliveries.",
    "receipts.bad_signature": "Not genuine: the signature does not match the receipt's contents (something was changed).",
    "receipts.not_a_delivery": "This code is a signed statement, but not a delivery receipt.",
    "receipts.malformed": "This is not a Biotraza delivery receipt (the code could not be read as one).",
  },
} as const;

export type ReceiptMessageKey = keyof (typeof messages)["es"];
