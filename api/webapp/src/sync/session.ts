/**
 * The page's one sync session: the device key, the outbox, the transport to the server the
 * app came from, automatic sync, and what the screens show about them (progress, the last
 * report, the outbox count).
 *
 * **Operator key pinning.** The device verifies every checkpoint with the log operator's
 * verifier key; that key is the one thing it trusts without computing it, so it is kept in
 * `localStorage` (`biotraza.operatorKey`) the first time the device talks to its server
 * (trust on first use, at enrolment, in the office) and never silently replaced: a server
 * that later presents another key gets nothing confirmed (`checkpoint_invalid`) until a person
 * pins the new key on purpose (`pinOperatorKey(key, {replace: true})`).
 */
import { parseVerifierKey } from "../crypto/checkpoints";
import { shortCode } from "../crypto/keys";
import type { DeviceKey } from "../crypto/keystore";
import { deviceKey, fieldOutbox } from "../field/device";
import type { Outbox } from "../outbox/outbox";
import { store } from "../shell/store";
import { startAutoSync, syncOnce, type AutoSync, type SyncProgress, type SyncReport } from "./sync";
import { httpTransport, type Transport } from "./transport";

export const OPERATOR_KEY_STORAGE = "biotraza.operatorKey";

/** The pinned operator verifier key, or null before the first contact with the server. */
export function pinnedOperatorKey(): string | null {
  try {
    return localStorage.getItem(OPERATOR_KEY_STORAGE);
  } catch {
    return null;
  }
}

/** Pin the log operator's verifier key (checked to be one). Refuses to replace another
 * pinned key unless `replace` says a person decided so. */
export async function pinOperatorKey(key: string, options: { replace?: boolean } = {}): Promise<void> {
  await parseVerifierKey(key);
  const current = pinnedOperatorKey();
  if (current !== null && current !== key && options.replace !== true) {
    throw new Error("another operator key is already pinned on this device");
  }
  localStorage.setItem(OPERATOR_KEY_STORAGE, key);
}

/** The pinned key, or — on first contact — the server's, pinned now. */
export async function operatorKey(transport: Transport): Promise<string> {
  const pinned = pinnedOperatorKey();
  if (pinned !== null) return pinned;
  const { verifier_key: key } = await transport.logInfo();
  await pinOperatorKey(key);
  return key;
}

export interface Session {
  readonly device: DeviceKey;
  readonly outbox: Outbox;
  readonly transport: Transport;
}

/** Progress of the run going on (null when none), and the last run's report. */
export const syncProgress = store<SyncProgress | null>(null);
export const lastReport = store<SyncReport | null>(null);

let opened: Promise<Session> | undefined;
let auto: AutoSync | undefined;

/** The session: the page's one device key and outbox (shared with the field screens,
 * `field/device.ts`) and the transport to the server the app was loaded from (the CSP
 * allows no other). */
export function session(): Promise<Session> {
  opened ??= (async () => {
    const [device, outbox] = await Promise.all([deviceKey(), fieldOutbox()]);
    return { device, outbox, transport: httpTransport(new URL("/", location.href).toString()) };
  })();
  return opened;
}

async function run(): Promise<SyncReport> {
  const { outbox, transport } = await session();
  const key = await operatorKey(transport);
  const report = await syncOnce(outbox, transport, { operatorKey: key, onProgress: (p) => syncProgress.set(p) });
  lastReport.set(report);
  syncProgress.set(null);
  return report;
}

/** Sync now (the Envío screen's button); shares a run already going. */
export async function syncNow(): Promise<SyncReport> {
  if (auto !== undefined) return auto.trigger();
  return run();
}

/**
 * Open the session and sync by itself: when the connection returns, at start if online, and
 * again while items wait for a checkpoint or a connection. Called once from `main.tsx`.
 */
export async function startSession(): Promise<void> {
  const { outbox, transport } = await session();
  const start = async (): Promise<void> => {
    const key = await operatorKey(transport);
    // Pin the root keys at the same first contact (from the served trust list's genesis,
    // checked against the operator key just pinned), so receipts verify offline later
    // (`receipts/pinned.ts`). Loaded lazily: it is the Recibos screen's code.
    void import("../receipts/pinned").then((m) => m.loadTrustedList()).catch(() => undefined);
    auto = startAutoSync(outbox, transport, {
      operatorKey: key,
      onProgress: (p) => syncProgress.set(p.phase === "done" ? null : p),
      onReport: (r) => lastReport.set(r),
      onError: () => syncProgress.set(null),
    });
    if (navigator.onLine) void auto.trigger().catch(() => syncProgress.set(null));
  };
  if (pinnedOperatorKey() !== null || navigator.onLine) {
    await start().catch(() => undefined);
  }
  if (auto === undefined) window.addEventListener("online", () => void (auto === undefined ? start().catch(() => undefined) : undefined), { once: true });
}

/** Ask the office to enrol this phone: leave its public key with the server under a label
 * the office will see. Returns the short code to read out. */
export async function requestEnrolment(label: string): Promise<string> {
  const { device } = await session();
  const response = await fetch("/api/v1/device-requests", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ public_key: device.publicKeyText, label }),
  });
  if (response.status !== 201) throw new Error(`HTTP ${response.status}`);
  return shortCode(device.keyId);
}
