/**
 * The batch endpoint's wire format (`POST /api/v1/batches`, `api/http/routes/entries.py`) and
 * how a queue of signed statements is cut into requests the server takes.
 *
 * Request: `{"statements": [signed, ...]}`. Answer: `{"results": [{"index", "status":
 * "appended" | "duplicate" | "refused", "http_status", "entry", "error"}, ...], ...}` in
 * request order. Each result is reduced to the `(status, body)` pair the single endpoint
 * would have answered, so one judge (`outcomeFrom`) decides every answer.
 *
 * Limits: the server takes at most `BIOTRAZA_MAX_BATCH_STATEMENTS` (1,000) statements and
 * `BIOTRAZA_MAX_BATCH_BYTES` (4 MiB) of body. `planBatch` keeps 64 KiB under the byte limit so
 * a proxy's or the server's own rounding never turns a full batch into a 413.
 */
import type { SignedStatement } from "../crypto/statements";

export const BATCH_PATH = "api/v1/batches";
export const MAX_BATCH_STATEMENTS = 1000;
export const MAX_BATCH_BYTES = 4 * 1024 * 1024 - 64 * 1024;

/** How a batch endpoint's request and answer look. */
export interface BatchCodec {
  readonly path: string;
  encode(signed: readonly SignedStatement[]): unknown;
  /** One `(status, body)` per statement, in request order; throws on an answer of another
   * shape (the caller then sends the items one by one). */
  decode(body: unknown, count: number): { status: number; body: unknown }[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export const batchCodec: BatchCodec = {
  path: BATCH_PATH,
  encode: (signed) => ({ statements: signed }),
  decode(body, count) {
    const results = isObject(body) ? body["results"] : undefined;
    if (!Array.isArray(results)) throw new Error("batch answer without results");
    if (results.length !== count) throw new Error(`batch answer has ${results.length} results for ${count} statements`);
    return results.map((r: unknown, position) => {
      if (!isObject(r) || r["index"] !== position) throw new Error(`batch result ${position} out of order`);
      const status = r["http_status"];
      if (typeof status !== "number") throw new Error(`batch result ${position} without http_status`);
      if (r["status"] === "refused") return { status, body: { error: r["error"] } };
      if (r["status"] !== "appended" && r["status"] !== "duplicate") throw new Error(`batch result ${position}: unknown status`);
      return { status, body: r["entry"] };
    });
  },
};

const encoder = new TextEncoder();

/** UTF-8 bytes of `value` as JSON: what it adds to a request body. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length;
}

/** The envelope `{"statements":[` … `]}` around the items, and one comma between two. */
const ENVELOPE_BYTES = jsonBytes({ statements: [] });

/**
 * A running check of the next request's size: `fits(statement)` says whether one more
 * statement still keeps the body within `maxBytes` and the count within `maxStatements`,
 * and counts it if so. The first statement always fits (one statement is at most 64 KiB,
 * refused at capture otherwise). A new sizer for each request.
 */
export function batchSizer(maxStatements = MAX_BATCH_STATEMENTS, maxBytes = MAX_BATCH_BYTES): (statement: SignedStatement) => boolean {
  const count = Math.min(maxStatements, MAX_BATCH_STATEMENTS);
  const bytesLimit = Math.min(maxBytes, MAX_BATCH_BYTES);
  let chosen = 0;
  let bytes = ENVELOPE_BYTES;
  return (statement) => {
    const next = bytes + jsonBytes(statement) + (chosen > 0 ? 1 : 0);
    if (chosen > 0 && (chosen >= count || next > bytesLimit)) return false;
    chosen++;
    bytes = next;
    return true;
  };
}
