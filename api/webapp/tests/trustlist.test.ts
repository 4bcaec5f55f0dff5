/** The Recibos screen's check, answer for answer as Python: the served trust list (signed by
 * the log operator under the root-signed genesis) verifies under the pinned root only, every
 * altered copy fails as `verify_trust_list` fails it, receipts get Python's verdicts and
 * sentences (tests/vectors/trustlist_delegated.json), and the root keys are pinned on first
 * use from the genesis only when it is genuine and names the operator key already pinned. */
import { beforeEach, describe, expect, it } from "vitest";
import { noteKeyId } from "../src/crypto/checkpoints";
import { b64urlDecode, hexEncode } from "../src/crypto/encoding";
import { checkReceipt, receiptMessage, verifyTrustList, type TrustList } from "../src/receipts";
import { loadTrustedList, pinnedRootKeys, pinRootKeysFrom, ROOT_KEYS_STORAGE } from "../src/receipts/pinned";
import { readVector } from "./vectors";

interface Vectors {
  root_public_key: string;
  lists: { name: string; trust_list: TrustList; roots: string[]; ok: boolean }[];
  receipts: { name: string; text: string; association: string; status: string; detail: string; message: { es: string; en: string } }[];
}
const V = readVector<Vectors>("trustlist_delegated.json");
const served = V.lists[0]!.trust_list;

/** The browser's localStorage, for Node: a plain key-value store. */
class MemoryStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

async function verifierKeyOf(name: string, publicKey: Uint8Array): Promise<string> {
  const id = hexEncode(await noteKeyId(name, publicKey));
  return `${name}+${id}+${Buffer.from([1, ...publicKey]).toString("base64")}`;
}

function operatorPublicKey(): Uint8Array {
  const delegation = served.signature!.delegation as { statement: { body: { operator_key: { public_key: string } } } };
  return b64urlDecode(delegation.statement.body.operator_key.public_key, 32);
}

const answer = (doc: unknown) => (async () => new Response(JSON.stringify(doc), { status: 200 })) as typeof fetch;

beforeEach(() => {
  (globalThis as { localStorage?: unknown }).localStorage = new MemoryStorage();
});

describe("trust list signature, as Python", () => {
  it.each(V.lists.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const roots = c.roots.map((r) => b64urlDecode(r, 32));
    const outcome = await verifyTrustList(c.trust_list, roots).then(() => true, () => false);
    expect(outcome).toBe(c.ok);
  });
});

describe("receipts against the served list, as Python", () => {
  it.each(V.receipts.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const verdict = await checkReceipt(c.text, served, { association: c.association });
    expect([verdict.status, verdict.detail]).toEqual([c.status, c.detail]);
    expect(receiptMessage(verdict, "es")).toBe(c.message.es);
    expect(receiptMessage(verdict, "en")).toBe(c.message.en);
  });
});

describe("root keys pinned on first use", () => {
  it("come from the genuine genesis and then stay", async () => {
    expect(pinnedRootKeys()).toEqual([]);
    const loaded = await loadTrustedList(answer(served));
    expect(loaded.ok).toBe(true);
    expect(pinnedRootKeys()).toEqual([b64urlDecode(V.root_public_key, 32)]);
    // A list from another ledger cannot replace them: it no longer verifies.
    const stranger = V.lists.find((c) => c.name === "another ledger's root pinned")!;
    expect(stranger.ok).toBe(false);
    const changed = V.lists.find((c) => c.name === "a device's label changed")!;
    const refused = await loadTrustedList(answer(changed.trust_list));
    expect(refused).toMatchObject({ ok: false, problem: "invalid" });
  });

  it("are taken only if the genesis names the operator key this phone pinned", async () => {
    const operator = operatorPublicKey();
    expect(await pinRootKeysFrom(served, await verifierKeyOf("operator", operator))).toHaveLength(1);
    localStorage.removeItem(ROOT_KEYS_STORAGE);
    const other = new Uint8Array(32).fill(7);
    expect(await pinRootKeysFrom(served, await verifierKeyOf("operator", other))).toEqual([]);
    expect(pinnedRootKeys()).toEqual([]);
  });

  it("are not taken from a list whose delegation is no genesis, and a missing list says so", async () => {
    const certifier = V.lists.find((c) => c.name.startsWith("delegation that names no operator"))!;
    expect(await pinRootKeysFrom(certifier.trust_list, null)).toEqual([]);
    expect(await loadTrustedList(answer(certifier.trust_list))).toMatchObject({ ok: false, problem: "invalid" });
    const offline = (async () => {
      throw new TypeError("Failed to fetch");
    }) as typeof fetch;
    expect(await loadTrustedList(offline)).toMatchObject({ ok: false, problem: "unavailable" });
  });
});
