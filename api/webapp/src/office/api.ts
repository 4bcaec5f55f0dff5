/**
 * The office's reads and signed writes: the association of the imported key, its devices
 * and their refusals (`GET /api/v1/orgs/{org}/devices`, `…/device-refusals`), a phone's
 * enrolment request by short code, and `device.enrolled` / `device.revoked` signed here with
 * the association's key and sent to `POST /api/v1/entries` (the server judges them as any
 * statement; the office screen has no authority of its own).
 */
import { signStatement, type JsonObject, type SignOptions } from "../crypto/statements";
import { outcomeFrom, type SubmitOutcome } from "../sync/outcomes";
import type { AssociationKey } from "./associationKey";

export const DEVICE_TYPES = ["producer.registered", "plot.registered", "apiary.registered", "lot.harvested", "purchase.recorded"] as const;

export interface Org {
  readonly org_id: string;
  readonly name: string;
  readonly key_ids: readonly string[];
}

export interface Device {
  readonly key_id: string;
  readonly label: string;
  readonly status: "active" | "expired" | "revoked";
  readonly entry_types: readonly string[];
  readonly entries: { readonly total: number };
  readonly last_synced_at: string | null;
  readonly refusals: number;
  readonly revoked: { readonly reason: string; readonly note: string | null } | null;
}

export interface Refusal {
  readonly key_id: string;
  readonly type: string;
  readonly nonce: string;
  readonly code: string;
  readonly reason: string;
  readonly field: string | null;
  readonly attempts: number;
  readonly last_at: string;
  readonly admitted_seq: number | null;
}

export interface DeviceRequest {
  readonly key_id: string;
  readonly short_code: string;
  readonly public_key: string;
  readonly label: string;
}

async function getJson<T>(path: string): Promise<T | null> {
  const response = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** The association whose keys include `keyId`, or null. */
export async function associationOf(keyId: string): Promise<Org | null> {
  const orgs = await getJson<{ data: Org[] }>("/api/v1/orgs");
  return orgs?.data.find((o) => o.key_ids.includes(keyId)) ?? null;
}

export async function devices(orgId: string): Promise<Device[]> {
  return (await getJson<{ data: Device[] }>(`/api/v1/orgs/${encodeURIComponent(orgId)}/devices`))?.data ?? [];
}

export async function refusals(orgId: string): Promise<Refusal[]> {
  return (await getJson<{ data: Refusal[] }>(`/api/v1/orgs/${encodeURIComponent(orgId)}/device-refusals`))?.data ?? [];
}

/** The phone that shows `code`, or null if none asked to be enrolled. */
export async function findRequest(code: string): Promise<DeviceRequest | null> {
  return getJson<DeviceRequest>(`/api/v1/device-requests/${encodeURIComponent(code)}`);
}

/** Sign `body` as a statement of `type` with `key` and send it; the outcome as the sync sees it.
 * Shared by the office screens (devices here, labels in `../labeloffice/api`). */
export async function submit(key: AssociationKey, type: string, body: JsonObject, options: SignOptions = {}): Promise<SubmitOutcome> {
  const signed = await signStatement(key, type, body, options);
  const response = await fetch("/api/v1/entries", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(signed),
  });
  let payload: unknown;
  try {
    payload = await response.json();
  } catch {
    payload = undefined;
  }
  return outcomeFrom(response.status, payload);
}

export function enrol(key: AssociationKey, orgId: string, request: DeviceRequest, label: string, types: readonly string[]): Promise<SubmitOutcome> {
  return submit(key, "device.enrolled", { org_id: orgId, public_key: request.public_key, label, entry_types: [...types] });
}

export function revoke(key: AssociationKey, orgId: string, deviceKeyId: string, reason: "lost" | "stolen" | "retired"): Promise<SubmitOutcome> {
  return submit(key, "device.revoked", { org_id: orgId, key_id: deviceKeyId, reason });
}
