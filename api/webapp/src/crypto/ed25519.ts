/**
 * Ed25519 on the device: WebCrypto where the browser has it, `@noble/ed25519` otherwise.
 *
 * Why two backends: WebCrypto Ed25519 lets the private key be *non-extractable* (script on the
 * page can sign with it but never read it, and it survives in IndexedDB as an opaque
 * CryptoKey), but older Android WebViews lack the algorithm. There the audited pure-JS
 * `@noble/ed25519` signs with a 32-byte seed kept in IndexedDB. Both are RFC 8032 and
 * deterministic, so one seed gives byte-identical signatures on either path (the tests check
 * both against RFC 8032 §7.1 and the golden entry the Python side pins).
 *
 * Verification (checkpoints, tests) always uses noble with `zip215: false`, the strict RFC
 * 8032 rules that Python's `cryptography` applies, so a note the server would reject is not
 * accepted here either, whatever the browser.
 */
import * as noble from "@noble/ed25519";
import { concatBytes } from "./encoding";
import { PUBLIC_KEY_SIZE, SIGNATURE_SIZE } from "./keys";

export type Backend = "webcrypto" | "noble";

/** What is persisted for a device key (IndexedDB can store a CryptoKey as is). */
export type KeyMaterial =
  | { readonly backend: "webcrypto"; readonly privateKey: CryptoKey; readonly publicKey: Uint8Array }
  | { readonly backend: "noble"; readonly secretKey: Uint8Array; readonly publicKey: Uint8Array };

/** A key that can sign: the raw public key and a signing function, whatever the backend. */
export interface Signer {
  readonly backend: Backend;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

const ED25519 = { name: "Ed25519" } as const;
/** PKCS#8 prefix of an Ed25519 private key (RFC 8410): the seed follows. */
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

let probe: Promise<boolean> | undefined;

/** Whether this browser's WebCrypto can generate and use Ed25519 keys (probed once). */
export function webCryptoEd25519Available(): Promise<boolean> {
  probe ??= (async () => {
    try {
      const pair = await crypto.subtle.generateKey(ED25519, false, ["sign", "verify"]);
      if (!("privateKey" in pair)) return false;
      await crypto.subtle.sign(ED25519, pair.privateKey, new Uint8Array(1));
      return true;
    } catch {
      return false;
    }
  })();
  return probe;
}

async function rawPublicKey(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey("raw", key));
}

/** Generate a fresh key pair: WebCrypto (private key non-extractable) when available and
 * not overridden, else noble with a random seed from the platform's CSPRNG. */
export async function generateKeyMaterial(backend?: Backend): Promise<KeyMaterial> {
  const chosen = backend ?? ((await webCryptoEd25519Available()) ? "webcrypto" : "noble");
  if (chosen === "webcrypto") {
    const pair = (await crypto.subtle.generateKey(ED25519, false, ["sign", "verify"])) as CryptoKeyPair;
    return { backend: "webcrypto", privateKey: pair.privateKey, publicKey: await rawPublicKey(pair.publicKey) };
  }
  const secretKey = noble.utils.randomSecretKey();
  return { backend: "noble", secretKey, publicKey: await noble.getPublicKeyAsync(secretKey) };
}

/** Key material from a known 32-byte RFC 8032 seed (known-answer tests; never the app's
 * keys, which are generated). The WebCrypto key is imported non-extractable all the same. */
export async function keyMaterialFromSeed(seed: Uint8Array, backend: Backend): Promise<KeyMaterial> {
  if (seed.length !== 32) throw new Error(`ed25519 seed must be 32 bytes, got ${seed.length}`);
  const publicKey = await noble.getPublicKeyAsync(seed);
  if (backend === "noble") return { backend, secretKey: Uint8Array.from(seed), publicKey };
  const privateKey = await crypto.subtle.importKey("pkcs8", concatBytes(PKCS8_PREFIX, seed), ED25519, false, ["sign"]);
  return { backend, privateKey, publicKey };
}

/** A signer over stored key material. */
export function signerFrom(material: KeyMaterial): Signer {
  if (material.publicKey.length !== PUBLIC_KEY_SIZE) throw new Error("ed25519 public key must be 32 bytes");
  if (material.backend === "webcrypto") {
    const { privateKey } = material;
    return {
      backend: "webcrypto",
      publicKey: material.publicKey,
      sign: async (message) =>
        new Uint8Array(await crypto.subtle.sign(ED25519, privateKey, new Uint8Array(message))),
    };
  }
  const { secretKey } = material;
  return { backend: "noble", publicKey: material.publicKey, sign: (message) => noble.signAsync(message, secretKey) };
}

/** Strict RFC 8032 verification; false (never a throw) for any malformed input. */
export async function verifyEd25519(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (publicKey.length !== PUBLIC_KEY_SIZE || signature.length !== SIGNATURE_SIZE) return false;
  try {
    return await noble.verifyAsync(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
