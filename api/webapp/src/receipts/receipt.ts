/**
 * The delivery receipt, as `labels/receipt.py` writes it: `BTR1:` then the digits of
 * `sig (64 raw bytes) ‖ deflate(JCS(statement))`. The same signed statement gives the same
 * text here and in Python (tests/receipts.test.ts checks tests/vectors/receipt.json), so the
 * QR the phone shows is the one the office would reprint, and the statement inside is the
 * exact object the outbox uploads: once synced it is the ledger entry's statement.
 *
 * Decoding is strict: one text per statement (it is re-encoded and must match).
 */
import { b64urlDecode, b64urlEncode, concatBytes } from "../crypto/encoding";
import { canonicalBytes } from "../crypto/jcs";
import { MAX_STATEMENT_BYTES, type SignedStatement, type Statement } from "../crypto/statements";
import { deflateRaw, inflateFixed, InflateError } from "./deflate";
import { bytesToDigits, digitsToBytes, DigitsError } from "./digits";

export const RECEIPT_PREFIX = "BTR1:";
/** The most digits a QR code holds (version 40-L, numeric mode). */
export const MAX_RECEIPT_DIGITS = 7089;

export type ReceiptPart = "text" | "prefix" | "digits" | "deflate" | "json" | "statement" | "encoding";

/** A text that is not a receipt; `part` names what is wrong (as the Python side does). */
export class MalformedReceiptError extends Error {
  override readonly name = "MalformedReceiptError";
  constructor(
    readonly part: ReceiptPart,
    readonly reason: string,
  ) {
    super(`malformed receipt: ${part}: ${reason}`);
  }
}

/** The payload bytes: the raw signature, then the deterministic deflate of JCS(statement). */
export function receiptPayload(signed: SignedStatement): Uint8Array {
  return concatBytes(b64urlDecode(signed.sig, 64), deflateRaw(canonicalBytes(signed.statement)));
}

/** The receipt text of a signed statement (one statement, one text). */
export function encodeReceipt(signed: SignedStatement): string {
  return RECEIPT_PREFIX + bytesToDigits(receiptPayload(signed));
}

const STATEMENT_KEYS = ["actor", "body", "nonce", "ts", "type", "v"];
const ACTOR = /^[0-9a-f]{32}$/;

function asStatement(value: unknown): Statement {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MalformedReceiptError("statement", "expected a JSON object");
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  if (keys.join(",") !== STATEMENT_KEYS.join(",")) {
    throw new MalformedReceiptError("statement", `expected the fields ${STATEMENT_KEYS.join(", ")}, found ${keys.join(", ")}`);
  }
  const { v, type, actor, ts, nonce, body } = record;
  if (v !== 1) throw new MalformedReceiptError("statement", "statement.v: expected 1");
  if (typeof type !== "string" || typeof ts !== "string" || typeof nonce !== "string") {
    throw new MalformedReceiptError("statement", "statement.type, ts and nonce must be strings");
  }
  if (typeof actor !== "string" || !ACTOR.test(actor)) throw new MalformedReceiptError("statement", "statement.actor: expected a key id");
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new MalformedReceiptError("statement", "statement.body: expected an object");
  }
  return record as unknown as Statement;
}

/** The signed statement a receipt carries; no signature is checked here. */
export function decodeReceipt(input: string): SignedStatement {
  const text = input.trim();
  if (text.length > RECEIPT_PREFIX.length + MAX_RECEIPT_DIGITS) {
    throw new MalformedReceiptError("text", `longer than ${MAX_RECEIPT_DIGITS} digits`);
  }
  if (!text.startsWith(RECEIPT_PREFIX)) {
    throw new MalformedReceiptError("prefix", `expected ${JSON.stringify(RECEIPT_PREFIX)}, found ${JSON.stringify(text.slice(0, 5))}`);
  }
  let payload: Uint8Array;
  try {
    payload = digitsToBytes(text.slice(RECEIPT_PREFIX.length));
  } catch (error) {
    if (error instanceof DigitsError) throw new MalformedReceiptError("digits", error.message);
    throw error;
  }
  if (payload.length <= 64) throw new MalformedReceiptError("digits", "too short for a signature and a statement");
  let data: Uint8Array;
  try {
    data = inflateFixed(payload.subarray(64), MAX_STATEMENT_BYTES);
  } catch (error) {
    if (error instanceof InflateError) throw new MalformedReceiptError("deflate", error.message);
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
  } catch (error) {
    throw new MalformedReceiptError("json", (error as Error).message);
  }
  const signed: SignedStatement = { statement: asStatement(parsed), sig: b64urlEncode(payload.slice(0, 64)) };
  let again: string;
  try {
    again = encodeReceipt(signed);
  } catch (error) {
    throw new MalformedReceiptError("statement", (error as Error).message);
  }
  if (again !== text) throw new MalformedReceiptError("encoding", "not the canonical encoding of its statement");
  return signed;
}
