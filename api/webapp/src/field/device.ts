/**
 * This phone's place in the association: its key, its outbox, and what the server says about
 * it (enrolled or not, for which association, by which log operator).
 *
 * The key and outbox are opened once per page and shared by every screen. The enrolment is
 * read from the server's trust list (`GET /api/v1/trustlist`: every enrolled device with its
 * association), the association from `GET /api/v1/orgs/{id}`, the operator from
 * `GET /api/v1/log`; the result is kept in localStorage so that a phone that once saw its
 * enrolment knows it offline, days later.
 */
import { loadOrCreateDeviceKey, requestPersistentStorage, type DeviceKey } from "../crypto/keystore";
import { Outbox } from "../outbox";
import { outboxCount } from "../shell/status";
import { store, type Store } from "../shell/store";
import type { Product } from "./bodies";
import { PersonalStore, uploadPersonalData } from "./personal";

let keyPromise: Promise<DeviceKey> | null = null;
let outboxPromise: Promise<Outbox> | null = null;

/** The device key, created on first use (and storage persistence requested then). */
export function deviceKey(): Promise<DeviceKey> {
  keyPromise ??= loadOrCreateDeviceKey().then((key) => {
    void requestPersistentStorage().catch(() => false);
    return key;
  });
  return keyPromise;
}

/** The outbox, opened once; keeps the status bar's count of records still to send. */
export function fieldOutbox(): Promise<Outbox> {
  outboxPromise ??= Outbox.open().then((outbox) => {
    const count = async () => {
      const c = await outbox.counts();
      outboxCount.set(c.queued + c.sending);
    };
    outbox.subscribe(() => void count());
    void count();
    startPersonalUpload(outbox);
    return outbox;
  });
  return outboxPromise;
}

export type EnrolmentStatus = "active" | "revoked" | "expired" | "not_enrolled";

/** What the server said about this device, last time it could be asked. */
export interface DeviceContext {
  readonly keyId: string;
  readonly status: EnrolmentStatus;
  readonly label: string | null;
  readonly orgId: string | null;
  readonly orgName: string | null;
  /** INEGI code of the association's state: where its plots and apiaries are checked. */
  readonly orgState: string | null;
  readonly products: readonly Product[];
  readonly entryTypes: readonly string[];
  readonly validUntil: string | null;
  readonly operator: { readonly origin: string; readonly keyId: string } | null;
  /** When the server answered (ISO 8601). */
  readonly checkedAt: string;
}

const CONTEXT_KEY = "biotraza.device";

function storedContext(): DeviceContext | null {
  try {
    const text = globalThis.localStorage?.getItem(CONTEXT_KEY);
    return text ? (JSON.parse(text) as DeviceContext) : null;
  } catch {
    return null;
  }
}

/** The last known context (null until the server was reached once). */
export const deviceContext: Store<DeviceContext | null> = store(storedContext());

interface TrustedDeviceDoc {
  key_id: string;
  org_id: string;
  label: string;
  entry_types: string[];
  valid_until: string | null;
  revoked_seq: number | null;
}

async function getJson<T>(fetcher: typeof fetch, url: string): Promise<T> {
  const response = await fetcher(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** Ask the server what it knows of `keyIdHex`; throws when it cannot be reached. */
export async function fetchDeviceContext(keyIdHex: string, fetcher: typeof fetch = fetch, now: Date = new Date()): Promise<DeviceContext> {
  const [trust, log] = await Promise.all([
    getJson<{ devices?: TrustedDeviceDoc[] }>(fetcher, "/api/v1/trustlist"),
    getJson<{ origin: string; operator_key_id: string }>(fetcher, "/api/v1/log").catch(() => null),
  ]);
  const device = (trust.devices ?? []).find((d) => d.key_id === keyIdHex);
  const operator = log ? { origin: log.origin, keyId: log.operator_key_id } : null;
  const checkedAt = now.toISOString();
  if (!device) {
    return { keyId: keyIdHex, status: "not_enrolled", label: null, orgId: null, orgName: null, orgState: null, products: [], entryTypes: [], validUntil: null, operator, checkedAt };
  }
  const org = await getJson<{ name?: string; state?: string; products?: Product[] }>(fetcher, `/api/v1/orgs/${encodeURIComponent(device.org_id)}`).catch(() => null);
  let status: EnrolmentStatus = "active";
  if (device.revoked_seq !== null) status = "revoked";
  else if (device.valid_until !== null && Date.parse(device.valid_until) < now.getTime()) status = "expired";
  return {
    keyId: keyIdHex,
    status,
    label: device.label,
    orgId: device.org_id,
    orgName: org?.name ?? null,
    orgState: org?.state ?? null,
    products: org?.products ?? [],
    entryTypes: device.entry_types,
    validUntil: device.valid_until,
    operator,
    checkedAt,
  };
}

/** Refresh the context from the server and remember it; on failure keep the last one. */
export async function refreshDeviceContext(fetcher: typeof fetch = fetch): Promise<DeviceContext | null> {
  const key = await deviceKey();
  try {
    const fresh = await fetchDeviceContext(key.keyId, fetcher);
    try {
      globalThis.localStorage?.setItem(CONTEXT_KEY, JSON.stringify(fresh));
    } catch {
      // Not remembered for offline starts, still shown now.
    }
    deviceContext.set(fresh);
    return fresh;
  } catch {
    return deviceContext.get();
  }
}

/**
 * Send members' personal data to the server (`personal.ts`): after every outbox change (a
 * member just signed), when the network returns, and every 30 s. Single-flight; a failure
 * just waits for the next turn.
 */
function startPersonalUpload(outbox: Outbox): void {
  if (typeof window === "undefined" || typeof indexedDB === "undefined") return;
  let running = false;
  const run = async () => {
    if (running || !navigator.onLine) return;
    running = true;
    try {
      const store = await PersonalStore.open();
      try {
        await uploadPersonalData(store);
      } finally {
        store.close();
      }
    } catch {
      // Tried again on the next change, reconnection or tick.
    } finally {
      running = false;
    }
  };
  outbox.subscribe(() => void run());
  window.addEventListener("online", () => void run());
  window.setInterval(() => void run(), 30_000);
  void run();
}
