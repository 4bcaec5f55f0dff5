/**
 * Biolabels signed in the label office's browser, byte for byte as `labels/payload.py`
 * (docs/labels.md): a COSE_Sign1 (RFC 9052) EdDSA signature over a detached CBOR payload
 * `{1: GTIN, 2: LOT, 3: n, 4: "YYMMDD" [, 5: SERIAL]}`, carried in the QR text as 155
 * decimal digits.
 *
 * The browser signs because it holds the label-issuer key (the server never does); the server
 * verifies every label against the ledger before it draws one (`POST /api/v1/labels/sheet`).
 * Only the few CBOR shapes a label needs are written (short text and byte strings, unsigned
 * integers, maps with one-byte keys): keys 1–5 in ascending order are the deterministic
 * order. `tests/vectors/label_payload.json` pins the bytes for both sides.
 */
import { concatBytes, hexDecode, utf8 } from "../crypto/encoding";
import type { Signer } from "../crypto/ed25519";

export interface LabelClaims {
  readonly host: string;
  readonly gtin: string | null;
  readonly lot: string;
  readonly seq: number;
  /** ISO day `YYYY-MM-DD` (years 2000–2099). */
  readonly day: string;
  readonly serial: string | null;
}

const HOST = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::[1-9][0-9]{0,4})?$/;
const GTIN = /^[0-9]{14}$/;
const LOT = /^[0-9A-Z]{1,20}$/;
const SERIAL = /^[1-9][0-9]{0,19}$/;
const DAY = /^20[0-9]{2}-[0-9]{2}-[0-9]{2}$/;
const KID = /^[0-9a-f]{32}$/;

