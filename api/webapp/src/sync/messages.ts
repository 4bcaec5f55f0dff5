/**
 * UI strings of the sync module (merged by the shell's i18n; keys prefixed `sync.`).
 *
 * Reason codes come from the server's stable error codes (api/error_report.py) and from the
 * device's own checks; the server's `reason` text (English) is shown under the translated
 * sentence, with the field it names.
 */
const es = {
  "sync.state.queued": "En espera de envío",
  "sync.state.sending": "Enviando",
  "sync.state.accepted": "Recibido por el servidor; esperando la prueba",
  "sync.state.confirmed": "Registrado y comprobado",
  "sync.state.refused": "Rechazado",
  "sync.reason.network": "Sin conexión. Se enviará cuando vuelva la señal.",
  "sync.reason.server_unavailable": "El servidor no está disponible. Se reintentará.",
  "sync.reason.rate_limited": "El servidor pidió esperar. Se reintentará.",
  "sync.reason.device_not_enrolled": "Este dispositivo aún no está autorizado por la asociación.",
  "sync.reason.bad_answer": "La respuesta no vino del servidor (¿red con página de acceso?). Se reintentará.",
  "sync.reason.not_found": "El servidor no encontró lo solicitado. Se reintentará.",
  "sync.reason.schema_error": "Un dato no tiene el formato esperado.",
  "sync.reason.bad_signature": "La firma no es válida.",
  "sync.reason.unknown_key": "La llave de este dispositivo no está registrada.",
  "sync.reason.not_authorized": "Este dispositivo no tiene permiso para este registro (¿fue revocado?).",
  "sync.reason.nonce_replayed": "Este registro repite el identificador de otro.",
  "sync.reason.lot_not_eligible": "El lote ya no está disponible (otro dispositivo lo usó).",
  "sync.reason.rule_violation": "El registro no cumple una regla.",
  "sync.reason.conflict": "El registro choca con otro ya registrado.",
  "sync.reason.unknown_entry_type": "El servidor no conoce este tipo de registro.",
  "sync.reason.request_too_large": "El registro es demasiado grande.",
  "sync.reason.malformed_json": "El registro está mal formado.",
  "sync.reason.answer_mismatch": "La respuesta del servidor no coincide con lo firmado. Avise a la oficina.",
  "sync.reason.checkpoint_invalid": "El punto de control del registro no tiene una firma válida. Avise a la oficina.",
  "sync.reason.proof_invalid": "La prueba de inclusión no es válida. Avise a la oficina.",
  "sync.reason.dependency_refused": "Depende de un registro que fue rechazado. Corrija ese registro y este se enviará solo.",
  "sync.reason.device_revoked": "La asociación dio de baja este dispositivo: ya no puede enviar registros. Avise a la oficina.",
  "sync.reason.other": "El servidor rechazó el registro.",
  "sync.action.sync": "Sincronizar",
  "sync.action.correct": "Corregir",
  "sync.corrected": "Corregido por un registro nuevo",
  "sync.blocked": "Espera a que se corrija un registro del que depende",
} as const;

type Catalog = { readonly [K in keyof typeof es]: string };

const en: Catalog = {
  "sync.state.queued": "Waiting to be sent",
  "sync.state.sending": "Sending",
  "sync.state.accepted": "Received by the server; waiting for the proof",
  "sync.state.confirmed": "Recorded and verified",
  "sync.state.refused": "Refused",
  "sync.reason.network": "No connection. It will be sent when the signal returns.",
  "sync.reason.server_unavailable": "The server is unavailable. It will retry.",
  "sync.reason.rate_limited": "The server asked to wait. It will retry.",
  "sync.reason.device_not_enrolled": "This device is not authorized by the association yet.",
  "sync.reason.bad_answer": "The answer did not come from the server (a network login page?). It will retry.",
  "sync.reason.not_found": "The server did not find what was asked. It will retry.",
  "sync.reason.schema_error": "A value does not have the expected format.",
  "sync.reason.bad_signature": "The signature is not valid.",
  "sync.reason.unknown_key": "This device's key is not registered.",
  "sync.reason.not_authorized": "This device may not write this record (was it revoked?).",
  "sync.reason.nonce_replayed": "This record repeats another one's identifier.",
  "sync.reason.lot_not_eligible": "The lot is no longer available (another device used it).",
  "sync.reason.rule_violation": "The record breaks a rule.",
  "sync.reason.conflict": "The record conflicts with one already recorded.",
  "sync.reason.unknown_entry_type": "The server does not know this kind of record.",
  "sync.reason.request_too_large": "The record is too large.",
  "sync.reason.malformed_json": "The record is malformed.",
  "sync.reason.answer_mismatch": "The server's answer does not match what was signed. Tell the office.",
  "sync.reason.checkpoint_invalid": "The log's checkpoint does not carry a valid signature. Tell the office.",
  "sync.reason.proof_invalid": "The inclusion proof is not valid. Tell the office.",
  "sync.reason.dependency_refused": "It depends on a record that was refused. Correct that record and this one will be sent by itself.",
  "sync.reason.device_revoked": "The association revoked this device: it can no longer send records. Tell the office.",
  "sync.reason.other": "The server refused the record.",
  "sync.action.sync": "Sync",
  "sync.action.correct": "Correct",
  "sync.corrected": "Corrected by a new record",
  "sync.blocked": "Waiting for a record it depends on to be corrected",
};

export const messages = { es, en } as const;

/** The catalog key for a refusal or retry code (unknown codes fall back to a generic one). */
export function reasonMessageKey(code: string): keyof typeof es {
  const key = `sync.reason.${code}`;
  return key in es ? (key as keyof typeof es) : "sync.reason.other";
}
