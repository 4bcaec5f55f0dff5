/**
 * Capturing and correcting: every capture is a complete statement signed on the device at
 * that moment and queued; a correction of a refused one is a *new* statement (the refused
 * one stays, marked, so nothing is silently dropped and the ledger never holds an edit).
 *
 * `capture(type, body, {dependsOn})` is what the field screens call (a plot depends on the
 * member registered before it in the same outbox: pass the member's item key). It reports
 * how long signing took (`signedMs`, the "capture-to-signed ≤ 50 ms").
 */
import { signStatement, type JsonObject } from "../crypto/statements";
import type { OutboxItem } from "../outbox/types";
import { session } from "./session";

export interface CaptureOptions {
  /** Outbox keys of items that must be admitted first (or go earlier in the same request). */
  readonly dependsOn?: readonly string[];
  /** Free data for the screens (a title); never sent. */
  readonly meta?: Readonly<Record<string, unknown>>;
}

export interface Captured {
  readonly item: OutboxItem;
  /** Milliseconds from the call to the signed statement (before it is stored). */
  readonly signedMs: number;
  /** Milliseconds from the call to the item stored in the outbox. */
  readonly storedMs: number;
}

/** Sign `body` as a `type` statement with the device key and queue it. */
export async function capture(type: string, body: JsonObject, options: CaptureOptions = {}): Promise<Captured> {
  const start = performance.now();
  const { device, outbox } = await session();
  const signed = await signStatement(device, type, body);
  const signedMs = performance.now() - start;
  const item = await outbox.add(signed, options);
  return { item, signedMs, storedMs: performance.now() - start };
}

/** Queue a corrected statement for the refused item `refusedKey`; the items refused as
 * `dependency_refused` because of it go back to the queue after the correction. */
export async function correct(refusedKey: string, type: string, body: JsonObject, options: CaptureOptions = {}): Promise<Captured> {
  const start = performance.now();
  const { device, outbox } = await session();
  const signed = await signStatement(device, type, body);
  const signedMs = performance.now() - start;
  const item = await outbox.supersede(refusedKey, signed, options);
  return { item, signedMs, storedMs: performance.now() - start };
}