/** A claim that no label may carry; `field` names it as the server's errors do. */
export class LabelClaimError extends Error {
  override readonly name = "LabelClaimError";
  constructor(
    readonly field: "host" | "gtin" | "lot" | "serial" | "seq" | "day" | "kid",
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** CBOR head of major type `major` with argument `value` (shortest form). */
function head(major: number, value: number): Uint8Array {
  const m = major << 5;
  if (value < 24) return Uint8Array.of(m | value);
  if (value < 0x100) return Uint8Array.of(m | 24, value);
  if (value < 0x10000) return Uint8Array.of(m | 25, value >> 8, value & 0xff);
  if (value <= 0xffffffff) return Uint8Array.of(m | 26, value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
  const big = BigInt(value);
  const out = new Uint8Array(9);
  out[0] = m | 27;
  for (let i = 0; i < 8; i++) out[8 - i] = Number((big >> BigInt(8 * i)) & 0xffn);
  return out;
}

const text = (value: string): Uint8Array => concatBytes(head(3, value.length), utf8(value));
const bytes = (value: Uint8Array): Uint8Array => concatBytes(head(2, value.length), value);

function gtinCheckOk(gtin: string): boolean {
  const digits = [...gtin].map(Number);
  const sum = digits.slice(0, 13).reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === digits[13];
}

function check(claims: LabelClaims): void {
  if (!HOST.test(claims.host)) throw new LabelClaimError("host", "a lowercase DNS name, optional :port");
  if (claims.gtin !== null && (!GTIN.test(claims.gtin) || !gtinCheckOk(claims.gtin))) throw new LabelClaimError("gtin", "14 digits with a GS1 check digit");
  if (!LOT.test(claims.lot)) throw new LabelClaimError("lot", "1-20 of 0-9 A-Z");
  if (claims.serial !== null && !SERIAL.test(claims.serial)) throw new LabelClaimError("serial", "decimal, no leading zeros, at most 20 digits");
  if (!Number.isSafeInteger(claims.seq) || claims.seq < 1) throw new LabelClaimError("seq", "a positive integer");
  if (!DAY.test(claims.day) || Number.isNaN(Date.parse(`${claims.day}T00:00:00Z`)) || new Date(`${claims.day}T00:00:00Z`).toISOString().slice(0, 10) !== claims.day) {
    throw new LabelClaimError("day", "a real date YYYY-MM-DD, years 2000-2099");
  }
}

/** `YYMMDD` of an ISO day. */
export function yymmdd(day: string): string {
  return day.slice(2, 4) + day.slice(5, 7) + day.slice(8, 10);
}

/** CBOR `{1: -8, 4: h'<kid>'}`: the protected header naming EdDSA and the key. */
export function protectedHeader(kid: string): Uint8Array {
  if (!KID.test(kid)) throw new LabelClaimError("kid", "32 lowercase hex");
  return concatBytes(Uint8Array.of(0xa2, 0x01, 0x27, 0x04), bytes(hexDecode(kid, 16)));
}

/** CBOR `{1: gtin, 2: lot, 3: n, 4: "YYMMDD" [, 5: serial]}` (key 1 without a GTIN absent). */
export function detachedPayload(claims: LabelClaims): Uint8Array {
  check(claims);
  const parts: Uint8Array[] = [];
  let size = 3;
  if (claims.gtin !== null) {
    parts.push(Uint8Array.of(0x01), text(claims.gtin));
    size++;
  }
  parts.push(Uint8Array.of(0x02), text(claims.lot), Uint8Array.of(0x03), head(0, claims.seq), Uint8Array.of(0x04), text(yymmdd(claims.day)));
  if (claims.serial !== null) {
    parts.push(Uint8Array.of(0x05), text(claims.serial));
    size++;
  }
  return concatBytes(head(5, size), ...parts);
}

/** CBOR `["Signature1", protected, h'', payload]`: the bytes Ed25519 signs. */
export function sigStructure(kid: string, claims: LabelClaims): Uint8Array {
  return concatBytes(Uint8Array.of(0x84), text("Signature1"), bytes(protectedHeader(kid)), Uint8Array.of(0x40), bytes(detachedPayload(claims)));
}

/** The 64-byte signature as a big-endian integer in exactly 155 zero-padded digits. */
export function signatureDigits(signature: Uint8Array): string {
  if (signature.length !== 64) throw new Error("an Ed25519 signature is 64 bytes");
  let value = 0n;
  for (const byte of signature) value = (value << 8n) | BigInt(byte);
  return value.toString().padStart(155, "0");
}

/** The label's path: `/01/<GTIN>/10/<LOT>[/21/<SERIAL>]` or `/l/<LOT>[/21/<SERIAL>]`. */
export function labelPath(claims: LabelClaims): string {
  const base = claims.gtin !== null ? `/01/${claims.gtin}/10/${claims.lot}` : `/l/${claims.lot}`;
  return claims.serial === null ? base : `${base}/21/${claims.serial}`;
}

/** The QR text of a label signed by `signer` (whose key id is `kid`). */
export async function signLabel(signer: Signer, kid: string, claims: LabelClaims): Promise<string> {
  const signature = await signer.sign(sigStructure(kid, claims));
  return `https://${claims.host}${labelPath(claims)}?k=${kid.slice(0, 4)}&n=${claims.seq}&d=${yymmdd(claims.day)}&s=${signatureDigits(signature)}`;
}

/** Every label of an issuance: one per serial `serialFrom … serialFrom + units − 1`, or the one
 * label every unit shares when the issuance has no serials. */
export async function signIssuance(
  signer: Signer,
  kid: string,
  issuance: { readonly host: string; readonly gtin: string | null; readonly lot: string; readonly seq: number; readonly day: string; readonly units: number; readonly serialFrom: number | null },
): Promise<string[]> {
  const base = { host: issuance.host, gtin: issuance.gtin, lot: issuance.lot, seq: issuance.seq, day: issuance.day };
  if (issuance.serialFrom === null) return [await signLabel(signer, kid, { ...base, serial: null })];
  const out: string[] = [];
  for (let i = 0; i < issuance.units; i++) {
    out.push(await signLabel(signer, kid, { ...base, serial: String(issuance.serialFrom + i) }));
  }
  return out;
}
