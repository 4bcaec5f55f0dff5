/**
 * The sync module's pure parts: how an HTTP answer becomes accepted / refused / retry (the
 * line between "needs a person" and "needs only time"), and that every reason code the UI may
 * meet has a sentence in both languages. The loop itself runs against the real server in
 * tests/e2e/sync.e2e.ts (driven by tests/api/test_webapp_sync.py).
 */
import { describe, expect, it } from "vitest";
import { MAX_BATCH_BYTES, MAX_BATCH_STATEMENTS, batchCodec, batchSizer, jsonBytes, messages, outcomeFrom, reasonMessageKey } from "../src/sync";

const entry = { seq: 4, prev: "00".repeat(32), log_time: "2026-03-01T12:00:00.000000Z", statement: { v: 1 }, sig: "x", entry_hash: "11".repeat(32) };
const error = (code: string, field?: string) => ({ error: { code, message: `${code} message`, fields: field === undefined ? [] : [{ field, reason: `${field} reason` }] } });

describe("outcomeFrom", () => {
  it("201 is a new entry, 200 the replay of one already admitted", () => {
    expect(outcomeFrom(201, entry)).toEqual({ kind: "accepted", entry, replay: false });
    expect(outcomeFrom(200, entry)).toEqual({ kind: "accepted", entry, replay: true });
    expect(outcomeFrom(201, { ...entry, log_time: undefined })).toMatchObject({ entry: { log_time: null } });
  });
  it("a 2xx without an entry (a captive portal's page) is retried, never trusted", () => {
    expect(outcomeFrom(200, undefined)).toMatchObject({ kind: "retry", code: "bad_answer" });
    expect(outcomeFrom(200, { seq: "4" })).toMatchObject({ kind: "retry", code: "bad_answer" });
  });
  it("rule and schema refusals keep the server's code, first field and reason", () => {
    expect(outcomeFrom(409, error("rule_violation", "statement.body.producer_id"))).toEqual({
      kind: "refused", status: 409, code: "rule_violation", field: "statement.body.producer_id", reason: "statement.body.producer_id reason",
    });
    expect(outcomeFrom(422, error("schema_error"))).toEqual({ kind: "refused", status: 422, code: "schema_error", field: null, reason: "schema_error message" });
    expect(outcomeFrom(403, error("not_authorized", "statement.actor"))).toMatchObject({ kind: "refused", code: "not_authorized" });
    expect(outcomeFrom(413, undefined)).toMatchObject({ kind: "refused", code: "http_413" });
  });
  it("an unknown device key, server trouble and rate limits are retried", () => {
    expect(outcomeFrom(403, error("unknown_key"))).toMatchObject({ kind: "retry", code: "device_not_enrolled" });
    expect(outcomeFrom(503, error("storage_unavailable"))).toMatchObject({ kind: "retry", code: "server_unavailable" });
    expect(outcomeFrom(500, undefined)).toMatchObject({ kind: "retry", code: "server_unavailable" });
    expect(outcomeFrom(429, undefined)).toMatchObject({ kind: "retry", code: "rate_limited" });
    expect(outcomeFrom(408, undefined)).toMatchObject({ kind: "retry" });
  });
});

describe("reason messages", () => {
  const codes = [
    "network", "server_unavailable", "rate_limited", "device_not_enrolled", "bad_answer", "not_found",
    "schema_error", "bad_signature", "unknown_key", "not_authorized", "nonce_replayed", "lot_not_eligible",
    "rule_violation", "conflict", "unknown_entry_type", "request_too_large", "malformed_json",
    "answer_mismatch", "checkpoint_invalid", "proof_invalid", "dependency_refused", "device_revoked",
  ];
  it("every code has its own sentence in Spanish and English", () => {
    for (const code of codes) {
      const key = reasonMessageKey(code);
      expect(key).toBe(`sync.reason.${code}`);
      expect(messages.es[key].length).toBeGreaterThan(5);
      expect(messages.en[key].length).toBeGreaterThan(5);
      expect(messages.es[key]).not.toBe(messages.en[key]);
    }
  });
  it("an unknown code falls back to a generic sentence", () => {
    expect(reasonMessageKey("something_new")).toBe("sync.reason.other");
  });
  it("both catalogs have the same keys", () => {
    expect(Object.keys(messages.en).sort()).toEqual(Object.keys(messages.es).sort());
  });
});

