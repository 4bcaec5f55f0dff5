/**
 * The device key in IndexedDB (fake-indexeddb: the spec's algorithms in Node, with Node's own
 * structured clone, which stores a real CryptoKey just as a browser does).
 */
import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { verifyEd25519, webCryptoEd25519Available } from "../src/crypto/ed25519";
import { keyId } from "../src/crypto/keys";
import { loadDeviceKey, loadOrCreateDeviceKey, requestPersistentStorage } from "../src/crypto/keystore";
import { signStatement, signedMessage } from "../src/crypto/statements";
import { b64urlDecode } from "../src/crypto/encoding";

let counter = 0;
const freshDb = (): string => `keys-test-${++counter}-${Date.now()}`;

describe("device key store", () => {
  it("WebCrypto Ed25519 is available in this runtime (so the default path is exercised)", async () => {
    expect(await webCryptoEd25519Available()).toBe(true);
  });

  it.each(["webcrypto", "noble"] as const)("%s: created once, the same key after a reload", async (backend) => {
    const dbName = freshDb();
    expect(await loadDeviceKey({ dbName })).toBeUndefined();
    const first = await loadOrCreateDeviceKey({ dbName, backend });
    expect(first.backend).toBe(backend);
    expect(first.keyId).toBe(await keyId(first.publicKey));
    expect(b64urlDecode(first.publicKeyText, 32)).toEqual(first.publicKey);
    const again = await loadOrCreateDeviceKey({ dbName }); // a reload: no backend preference
    expect(again.keyId).toBe(first.keyId);
    expect(again.backend).toBe(backend);
    // The reloaded key signs statements that verify under the enrolled public key.
    const signed = await signStatement(again, "example.note", { a: 1 });
    expect(signed.statement.actor).toBe(first.keyId);
    const ok = await verifyEd25519(first.publicKey, signedMessage(signed.statement), b64urlDecode(signed.sig, 64));
    expect(ok).toBe(true);
  });

  it("the default is WebCrypto with a non-extractable private key", async () => {
    const dbName = freshDb();
    await loadOrCreateDeviceKey({ dbName });
    const { openDB } = await import("idb");
    const db = await openDB(dbName);
    const stored = (await db.get("keys", "device")) as { material: { backend: string; privateKey: CryptoKey } };
    db.close();
    expect(stored.material.backend).toBe("webcrypto");
    expect(stored.material.privateKey).toBeInstanceOf(CryptoKey);
    expect(stored.material.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey("pkcs8", stored.material.privateKey)).rejects.toThrow();
  });

  it("two tabs creating at once end with one key", async () => {
    const dbName = freshDb();
    const keys = await Promise.all([1, 2, 3].map(() => loadOrCreateDeviceKey({ dbName })));
    const ids = new Set(keys.map((k) => k.keyId));
    expect(ids.size).toBe(1);
    expect((await loadDeviceKey({ dbName }))?.keyId).toBe(keys[0]?.keyId);
  });

  it("persistent storage: false where the browser has no StorageManager", async () => {
    expect(await requestPersistentStorage(undefined)).toBe(false);
  });
});
