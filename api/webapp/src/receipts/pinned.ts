/**
 * The trust list the Recibos screen verifies receipts against, checked against root keys
 * pinned on this device — the app's `biotraza receipt verify --trust-list … --root-key …`.
 *
 * Root keys are pinned on first use (localStorage `biotraza.rootKeys`), as the log operator's
 * key is (`sync/session.ts`): taken from the genesis statement the served list carries as its
 * signature's delegation, only if that genesis is signed by one of the keys it names and —
 * when the operator key is pinned already — names that same operator key. Later lists must
 * verify under the pinned roots (`verifyTrustList`, Python's rules); nothing the server sends
 * afterwards can replace them.
 *
 * Offline, the service worker answers `/api/v1/trustlist` with the copy from the last visit
 * online, so a receipt verifies with no network at all (revocations as of that copy).
 */
import { parseVerifierKey } from "../crypto/checkpoints";
import { b64urlDecode, b64urlEncode } from "../crypto/encoding";
import { pinnedOperatorKey } from "../sync/session";
import { genesisRootKeys, TrustListError, verifyTrustList, type TrustList } from "./trustlist";

export const ROOT_KEYS_STORAGE = "biotraza.rootKeys";

/** The pinned root public keys (raw), empty before the first contact. */
export function pinnedRootKeys(): Uint8Array[] {
  try {
    const text = globalThis.localStorage?.getItem(ROOT_KEYS_STORAGE);
    if (!text) return [];
    return (JSON.parse(text) as string[]).map((k) => b64urlDecode(k, 32));
  } catch {
    return [];
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Pin the root keys of `trustList`'s genesis delegation if none are pinned (see the module
 * note); returns the pinned keys (empty if there is nothing trustworthy to pin).
 */
export async function pinRootKeysFrom(trustList: TrustList, operatorKey: string | null = pinnedOperatorKey()): Promise<Uint8Array[]> {
  const pinned = pinnedRootKeys();
  if (pinned.length > 0) return pinned;
  const delegation = trustList.signature?.delegation ?? null;
  const roots = await genesisRootKeys(delegation);
  if (roots === null) return [];
  if (operatorKey !== null) {
    const named = (delegation as { statement: { body: { operator_key?: { public_key?: unknown } } } }).statement.body.operator_key?.public_key;
    const operator = (await parseVerifierKey(operatorKey).catch(() => null))?.publicKey ?? null;
    if (operator === null || typeof named !== "string" || !sameBytes(b64urlDecode(named, 32), operator)) return [];
  }
  try {
    globalThis.localStorage?.setItem(ROOT_KEYS_STORAGE, JSON.stringify(roots.map((k) => b64urlEncode(k))));
  } catch {
    // Storage refused: verified for this visit only.
  }
  return roots;
}

export type LoadedTrustList =
  | { readonly ok: true; readonly trustList: TrustList }
  /** `unavailable`: no list (offline on a first visit); `invalid`: it does not verify under
   * the pinned roots, or no root could be pinned. */
  | { readonly ok: false; readonly problem: "unavailable" | "invalid"; readonly error: string };

/** Fetch the served list (the worker's copy offline), pin roots on first use, verify it. */
export async function loadTrustedList(fetcher: typeof fetch = fetch): Promise<LoadedTrustList> {
  let trustList: TrustList;
  try {
    const response = await fetcher("/api/v1/trustlist", { headers: { Accept: "application/json" } });
    if (!response.ok) return { ok: false, problem: "unavailable", error: `HTTP ${response.status}` };
    trustList = (await response.json()) as TrustList;
  } catch (error) {
    return { ok: false, problem: "unavailable", error: (error as Error).message };
  }
  try {
    const roots = await pinRootKeysFrom(trustList);
    await verifyTrustList(trustList, roots);
    return { ok: true, trustList };
  } catch (error) {
    if (error instanceof TrustListError) return { ok: false, problem: "invalid", error: error.message };
    throw error;
  }
}
