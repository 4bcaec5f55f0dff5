/**
 * Operator key pinning (src/sync/session.ts): the first key is kept, a different one is
 * refused unless a person replaces it on purpose, and something that is not a verifier key
 * is never pinned. The browser's localStorage is played by a Map-backed Storage.
 */
import "fake-indexeddb/auto";
import { beforeEach, describe, expect, it } from "vitest";
import { keyMaterialFromSeed } from "../src/crypto/ed25519";
import { b64Encode, concatBytes, sha256, utf8 } from "../src/crypto/encoding";
import { OPERATOR_KEY_STORAGE, pinOperatorKey, pinnedOperatorKey } from "../src/sync/session";

class MemoryStorage {
  private readonly data = new Map<string, string>();
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
}

/** A C2SP verifier key string `<name>+<8 hex key hash>+<base64(0x01 ‖ public key)>`. */
async function verifierKey(name: string, seedText: string): Promise<string> {
  const { publicKey } = await keyMaterialFromSeed(await sha256(utf8(seedText)), "noble");
  const body = concatBytes(new Uint8Array([1]), publicKey);
  const hash = (await sha256(concatBytes(utf8(name), new Uint8Array([10]), body))).slice(0, 4);
  const hex = Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${name}+${hex}+${b64Encode(body)}`;
}

beforeEach(() => {
  Object.assign(globalThis, { localStorage: new MemoryStorage() });
});

describe("operator key pinning", () => {
  it("keeps the first key and refuses another unless replaced on purpose", async () => {
    const first = await verifierKey("log.example", "operator-1");
    const second = await verifierKey("log.example", "operator-2");
    expect(pinnedOperatorKey()).toBeNull();
    await pinOperatorKey(first);
    expect(localStorage.getItem(OPERATOR_KEY_STORAGE)).toBe(first);
    await pinOperatorKey(first); // the same key again is fine
    await expect(pinOperatorKey(second)).rejects.toThrow(/already pinned/);
    expect(pinnedOperatorKey()).toBe(first);
    await pinOperatorKey(second, { replace: true });
    expect(pinnedOperatorKey()).toBe(second);
  });

  it("never pins something that is not a verifier key", async () => {
    await expect(pinOperatorKey("not a key")).rejects.toThrow();
    expect(pinnedOperatorKey()).toBeNull();
  });
});
