/**
 * The association's key in the office browser: imported once from the file
 * `biotraza keys export-for-browser` writes (`ledger/browser_keyfile.py`), kept in IndexedDB as
 * a non-extractable WebCrypto key, and used to sign `device.enrolled` / `device.revoked`.
 *
 * Opening the file needs WebCrypto alone: PBKDF2-HMAC-SHA256 derives the AES-256-GCM key from
 * the passphrase; every field but the ciphertext is the associated data (RFC 8785 bytes), so
 * a changed parameter, key id or public key fails like a wrong passphrase. The opened key must
 * match the file's key id and public key. The same bytes are pinned on both sides by
 * `tests/vectors/browser_key.json`.
 */
import { openDB, type IDBPDatabase } from "idb";
import { keyMaterialFromSeed, signerFrom, webCryptoEd25519Available, type KeyMaterial, type Signer } from "../crypto/ed25519";
import { b64urlDecode } from "../crypto/encoding";
import { canonicalBytes } from "../crypto/jcs";
import { encodePublicKey, keyId } from "../crypto/keys";

export const OFFICE_DB_NAME = "biotraza-office";
const STORE = "keys";
const ASSOCIATION = "association";

/** Why a file could not be opened: `not_a_key_file`, `bad_parameters`, `wrong_passphrase`
 * (or a changed file: GCM cannot tell them apart), `key_mismatch`. */
export class KeyFileError extends Error {
  override readonly name = "KeyFileError";
  constructor(
    readonly code: "not_a_key_file" | "bad_parameters" | "wrong_passphrase" | "key_mismatch",
    message: string,
  ) {
    super(message);
  }
}

export interface AssociationKey extends Signer {
  readonly keyId: string;
  readonly publicKeyText: string;
}

interface StoredKey {
  readonly id: string;
  readonly material: KeyMaterial;
  readonly importedAt: string;
}

const HEADER = ["format", "version", "content", "key_id", "public_key", "kdf", "cipher"] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Open a browser key file with its passphrase: the raw 32-byte Ed25519 private key. */
export async function openBrowserKeyFile(text: string, passphrase: string): Promise<Uint8Array> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new KeyFileError("not_a_key_file", "not JSON");
  }
  if (!isObject(doc) || doc["format"] !== "biotraza-browser-key" || doc["version"] !== 1 || doc["content"] !== "ed25519-private-key") {
    throw new KeyFileError("not_a_key_file", "not a version-1 browser key file");
  }
  const kdf = doc["kdf"];
  const cipher = doc["cipher"];
  if (!isObject(kdf) || !isObject(cipher) || kdf["name"] !== "pbkdf2-sha256" || cipher["name"] !== "aes-256-gcm") {
    throw new KeyFileError("bad_parameters", "unknown key derivation or cipher");
  }
  const iterations = kdf["iterations"];
  if (typeof iterations !== "number" || !Number.isSafeInteger(iterations) || iterations < 100_000 || iterations > 10_000_000) {
    throw new KeyFileError("bad_parameters", "iterations out of bounds");
  }
  let salt: Uint8Array, nonce: Uint8Array, sealed: Uint8Array;
  try {
    salt = b64urlDecode(String(kdf["salt"]), 16);
    nonce = b64urlDecode(String(cipher["nonce"]), 12);
    sealed = b64urlDecode(String(doc["ciphertext"]), 48);
  } catch (error) {
    throw new KeyFileError("bad_parameters", (error as Error).message);
  }
  const header = Object.fromEntries(HEADER.map((k) => [k, doc[k]]));
  const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  const aes = await crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: new Uint8Array(salt), iterations },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["decrypt"],
  );
  let seed: Uint8Array;
  try {
    seed = new Uint8Array(
      await crypto.subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(nonce), additionalData: new Uint8Array(canonicalBytes(header)) }, aes, new Uint8Array(sealed)),
    );
  } catch {
    throw new KeyFileError("wrong_passphrase", "wrong passphrase, or the file was changed");
  }
  const material = await keyMaterialFromSeed(seed, "noble");
  if ((await keyId(material.publicKey)) !== doc["key_id"] || encodePublicKey(material.publicKey) !== doc["public_key"]) {
    throw new KeyFileError("key_mismatch", "the key does not match its key id");
  }
  return seed;
}

function openOfficeDb(name: string): Promise<IDBPDatabase> {
  return openDB(name, 1, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) db.createObjectStore(STORE, { keyPath: "id" });
    },
  });
}

async function toKey(material: KeyMaterial): Promise<AssociationKey> {
  const signer = signerFrom(material);
  return { ...signer, keyId: await keyId(signer.publicKey), publicKeyText: encodePublicKey(signer.publicKey) };
}

/** Import the file and keep the key (non-extractable where WebCrypto has Ed25519). */
export async function importAssociationKey(text: string, passphrase: string, dbName = OFFICE_DB_NAME): Promise<AssociationKey> {
  const seed = await openBrowserKeyFile(text, passphrase);
  const material = await keyMaterialFromSeed(seed, (await webCryptoEd25519Available()) ? "webcrypto" : "noble");
  seed.fill(0);
  const db = await openOfficeDb(dbName);
  try {
    await db.put(STORE, { id: ASSOCIATION, material, importedAt: new Date().toISOString() } satisfies StoredKey);
  } finally {
    db.close();
  }
  return toKey(material);
}

/** The imported key, or none. */
export async function loadAssociationKey(dbName = OFFICE_DB_NAME): Promise<AssociationKey | undefined> {
  const db = await openOfficeDb(dbName);
  try {
    const stored = (await db.get(STORE, ASSOCIATION)) as StoredKey | undefined;
    return stored === undefined ? undefined : await toKey(stored.material);
  } finally {
    db.close();
  }
}

/** Remove the key from this browser (a shared computer, a handover). */
export async function forgetAssociationKey(dbName = OFFICE_DB_NAME): Promise<void> {
  const db = await openOfficeDb(dbName);
  try {
    await db.delete(STORE, ASSOCIATION);
  } finally {
    db.close();
  }
}
