/**
 * What one submission came to, decided from the HTTP status and the JSON body the server's
 * error envelope (`api/http/errors.py`: `{"error": {"code", "message", "fields"}}`) carries.
 *
 * The line between "refused" and "retry" is the one that matters: a refused item needs a
 * person (it stays in the outbox with its reason); a retry needs only time or a connection
 * (the same signed statement is sent again later, which the ledger makes harmless). When in
 * doubt it is a retry: retrying an idempotent statement costs nothing, a wrong refusal asks a
 * technician to redo work.
 */
import type { JsonObject } from "../crypto/statements";

/** An entry as `POST /api/v1/entries` answers (api/http/schemas.py `EntryPublic`). */
export interface EntryAnswer {
  readonly seq: number;
  readonly prev: string;
  readonly log_time: string | null;
  readonly statement: JsonObject;
  readonly sig: string;
  readonly entry_hash: string;
}

export type SubmitOutcome =
  | { readonly kind: "accepted"; readonly entry: EntryAnswer; readonly replay: boolean }
  | { readonly kind: "refused"; readonly status: number; readonly code: string; readonly field: string | null; readonly reason: string }
  | { readonly kind: "retry"; readonly code: RetryCode; readonly message: string };

/** Codes of transient conditions; the run stops and the items stay queued. */
export type RetryCode =
  | "network" // no connection, DNS, reset, timeout
  | "server_unavailable" // 5xx, 503 storage_unavailable
  | "rate_limited" // 429
  | "device_not_enrolled" // 403 unknown_key: the device key is not (yet) known to the ledger
  | "bad_answer"; // a 2xx that is not an entry (a captive portal's login page, a proxy)

const RETRY_STATUSES = new Set([408, 425, 429]);
const REVOKED = /^key [0-9a-f]{32} was revoked at seq \d+$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isEntryAnswer(value: unknown): value is EntryAnswer {
  return (
    isObject(value) &&
    Number.isSafeInteger(value["seq"]) &&
    typeof value["prev"] === "string" &&
    (value["log_time"] === null || value["log_time"] === undefined || typeof value["log_time"] === "string") &&
    isObject(value["statement"]) &&
    typeof value["sig"] === "string" &&
    typeof value["entry_hash"] === "string"
  );
}

/** The outcome of one submission from its HTTP status and parsed body (undefined if none). */
export function outcomeFrom(status: number, body: unknown): SubmitOutcome {
  if (status === 200 || status === 201) {
    if (!isEntryAnswer(body)) return { kind: "retry", code: "bad_answer", message: `HTTP ${status} without an entry` };
    return { kind: "accepted", entry: { ...body, log_time: body.log_time ?? null }, replay: status === 200 };
  }
  const error = isObject(body) && isObject(body["error"]) ? body["error"] : {};
  const code = typeof error["code"] === "string" ? error["code"] : `http_${status}`;
  const message = typeof error["message"] === "string" ? error["message"] : `HTTP ${status}`;
  if (status >= 500 || RETRY_STATUSES.has(status) || status === 0) {
    return { kind: "retry", code: status === 429 ? "rate_limited" : "server_unavailable", message };
  }
  if (status === 403 && code === "unknown_key") return { kind: "retry", code: "device_not_enrolled", message };
  const fields = Array.isArray(error["fields"]) ? error["fields"] : [];
  const first: unknown = fields[0];
  const field = isObject(first) && typeof first["field"] === "string" ? first["field"] : null;
  const reason = isObject(first) && typeof first["reason"] === "string" ? first["reason"] : message;
  // The ledger refuses a revoked key with `not_authorized` on `statement.actor` and says
  // "key <id> was revoked at seq <n>" (ledger/trust.py `active_key`): for a device that is
  // final, and the person holding it must be told so, not "may not write this record".
  if (status === 403 && code === "not_authorized" && field === "statement.actor" && REVOKED.test(reason)) {
    return { kind: "refused", status, code: "device_revoked", field, reason };
  }
  return { kind: "refused", status, code, field, reason };
}