describe("batch codec", () => {
  const statement = { statement: { v: 1, type: "producer.registered", actor: "a".repeat(32), ts: "2026-03-01T12:00:00Z", nonce: "n".repeat(24), body: { producer_id: "p1" } }, sig: "s".repeat(86) };
  it("encodes {statements} and reads the server's per-item results in order", () => {
    expect(batchCodec.path).toBe("api/v1/batches");
    expect(batchCodec.encode([statement as never])).toEqual({ statements: [statement] });
    const answer = {
      results: [
        { index: 0, status: "appended", http_status: 201, entry, error: null },
        { index: 1, status: "duplicate", http_status: 200, entry, error: null },
        { index: 2, status: "refused", http_status: 409, entry: null, error: error("rule_violation", "statement.body.producer_id").error },
      ],
      appended: 1, duplicates: 1, refused: 1,
    };
    const decoded = batchCodec.decode(answer, 3);
    expect(decoded.map((d) => outcomeFrom(d.status, d.body))).toEqual([
      { kind: "accepted", entry, replay: false },
      { kind: "accepted", entry, replay: true },
      { kind: "refused", status: 409, code: "rule_violation", field: "statement.body.producer_id", reason: "statement.body.producer_id reason" },
    ]);
  });
  it("an answer of another shape is not trusted (the loop then goes one by one)", () => {
    expect(() => batchCodec.decode({ results: [] }, 1)).toThrow(/0 results for 1/);
    expect(() => batchCodec.decode({ results: [{ index: 1, status: "appended", http_status: 201, entry }] }, 1)).toThrow(/order/);
    expect(() => batchCodec.decode({ results: [{ index: 0, status: "maybe", http_status: 201 }] }, 1)).toThrow(/unknown status/);
    expect(() => batchCodec.decode("<html>", 1)).toThrow(/without results/);
  });
  it("a request holds at most 1,000 statements and 4 MiB − 64 KiB of body", () => {
    expect(MAX_BATCH_STATEMENTS).toBe(1000);
    expect(MAX_BATCH_BYTES).toBe(4 * 1024 * 1024 - 64 * 1024);
    const count = (fits: (s: never) => boolean, s: unknown, n: number): number => {
      let taken = 0;
      while (taken < n && fits(s as never)) taken++;
      return taken;
    };
    expect(count(batchSizer(), statement, 5000)).toBe(1000);
    expect(count(batchSizer(10), statement, 5000)).toBe(10);
    // Statements of ~60 KiB: the body stays under the limit, the envelope and commas counted.
    const big = { ...statement, statement: { ...statement.statement, body: { note: "x".repeat(60_000) } } };
    const size = jsonBytes(big);
    const n = count(batchSizer(), big, 5000);
    expect(jsonBytes({ statements: Array(n).fill(big) })).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(jsonBytes({ statements: Array(n + 1).fill(big) })).toBeGreaterThan(MAX_BATCH_BYTES);
    expect(n).toBe(Math.floor((MAX_BATCH_BYTES - jsonBytes({ statements: [] }) + 1) / (size + 1)));
    // One statement always goes, whatever its size.
    expect(count(batchSizer(1000, 10), statement, 3)).toBe(1);
  });
});

describe("device_revoked", () => {
  it("the ledger's refusal of a revoked key is told as such; other authorization refusals are not", () => {
    const revoked = { error: { code: "not_authorized", message: "m", fields: [{ field: "statement.actor", reason: `key ${"ab".repeat(16)} was revoked at seq 12` }] } };
    expect(outcomeFrom(403, revoked)).toMatchObject({ kind: "refused", code: "device_revoked", field: "statement.actor" });
    const scope = { error: { code: "not_authorized", message: "m", fields: [{ field: "statement.actor", reason: "device may not sign plot.registered" }] } };
    expect(outcomeFrom(403, scope)).toMatchObject({ kind: "refused", code: "not_authorized" });
  });
});
