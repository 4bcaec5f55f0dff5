/**
 * The label office's reads and signed writes.
 *
 * Reads: the labellable lots with eligibility reasons and balance (`GET /api/v1/labels/lots`),
 * a lot's issuances (`GET /api/v1/lots/{id}/labels`), a dry run before signing
 * (`POST /api/v1/labels/preview`), scans per label (`GET /api/v1/labels/{seq}/scans`).
 * Writes: `label.issued` and `label.revoked` signed here with the label-issuer key and sent to
 * `POST /api/v1/entries`, judged by the ledger like any statement (the screen adds no
 * authority). Printing: the labels, signed here, go to `POST /api/v1/labels/sheet`, which
 * verifies each against the ledger and draws the PDF with the CLI's renderer.
 *
 * The last lots answer is kept in localStorage, so an office that lost its connection still
 * sees what it saw (marked with when), and can print again labels it issued.
 */
import { formatTs, type JsonObject } from "../crypto/statements";
import { submit } from "../office/api";
import type { SubmitOutcome } from "../sync/outcomes";
import type { AssociationKey } from "../office/associationKey";

export interface Reason {
  readonly code: string;
  readonly lot_id?: string;
  readonly subject: string;
  readonly message_es: string;
  readonly message_en: string;
  /** The facts the sentence is made of (`origin_not_certified`: product, harvest from/to). */
  readonly detail?: { readonly product?: string; readonly from?: string; readonly to?: string };
  /** An input's reason: the root failures down its lineage, once each. */
  readonly causes?: readonly Reason[];
}

export interface LabellableLot {
  readonly lot_id: string;
  readonly lot_number: string;
  readonly gtin: string | null;
  readonly product: string;
  readonly form: string;
  readonly eligibility: { readonly eligible: boolean; readonly reasons: readonly Reason[] };
  readonly quantity_g: number;
  readonly consumed_g: number;
  readonly labelled_g: number;
  readonly available_g: number;
  readonly unit_g: number | null;
  readonly issuances: number;
  readonly labels_revoked: boolean;
}

export interface LotsAnswer {
  readonly data: readonly LabellableLot[];
  readonly resolver_host: string | null;
  readonly resolver_problem: string | null;
  /** When this answer was fetched (ISO 8601); set when it comes from storage. */
  readonly storedAt?: string;
}

export interface Issuance {
  readonly seq: number;
  readonly lot_id: string;
  readonly gtin: string | null;
  readonly lot_number: string;
  readonly units: number;
  readonly unit_g: number;
  readonly day: string;
  readonly serial_from: number | null;
  readonly key_id: string;
  readonly status: "active" | "revoked";
  readonly scope?: "label" | "lot";
  readonly reason_es?: string;
  readonly reason_en?: string;
}

export interface Preview {
  readonly can_issue: boolean;
  readonly fits: boolean;
  readonly available_g: number;
  readonly requested_g: number | null;
  readonly labels_revoked: boolean;
  readonly eligibility: { readonly eligible: boolean; readonly reasons: readonly Reason[] };
}

export interface ScanRow {
  readonly serial: string | null;
  readonly scans: number;
  readonly places: number;
  readonly devices: number;
  readonly anomalous: boolean;
}

export interface Scans {
  readonly scans: number;
  readonly alarms: number;
  readonly window_days: number;
  readonly threshold_devices: number;
  readonly data: readonly ScanRow[];
}

export type Stock = "a4" | "letter" | "thermal";
export const STOCKS: readonly Stock[] = ["a4", "letter", "thermal"];

const STORED_LOTS = "biotraza.labeloffice.lots";

/** A request that failed: the HTTP status (0 without a network) and the server's reason. */
export class RequestError extends Error {
  override readonly name = "RequestError";
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

async function answer<T>(response: Response): Promise<T> {
  if (response.ok) return (await response.json()) as T;
  let message = `HTTP ${response.status}`;
  let field: string | null = null;
  try {
    const body = (await response.json()) as { error?: { message?: string; fields?: { field?: string; reason?: string }[] } };
    const first = body.error?.fields?.[0];
    message = first?.reason ?? body.error?.message ?? message;
    field = first?.field ?? null;
  } catch {
    // Not JSON: the status says enough.
  }
  throw new RequestError(response.status, message, field);
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { cache: "no-store", ...init, headers: { Accept: "application/json", ...(init?.headers ?? {}) } });
  } catch (error) {
    throw new RequestError(0, (error as Error).message);
  }
  return answer<T>(response);
}

const post = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** The lots, fresh; or, when the server cannot be reached, the last answer with `storedAt`. */
export async function labellableLots(): Promise<LotsAnswer> {
  try {
    const fresh = await request<LotsAnswer>("/api/v1/labels/lots");
    try {
      globalThis.localStorage?.setItem(STORED_LOTS, JSON.stringify({ ...fresh, storedAt: new Date().toISOString() }));
    } catch {
      // Shown now, not remembered for an offline start.
    }
    return fresh;
  } catch (error) {
    const stored = globalThis.localStorage?.getItem(STORED_LOTS);
    if ((error as RequestError).status === 0 && stored) return JSON.parse(stored) as LotsAnswer;
    throw error;
  }
}

export async function issuances(lotId: string): Promise<Issuance[]> {
  return (await request<{ data: Issuance[] }>(`/api/v1/lots/${encodeURIComponent(lotId)}/labels`)).data;
}

export function preview(lotId: string, units: number, unitG: number): Promise<Preview> {
  return request<Preview>("/api/v1/labels/preview", post({ lot_id: lotId, units, unit_g: unitG }));
}

export function scans(seq: number): Promise<Scans> {
  return request<Scans>(`/api/v1/labels/${seq}/scans`);
}

export interface IssueRequest {
  readonly lot: LabellableLot;
  readonly units: number;
  readonly unitG: number;
  readonly serialFrom: number | null;
}

/** Sign and send `label.issued`; its `day` is the statement's own UTC date, as the ledger
 * requires (labels cannot be backdated). */
export function issue(key: AssociationKey, wanted: IssueRequest, now: Date = new Date()): Promise<SubmitOutcome> {
  const ts = formatTs(now);
  const body: JsonObject = {
    lot_id: wanted.lot.lot_id,
    gtin: wanted.lot.gtin,
    lot_number: wanted.lot.lot_number,
    units: wanted.units,
    unit_g: wanted.unitG,
    day: ts.slice(0, 10),
  };
  if (wanted.serialFrom !== null) body["serial_from"] = wanted.serialFrom;
  return submit(key, "label.issued", body, { ts });
}

/** Sign and send `label.revoked` for one print run (issuance). */
export function revokeRun(key: AssociationKey, seq: number, reason: string): Promise<SubmitOutcome> {
  return submit(key, "label.revoked", { issuance_seq: seq, reason });
}

/** The print run as PDF, each label `copies` times (the server verifies every label first). */
export async function sheet(texts: readonly string[], stock: Stock, copies: number): Promise<Blob> {
  let response: Response;
  try {
    const printed = texts.flatMap((text) => Array.from({ length: copies }, () => text));
    response = await fetch("/api/v1/labels/sheet", post({ texts: printed, stock }));
  } catch (error) {
    throw new RequestError(0, (error as Error).message);
  }
  if (!response.ok) await answer(response);
  return response.blob();
}
