/**
 * Offline receipt verification, step for step as `labels/receipt_verify.py`; never throws
 * for a bad receipt.
 *
 * A VALID receipt proves that this association's enrolled field device signed this delivery
 * and claimed this time for it, unchanged since. It does not prove that the ledger recorded
 * it: that needs the online check or an inclusion proof (`src/crypto/checkpoints.ts`).
 *
 * Steps: 1 grammar (MALFORMED); 2 a `lot.harvested` with the body's shape (NOT_A_DELIVERY —
 * the server's full body rules are not repeated here); 3 the device is in the trust list
 * (UNKNOWN_DEVICE); 4 Ed25519 over the statement (BAD_SIGNATURE); 5 enrolled by an active
 * key of its own association, for deliveries (UNKNOWN_DEVICE / REVOKED), of the expected
 * association (WRONG_ASSOCIATION); 6 `ts` within the device's window (EXPIRED_DEVICE);
 * 7 revoked at or before `ts` (REVOKED), or after it (VALID, `device_revoked_since`).
 */
import { verifyEd25519 } from "../crypto/ed25519";
import { b64urlDecode } from "../crypto/encoding";
import { signedMessage, type SignedStatement } from "../crypto/statements";
import { messages, type ReceiptMessageKey } from "./messages";
import { decodeReceipt, MalformedReceiptError } from "./receipt";
import type { TrustedDevice, TrustList } from "./trustlist";

export const DELIVERY_TYPE = "lot.harvested";
/** The log's allowed clock skew (`ledger.timing.MAX_CLOCK_SKEW`). */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export type ReceiptStatus =
  | "valid"
  | "revoked"
  | "expired_device"
  | "wrong_association"
  | "unknown_device"
  | "bad_signature"
  | "not_a_delivery"
  | "malformed";

export interface ReceiptVerdict {
  readonly status: ReceiptStatus;
  readonly valid: boolean;
  /** A finer code: `ok`, `device_revoked_since`, … or the malformed part. */
  readonly detail: string;
  readonly signed: SignedStatement | null;
  readonly device: TrustedDevice | null;
  readonly error: string | null;
  /** Offline, always: the ledger's record is for the online check or an inclusion proof. */
  readonly recordedInLedger: "unknown_offline";
}

/** The verdict's message in `es` or `en`. */
export function receiptMessage(verdict: ReceiptVerdict, lang: "es" | "en"): string {
  const key = (verdict.status === "malformed" ? "receipts.malformed" : `receipts.${verdict.detail}`) as ReceiptMessageKey;
  return messages[lang][key];
}

function verdict(
  status: ReceiptStatus,
  signed: SignedStatement | null,
  device: TrustedDevice | null,
  detail: string,
  error: string | null = null,
): ReceiptVerdict {
  return { status, valid: status === "valid", detail, signed, device, error, recordedInLedger: "unknown_offline" };
}

function moment(ts: string): number {
  return Date.parse(ts);
}

function deliveryShape(body: Record<string, unknown>): string | null {
  for (const field of ["lot_id", "product", "form", "harvested_from"]) {
    if (typeof body[field] !== "string") return `body.${field}: expected a string`;
  }
  if (typeof body["quantity_kg"] !== "number" || !(body["quantity_kg"] > 0)) return "body.quantity_kg: expected a positive number";
  const origins = body["origins"];
  if (!Array.isArray(origins) || origins.length === 0) return "body.origins: expected at least one plot or apiary";
  return null;
}

export interface CheckOptions {
  /** The organization the receipt must come from (the producer's association), if known. */
  readonly association?: string;
}

/** Verify a receipt's text against a trust list whose signature was already checked. */
export async function checkReceipt(text: string, trustList: TrustList, options: CheckOptions = {}): Promise<ReceiptVerdict> {
  // Step 1: grammar.
  let signed: SignedStatement;
  try {
    signed = decodeReceipt(text);
  } catch (error) {
    if (error instanceof MalformedReceiptError) return verdict("malformed", null, null, error.part, error.message);
    throw error;
  }
  const statement = signed.statement;
  // Step 2: a delivery.
  if (statement.type !== DELIVERY_TYPE) return verdict("not_a_delivery", signed, null, "not_a_delivery", statement.type);
  const shape = deliveryShape(statement.body);
  if (shape !== null) return verdict("not_a_delivery", signed, null, "not_a_delivery", shape);
  // Step 3: the device.
  const device = (trustList.devices ?? []).find((d) => d.key_id === statement.actor);
  if (device === undefined) return verdict("unknown_device", signed, null, "unknown_device");
  // Step 4: the signature.
  const ok = await verifyEd25519(b64urlDecode(device.public_key, 32), signedMessage(statement), b64urlDecode(signed.sig, 64));
  if (!ok) return verdict("bad_signature", signed, device, "bad_signature");
  // Step 5: enrolled by its own association's active key, for deliveries; the expected association.
  const enroller = (trustList.associations ?? []).find((a) => a.key_id === device.enrolled_by);
  if (enroller === undefined || enroller.org_id !== device.org_id) return verdict("unknown_device", signed, device, "enroller_unknown");
  if (enroller.revoked_seq !== null) return verdict("revoked", signed, device, "association_key_revoked");
  if (!device.entry_types.includes(DELIVERY_TYPE)) return verdict("unknown_device", signed, device, "type_not_enrolled");
  if (options.association !== undefined && options.association !== device.org_id) {
    return verdict("wrong_association", signed, device, "wrong_association");
  }
  // Step 6: the claimed time lies within the device's window.
  const claimed = moment(statement.ts);
  if (device.added_ts !== null && claimed < moment(device.added_ts) - MAX_CLOCK_SKEW_MS) {
    return verdict("expired_device", signed, device, "before_enrolment");
  }
  if (device.valid_until !== null && claimed > moment(device.valid_until)) {
    return verdict("expired_device", signed, device, "after_valid_until");
  }
  // Step 7: revocation.
  if (device.revoked_seq !== null) {
    if (device.revoked_at === null || claimed >= moment(device.revoked_at)) return verdict("revoked", signed, device, "device_revoked");
    return verdict("valid", signed, device, "device_revoked_since");
  }
  return verdict("valid", signed, device, "ok");
}
