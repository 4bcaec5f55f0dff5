/**
 * Verifying a W3C Data Integrity `eddsa-jcs-2022` proof in the browser, so the public
 * credential verifier checks a producer's credential without trusting the server.
 *
 * The same steps as the Python side (`verifiers/data_integrity.py`, VC-DI-EdDSA §3.3.2):
 * hashData = SHA-256(JCS(proof without proofValue, with the document's @context)) ||
 * SHA-256(JCS(document without proof)); Ed25519 over those 64 bytes; the key is the
 * `did:key` Ed25519 verification method. Both are tested against the W3C vectors in
 * tests/vectors/oracles/vc-di-eddsa-jcs-2022. Creating a proof (§3.3.1) is the office's way of
 * issuing a credential with the association's key, which never leaves its browser.
 */
import { verifyEd25519, type Signer } from "./ed25519";
import { concatBytes, sha256 } from "./encoding";
import { canonicalBytes } from "./jcs";

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** Base58-btc text to bytes; throws on a character outside the alphabet. */
export function base58btcDecode(text: string): Uint8Array {
  let value = 0n;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) throw new Error(`${JSON.stringify(char)} is not a base58-btc character`);
    value = value * 58n + BigInt(digit);
  }
  const body: number[] = [];
  while (value > 0n) {
    body.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  const zeros = text.length - text.replace(/^1+/, "").length;
  return new Uint8Array([...new Array<number>(zeros).fill(0), ...body]);
}

/** Bytes to base58-btc text (leading zero bytes as "1"). */
export function base58btcEncode(data: Uint8Array): string {
  let value = 0n;
  for (const byte of data) value = (value << 8n) | BigInt(byte);
  let text = "";
  while (value > 0n) {
    text = ALPHABET[Number(value % 58n)]! + text;
    value /= 58n;
  }
  let zeros = 0;
  while (zeros < data.length && data[zeros] === 0) zeros += 1;
  return "1".repeat(zeros) + text;
}

/** The `did:key:z6Mk…#z6Mk…` verification method of a raw Ed25519 public key. */
export function didKeyFromPublic(publicKey: Uint8Array): string {
  const multibase = `z${base58btcEncode(concatBytes(Uint8Array.from([0xed, 0x01]), publicKey))}`;
  return `did:key:${multibase}#${multibase}`;
}

/** The raw Ed25519 public key of a `did:key:z6Mk…` verification method, or null. */
export function publicKeyFromDidKey(method: string): Uint8Array | null {
  const match = /^did:key:(z[1-9A-HJ-NP-Za-km-z]+)(?:#(z[1-9A-HJ-NP-Za-km-z]+))?$/.exec(method);
  if (!match || (match[2] !== undefined && match[2] !== match[1])) return null;
  const data = base58btcDecode(match[1]!.slice(1));
  if (data.length !== 34 || data[0] !== 0xed || data[1] !== 0x01) return null;
  return data.slice(2);
}

type Json = Record<string, unknown>;

/** What a proof check found: the signer's key when valid, else the field at fault. */
export type ProofCheck = { ok: true; publicKey: Uint8Array } | { ok: false; field: string };

function startsWith(documentContext: unknown, proofContext: unknown): boolean {
  const doc = Array.isArray(documentContext) ? documentContext : [documentContext];
  const proof = Array.isArray(proofContext) ? proofContext : [proofContext];
  return proof.every((item, i) => JSON.stringify(item) === JSON.stringify(doc[i]));
}

/** Verify an `eddsa-jcs-2022` proof; never throws for malformed input. */
export async function verifyDataIntegrity(secured: Json): Promise<ProofCheck> {
  const proof = secured["proof"];
  if (typeof proof !== "object" || proof === null || Array.isArray(proof)) return { ok: false, field: "proof" };
  const { proofValue, ...options } = proof as Json;
  if (options["type"] !== "DataIntegrityProof") return { ok: false, field: "proof.type" };
  if (options["cryptosuite"] !== "eddsa-jcs-2022") return { ok: false, field: "proof.cryptosuite" };
  const method = options["verificationMethod"];
  const publicKey = typeof method === "string" ? publicKeyFromDidKey(method) : null;
  if (publicKey === null) return { ok: false, field: "proof.verificationMethod" };
  if (typeof proofValue !== "string" || !proofValue.startsWith("z")) return { ok: false, field: "proof.proofValue" };
  let signature: Uint8Array;
  try {
    signature = base58btcDecode(proofValue.slice(1));
  } catch {
    return { ok: false, field: "proof.proofValue" };
  }
  const { proof: _omitted, ...unsecured } = secured;
  if ("@context" in options) {
    if (!startsWith(secured["@context"], options["@context"])) return { ok: false, field: "proof.@context" };
    unsecured["@context"] = options["@context"];
  }
  const config: Json = { ...options };
  if ("@context" in unsecured) config["@context"] = unsecured["@context"];
  const hashData = concatBytes(await sha256(canonicalBytes(config)), await sha256(canonicalBytes(unsecured)));
  const ok = await verifyEd25519(publicKey, hashData, signature);
  return ok ? { ok: true, publicKey } : { ok: false, field: "proof.proofValue" };
}

/** `document` with an `eddsa-jcs-2022` proof by `signer` added (§3.3.1, §3.3.5): the proof
 * configuration carries the document's `@context`, as `verifiers/data_integrity.py` writes it. */
export async function createDataIntegrityProof(document: Json, signer: Signer, created: string): Promise<Json> {
  if ("proof" in document) throw new Error("proof: the document is already signed");
  const config: Json = {
    type: "DataIntegrityProof",
    cryptosuite: "eddsa-jcs-2022",
    created,
    verificationMethod: didKeyFromPublic(signer.publicKey),
    proofPurpose: "assertionMethod",
  };
  if ("@context" in document) config["@context"] = document["@context"];
  const hashData = concatBytes(await sha256(canonicalBytes(config)), await sha256(canonicalBytes(document)));
  const signature = await signer.sign(hashData);
  return { ...document, proof: { ...config, proofValue: `z${base58btcEncode(signature)}` } };
}
