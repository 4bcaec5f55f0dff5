/**
 * The device's one key pair, kept in IndexedDB.
 *
 * IndexedDB stores a WebCrypto CryptoKey by structured clone, private part included but still
 * non-extractable: the page can sign with it after a reload, nobody can read it out. The
 * noble fallback stores its 32-byte seed (the best a browser without Ed25519 can do).
 * `navigator.storage.persist()` is requested so that the browser does not evict the key and
 * the outbox under storage pressure (a lost key means re-enrolling the device).
 *
 * Two tabs opening at once must end with one key: generation happens outside the
 * transaction (IndexedDB transactions cannot wait on WebCrypto), then `add` either stores it
 * or fails because another tab won, in which case the stored key is used.
 */
import { openDB, type IDBPDatabase } from "idb";
import { generateKeyMaterial, signerFrom, type Backend, type KeyMaterial, type Signer } from "./ed25519";
import { encodePublicKey, keyId } from "./keys";

export const KEY_DB_NAME = "biotraza-device";
const KEY_DB_VERSION = 1;
const STORE = "keys";
const DEVICE = "device";

interface StoredKey {
  readonly id: string;
  readonly material: KeyMaterial;
  readonly createdAt: string;
}

/** The device key: a signer plus the identifiers enrolment shows. */
export interface DeviceKey extends Signer {
  /** 32 lowercase hex, the `actor` of every statement it signs. */
  readonly keyId: string;
  /** Unpadded base64url of the raw public key (for the enrolment QR / short code). */
  readonly publicKeyText: string;
  /** When the key was generated (ISO 8601). */
  readonly createdAt: string;
}

function openKeyDb(name: string): Promise<IDBPDatabase> {
  return openDB(name, KEY_DB_VERSION, {
    upgrade(db, oldVersion) {
      // Versioned upgrade path: each step only adds, so no key is ever dropped.
      if (oldVersion < 1) db.createObjectStore(STORE, { keyPath: "id" });
    },
  });
}

async function toDeviceKey(stored: StoredKey): Promise<DeviceKey> {
  const signer = signerFrom(stored.material);
  return {
    backend: signer.backend,
    publicKey: signer.publicKey,
    sign: signer.sign,
    keyId: await keyId(signer.publicKey),
    publicKeyText: encodePublicKey(signer.publicKey),
    createdAt: stored.createdAt,
  };
}

export interface KeyStoreOptions {
  /** Force a backend (tests; a settings escape hatch). Default: WebCrypto when available. */
  readonly backend?: Backend;
  /** IndexedDB database name; default `biotraza-device`. */
  readonly dbName?: string;
}

/** The stored device key, or none yet. */
export async function loadDeviceKey(options: KeyStoreOptions = {}): Promise<DeviceKey | undefined> {
  const db = await openKeyDb(options.dbName ?? KEY_DB_NAME);
  try {
    const stored = (await db.get(STORE, DEVICE)) as StoredKey | undefined;
    return stored === undefined ? undefined : await toDeviceKey(stored);
  } finally {
    db.close();
  }
}

/** The device key, generated and stored on first use; the same key on every later call. */
export async function loadOrCreateDeviceKey(options: KeyStoreOptions = {}): Promise<DeviceKey> {
  const existing = await loadDeviceKey(options);
  if (existing !== undefined) return existing;
  const material = await generateKeyMaterial(options.backend);
  const db = await openKeyDb(options.dbName ?? KEY_DB_NAME);
  try {
    const fresh: StoredKey = { id: DEVICE, material, createdAt: new Date().toISOString() };
    try {
      await db.add(STORE, fresh);
      return await toDeviceKey(fresh);
    } catch (error) {
      if ((error as DOMException).name !== "ConstraintError") throw error;
      return await toDeviceKey((await db.get(STORE, DEVICE)) as StoredKey);
    }
  } finally {
    db.close();
  }
}

/** Ask the browser to keep this origin's storage (key + outbox) out of eviction.
 * Returns whether storage is persistent; false where the API is missing. */
export async function requestPersistentStorage(storage: StorageManager | undefined = globalThis.navigator?.storage): Promise<boolean> {
  if (storage === undefined || typeof storage.persist !== "function") return false;
  if (typeof storage.persisted === "function" && (await storage.persisted())) return true;
  return storage.persist();
}
