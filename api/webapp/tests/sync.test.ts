/**
 * The sync module's pure parts: how an HTTP answer becomes accepted / refused / retry (the
 * line between "needs a person" and "needs only time"), and that every reason code the UI may
 * meet has a sentence in both languages. The loop itself runs against the real server in
 * tests/e2e/sync.e2e.ts (driven by tests/api/test_webapp_sync.py).
 */
import { describe, expect, it } from "vitest";
import { messages, outcomeFrom, reasonMessageKey } from "../src/sync";

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
    "answer_mismatch", "checkpoint_invalid", "proof_invalid",
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
