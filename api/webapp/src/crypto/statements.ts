/**
 * Statements, built and signed exactly as `ledger/statements.py`:
 * `{"v":1,"type","actor","ts","nonce","body"}`, signed with Ed25519 over
 * `"biotraza:statement:v1\n" + JCS(statement)`, the signature as unpadded base64url.
 *
 * The statement is complete at capture time (its `ts` is the capture moment, its nonce fresh),
 * so the signed object is the unit the outbox keeps and retries: sending the same object again
 * is idempotent on the server, signing again would be a new statement.
 */
import { concatBytes, b64urlEncode, utf8 } from "./encoding";
import { canonicalBytes } from "./jcs";
import type { Signer } from "./ed25519";
import { keyId } from "./keys";

export const STATEMENT_DOMAIN = "biotraza:statement:v1\n";
/** Same bound as the server (`MAX_STATEMENT_BYTES`): refuse locally what it would refuse. */
export const MAX_STATEMENT_BYTES = 64 * 1024;
const TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const NONCE_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const TS_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface Statement {
  readonly v: 1;
  readonly type: string;
  readonly actor: string;
  readonly ts: string;
  readonly nonce: string;
  readonly body: JsonObject;
}

/** What is submitted: `{"statement": {...}, "sig": "<base64url>"}`. */
export interface SignedStatement {
  readonly statement: Statement;
  readonly sig: string;
}

/** The statement timestamp of a moment: RFC 3339 UTC, whole seconds, `Z` (`format_ts`). */
export function formatTs(moment: Date): string {
  if (Number.isNaN(moment.getTime())) throw new Error("invalid date");
  return moment.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A fresh nonce: 18 random bytes as base64url, 24 characters (`secrets.token_urlsafe(18)`). */
export function newNonce(): string {
  return b64urlEncode(crypto.getRandomValues(new Uint8Array(18)));
}

/** The bytes the signature covers: the domain prefix then JCS(statement). */
export function signedMessage(statement: Statement): Uint8Array {
  return concatBytes(utf8(STATEMENT_DOMAIN), canonicalBytes(statement));
}

export interface SignOptions {
  /** Defaults to now. */
  readonly ts?: string;
  /** Defaults to a fresh random nonce. */
  readonly nonce?: string;
}

/** Build and sign a statement of `type` with `body` by `signer`.
 *
 * Throws on a malformed type, ts or nonce, or a statement over the server's size bound: a
 * statement that can never be admitted should fail at capture, not in the outbox. */
export async function signStatement(
  signer: Signer,
  type: string,
  body: JsonObject,
  options: SignOptions = {},
): Promise<SignedStatement> {
  const ts = options.ts ?? formatTs(new Date());
  const nonce = options.nonce ?? newNonce();
  if (!TYPE_PATTERN.test(type) || type.length > 64) throw new Error(`statement.type: invalid entry type ${type}`);
  if (!TS_PATTERN.test(ts) || formatTs(new Date(ts)) !== ts) throw new Error(`statement.ts: not a timestamp like 2026-03-01T12:00:00Z`);
  if (!NONCE_PATTERN.test(nonce)) throw new Error("statement.nonce: 8–64 base64url characters");
  const statement: Statement = { v: 1, type, actor: await keyId(signer.publicKey), ts, nonce, body };
  const message = signedMessage(statement);
  if (message.length - STATEMENT_DOMAIN.length > MAX_STATEMENT_BYTES) {
    throw new Error(`statement: larger than ${MAX_STATEMENT_BYTES} bytes`);
  }
  return { statement, sig: b64urlEncode(await signer.sign(message)) };
}
