/**
 * "Corregir" on a refused outbox item: the capture screen that made it opens with its form
 * filled from the refused statement, and what the technician signs there goes into the outbox
 * as a *new* statement that supersedes the refused one (`correct` in `sync/corrections.ts`):
 * the refused item stays, marked, and the items refused only because they depended on it go
 * back to the queue.
 *
 * The hand-over from the Envío screen to the capture screen goes through localStorage (the
 * screen's draft, `drafts.ts`, plus `biotraza.correcting.<screen>` = the refused item's key),
 * so a reload in the middle of a correction still knows what it corrects.
 *
 * `draftFor` is the inverse of the body builders in `bodies.ts` (a pure function, unit-tested
 * through them: body → draft → body is the identity).
 */
import type { JsonObject } from "../crypto/statements";
import type { OutboxItem } from "../outbox/types";
import { saveDraft } from "./drafts";
import { EMPTY_MEMBER } from "./memberDraft";

/** The capture screen (route and draft name) of each statement type the field app signs. */
export const SCREEN_OF_TYPE: Readonly<Record<string, string>> = {
  "producer.registered": "members",
  "plot.registered": "plots",
  "apiary.registered": "apiaries",
  "lot.harvested": "deliveries",
};

const PREFIX = "biotraza.correcting.";

const text = (value: unknown): string => (typeof value === "string" ? value : "");
const number = (value: unknown): string => (typeof value === "number" ? String(value) : "");

/** The screen that can correct `item`, or null (a statement type no field form makes). */
export function correctionScreen(item: Pick<OutboxItem, "signed">): string | null {
  return SCREEN_OF_TYPE[item.signed.statement.type] ?? null;
}

/**
 * The draft of `screen`'s form that signs `body` again (with `meta`, the outbox item's screen
 * data: a plot's GPS track, a delivery's producer and notes). Personal data is never in a
 * body, so a member's name, contact, sex, year of birth and language are typed again
 * (consent is asked again too).
 */
export function draftFor(screen: string, body: JsonObject, meta: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  switch (screen) {
    case "members":
      return {
        ...EMPTY_MEMBER,
        producerId: text(body["producer_id"]),
        community: text(body["community"]),
        memberSince: text(body["member_since"]),
      };
    case "plots":
      return {
        plotId: text(body["plot_id"]),
        producerId: text(body["producer_id"]),
        product: text(body["product"]),
        municipality: text(body["municipality"]),
        shape: { geometry: body["geometry"], area_ha: body["area_ha"], state: text(body["state"]), track: Array.isArray(meta["track"]) ? meta["track"] : [] },
      };
    case "apiaries": {
      const location = body["location"] as { coordinates?: unknown } | undefined;
      const coordinates = Array.isArray(location?.coordinates) ? (location.coordinates as number[]) : null;
      return {
        apiaryId: text(body["apiary_id"]),
        producerId: text(body["producer_id"]),
        hiveCount: number(body["hive_count"]),
        municipality: text(body["municipality"]),
        typed: "",
        gps: coordinates && coordinates.length === 2 ? [coordinates[0], coordinates[1]] : null,
      };
    }
    case "deliveries": {
      const origins = Array.isArray(body["origins"]) ? (body["origins"] as JsonObject[]) : [];
      const first = origins[0] ?? {};
      const origin = typeof first["plot_id"] === "string" ? `plot:${first["plot_id"]}` : typeof first["apiary_id"] === "string" ? `apiary:${first["apiary_id"]}` : "";
      return {
        lotId: text(body["lot_id"]),
        producerId: text(meta["producer_id"]),
        origin,
        weightKg: number(body["quantity_kg"]),
        date: text(body["harvested_from"]),
        notes: text(meta["notes"]),
      };
    }
    default:
      throw new Error(`no field form corrects ${screen}`);
  }
}

/** Fill `screen`'s form from the refused `item` and remember what it corrects; returns the
 * route to open. */
export function startCorrection(item: Pick<OutboxItem, "key" | "signed" | "meta">): string {
  const screen = correctionScreen(item);
  if (screen === null) throw new Error(`no field form corrects ${item.signed.statement.type}`);
  saveDraft(screen, draftFor(screen, item.signed.statement.body as JsonObject, item.meta));
  try {
    globalThis.localStorage?.setItem(PREFIX + screen, item.key);
  } catch {
    // Storage refused: the form opens filled, and what is signed is a new capture.
  }
  return screen;
}

/** The refused item `screen`'s form is correcting, or null. */
export function correcting(screen: string): string | null {
  try {
    return globalThis.localStorage?.getItem(PREFIX + screen) ?? null;
  } catch {
    return null;
  }
}

/** The correction was signed or given up. */
export function stopCorrecting(screen: string): void {
  try {
    globalThis.localStorage?.removeItem(PREFIX + screen);
  } catch {
    // Nothing to forget.
  }
}
