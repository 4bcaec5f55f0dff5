/**
 * Sign a capture on the device and queue it: the one path from a filled form to the outbox.
 * The statement is complete and signed here, at capture time, so what the outbox keeps is
 * what the ledger will hold (and what a receipt shows).
 */
import { signStatement, type JsonObject } from "../crypto/statements";
import type { OutboxItem } from "../outbox";
import { deviceKey, fieldOutbox } from "./device";

export type CaptureType = "producer.registered" | "plot.registered" | "apiary.registered" | "lot.harvested";

/** Sign `body` as `type` with the device key and add it to the outbox after `dependsOn`
 * (outbox keys of records it refers to that are still on this phone). `meta` stays local. */
export async function captureSigned(
  type: CaptureType,
  body: JsonObject,
  dependsOn: readonly (string | null)[] = [],
  meta: Record<string, unknown> = {},
): Promise<OutboxItem> {
  const [key, outbox] = await Promise.all([deviceKey(), fieldOutbox()]);
  const signed = await signStatement(key, type, body);
  const deps = dependsOn.filter((d): d is string => d !== null);
  return outbox.add(signed, { dependsOn: deps, meta });
}
