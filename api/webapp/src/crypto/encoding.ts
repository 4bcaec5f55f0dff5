/**
 * Strict byte/text encodings, the same as `ledger/encoding.py` and the note parser in
 * `ledger/checkpoints.py`: one accepted spelling per value (no padding for base64url, padded
 * canonical standard base64, lowercase hex). A lenient decoder would let two strings name one
 * signature, which breaks "same statement ⇒ same bytes" that idempotent retries rely on.
 */

const B64URL = /^[A-Za-z0-9_-]*$/;
const B64STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[0-9a-f]{2})*$/;

function toBinaryString(data: Uint8Array): string {
  let text = "";
  for (const byte of data) text += String.fromCharCode(byte);
  return text;
}

function fromBinaryString(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Unpadded base64url (RFC 4648 §5), as entries carry keys and signatures. */
export function b64urlEncode(data: Uint8Array): string {
  return btoa(toBinaryString(data)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decode unpadded base64url, rejecting any non-canonical spelling or a wrong `size`. */
export function b64urlDecode(text: string, size?: number): Uint8Array {
  if (!B64URL.test(text) || text.length % 4 === 1) throw new Error("not unpadded base64url");
  const std = text.replace(/-/g, "+").replace(/_/g, "/");
  const data = fromBinaryString(atob(std + "=".repeat((4 - (std.length % 4)) % 4)));
  if (b64urlEncode(data) !== text) throw new Error("non-canonical base64url (stray trailing bits)");
  if (size !== undefined && data.length !== size) {
    throw new Error(`expected ${size} bytes, got ${data.length}`);
  }
  return data;
}

/** Standard padded base64 (RFC 4648 §4), as C2SP notes use. */
export function b64Encode(data: Uint8Array): string {
  return btoa(toBinaryString(data));
}

/** Decode standard padded base64 that must be spelled canonically. */
export function b64Decode(text: string): Uint8Array {
  if (!B64STD.test(text)) throw new Error(`expected standard base64, found ${JSON.stringify(text)}`);
  const data = fromBinaryString(atob(text));
  if (b64Encode(data) !== text) {
    throw new Error(`expected canonical base64, found ${JSON.stringify(text)}`);
  }
  return data;
}

/** Lowercase hex. */
export function hexEncode(data: Uint8Array): string {
  return Array.from(data, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Decode lowercase hex of an exact `size`, if given. */
export function hexDecode(text: string, size?: number): Uint8Array {
  if (!HEX.test(text)) throw new Error("not lowercase hex");
  const data = new Uint8Array(text.length / 2);
  for (let i = 0; i < data.length; i++) data[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  if (size !== undefined && data.length !== size) {
    throw new Error(`expected ${size} bytes, got ${data.length}`);
  }
  return data;
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

/** The concatenation of byte strings. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** SHA-256 (WebCrypto digest exists everywhere the app runs, including over plain HTTP on
 * localhost; only Ed25519 may be missing). */
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(data)));
}
