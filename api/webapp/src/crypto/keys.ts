/**
 * Key ids and public-key text, exactly as `ledger/keys.py`: the key id is the lowercase hex of
 * SHA-256(raw 32-byte public key)[:16]; entries carry public keys as unpadded base64url.
 */
import { b64urlEncode, hexEncode, sha256 } from "./encoding";

export const PUBLIC_KEY_SIZE = 32;
export const SIGNATURE_SIZE = 64;

function checkSize(raw: Uint8Array): void {
  if (raw.length !== PUBLIC_KEY_SIZE) {
    throw new Error(`ed25519 public key must be 32 bytes, got ${raw.length}`);
  }
}

/** The key id (32 lowercase hex) of a raw public key: what a statement's `actor` holds. */
export async function keyId(publicKey: Uint8Array): Promise<string> {
  checkSize(publicKey);
  return hexEncode((await sha256(publicKey)).slice(0, 16));
}

/** The unpadded base64url text of a raw public key, as entries (and enrolment) carry it. */
export function encodePublicKey(publicKey: Uint8Array): string {
  checkSize(publicKey);
  return b64urlEncode(publicKey);
}

/**
 * The short code people read aloud or type to match a device with its enrolment: the first
 * 12 hex digits of the key id in three groups, `a1b2-c3d4-e5f6`. 48 bits is plenty to tell
 * an association's phones apart and to catch a mistyped or wrong device; the full public key
 * (in the QR) is what the enrolment actually signs. The one formatter of it in the app.
 */
export function shortCode(keyIdHex: string): string {
  if (!/^[0-9a-f]{12,}$/.test(keyIdHex)) throw new Error(`not a key id: ${keyIdHex}`);
  return `${keyIdHex.slice(0, 4)}-${keyIdHex.slice(4, 8)}-${keyIdHex.slice(8, 12)}`;
}
