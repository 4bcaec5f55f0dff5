/**
 * RFC 8785 JSON Canonicalization Scheme: the exact bytes a statement is signed over.
 *
 * We use the `canonicalize` package (the RFC author's reference JavaScript implementation)
 * rather than writing our own, and only add the UTF-8 encoding step; the Python side
 * (`ledger.canonical`) must produce the same bytes, which tests/jcs.test.ts checks against
 * the shared RFC 8785 vectors in tests/vectors/rfc8785_jcs.json.
 */
import canonicalizeText from "canonicalize";

/** JCS text of `value`; throws on values JSON cannot carry (NaN, Infinity, undefined). */
export function canonicalText(value: unknown): string {
  const text = canonicalizeText(value);
  if (text === undefined) throw new TypeError("value has no JSON representation");
  return text;
}

/** JCS bytes (UTF-8) of `value`. */
export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalText(value));
}
