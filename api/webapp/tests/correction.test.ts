/** "Corregir": the form a refused item opens is filled so that signing it unchanged makes the
 * same body again (body → draft → body is the identity for every body the field forms build,
 * tests/vectors/field_bodies.json), and the Envío screen offers the button only where a new
 * statement can fix the refusal. */
import { describe, expect, it } from "vitest";
import type { JsonObject, SignedStatement } from "../src/crypto/statements";
import {
  apiaryBody,
  deliveryBody,
  memberParts,
  plotBody,
  type ApiaryInput,
  type MemberInput,
  type Product,
} from "../src/field/bodies";
import { correctionScreen, draftFor, SCREEN_OF_TYPE } from "../src/field/correction";
import type { OutboxItem, Refusal } from "../src/outbox/types";
import { correctable } from "../src/sync/OutboxScreen";
import { readVector } from "./vectors";

interface Case {
  name: string;
  builder: "member" | "plot" | "apiary" | "delivery";
  body?: JsonObject;
  personal_data?: unknown;
}
const V = readVector<{ today: string; cases: Case[] }>("field_bodies.json");

/** Rebuild the body from the draft the correction opens, as the screen's `save` does. */
function rebuild(c: Case, body: JsonObject): JsonObject {
  const screen = { member: "members", plot: "plots", apiary: "apiaries", delivery: "deliveries" }[c.builder];
  const origins = (body["origins"] as JsonObject[] | undefined) ?? [];
  const meta = c.builder === "delivery" ? { producer_id: "p-1", notes: "seca" } : { track: [[1, 2]] };
  const draft = draftFor(screen, body, meta) as Record<string, never>;
  switch (c.builder) {
    case "member": {
      const built = memberParts(draft as unknown as MemberInput, V.today);
      if (!built.ok) throw new Error(JSON.stringify(built.errors));
      return built.value.body;
    }
    case "plot": {
      const d = draft as unknown as { plotId: string; producerId: string; product: Product; municipality: string; shape: { geometry: JsonObject; area_ha: number; state: string; track: unknown[] } };
      expect(d.shape.track).toEqual([[1, 2]]);
      const built = plotBody(d, d.shape);
      if (!built.ok) throw new Error(JSON.stringify(built.errors));
      return built.value;
    }
    case "apiary": {
      const d = draft as unknown as ApiaryInput & { gps: [number, number] };
      const built = apiaryBody({ ...d, position: d.gps, state: String(body["state"]) });
      if (!built.ok) throw new Error(JSON.stringify(built.errors));
      return built.value;
    }
    case "delivery": {
      const d = draft as unknown as { lotId: string; producerId: string; origin: string; weightKg: string; date: string; notes: string };
      expect([d.producerId, d.notes]).toEqual(["p-1", "seca"]);
      const [kind, id] = d.origin.split(":") as ["plot" | "apiary", string];
      expect(origins[0]?.[`${kind}_id`]).toBe(id);
      const built = deliveryBody({ lotId: d.lotId, origin: { kind, id, product: body["product"] as Product }, weightKg: d.weightKg, date: d.date }, V.today);
      if (!built.ok) throw new Error(JSON.stringify(built.errors));
      return built.value;
    }
  }
}

describe("correction drafts", () => {
  // The bodies of the four capture forms (other builders in the file have no correction form).
  const FORMS = ["member", "plot", "apiary", "delivery"];
  const cases = V.cases.filter((c) => c.body !== undefined && !c.personal_data && FORMS.includes(c.builder));
  it("covers every form", () => {
    expect(new Set(cases.map((c) => c.builder))).toEqual(new Set(["member", "plot", "apiary", "delivery"]));
  });
  it.each(cases.map((c) => [c.name, c] as const))("%s: signing the opened form unchanged gives the same body", (_name, c) => {
    const body = { ...(c.body as JsonObject) };
    delete body["pii_hash"];
    expect(rebuild(c, body)).toEqual(body);
  });
  it("knows no form for what the field app does not sign", () => {
    expect(() => draftFor("labels", {})).toThrow(/no field form/);
  });
});

function item(type: string, code: string, supersededBy: string | null = null): Pick<OutboxItem, "state" | "refusal" | "supersededBy" | "signed"> {
  const refusal: Refusal = { code, field: null, reason: "", status: 422, at: "2026-06-01T00:00:00Z" };
  const signed = { statement: { type } } as unknown as SignedStatement;
  return { state: "refused", refusal, supersededBy, signed };
}

describe("the Corregir button", () => {
  it("is offered for a refused capture of each field form", () => {
    for (const type of Object.keys(SCREEN_OF_TYPE)) {
      expect(correctable(item(type, "rule_violation"))).toBe(true);
      expect(correctionScreen(item(type, "conflict"))).toBe(SCREEN_OF_TYPE[type]);
    }
  });
  it("is not offered once corrected, for a dependent, on a revoked phone, or for other types", () => {
    expect(correctable(item("plot.registered", "rule_violation", "k:2"))).toBe(false);
    expect(correctable(item("lot.harvested", "dependency_refused"))).toBe(false);
    expect(correctable(item("plot.registered", "device_revoked"))).toBe(false);
    expect(correctable(item("verification.recorded", "rule_violation"))).toBe(false);
    expect(correctable({ ...item("plot.registered", "rule_violation"), state: "queued", refusal: null })).toBe(false);
  });
});
