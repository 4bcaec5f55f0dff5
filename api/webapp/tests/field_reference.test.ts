/** The pickers: the server's lists merged with what this phone captured and the server has
 * not listed yet, each such record carrying the outbox key a later capture depends on. */
import { describe, expect, it } from "vitest";
import { mergeReference, pendingKeys } from "../src/field/reference";
import type { OutboxItem } from "../src/outbox";

function item(key: string, type: string, body: Record<string, unknown>, state: OutboxItem["state"] = "queued"): OutboxItem {
  return { key, state, signed: { statement: { v: 1, type, actor: "a".repeat(32), ts: "2026-03-01T12:00:00Z", nonce: key, body }, sig: "" } } as unknown as OutboxItem;
}

describe("pickers", () => {
  const server = {
    producers: [{ producer_id: "p-1", community: "Ejido Uno", org_id: "coop" }],
    plots: [{ plot_id: "pl-1", producer_id: "p-1", product: "coffee", area_ha: 2.5, geometry: { type: "Point", coordinates: [-92.6, 15.6] } }],
    apiaries: [{ apiary_id: "ap-1", producer_id: "p-1", hive_count: 12, location: { type: "Point", coordinates: [-92.6, 15.6] } }],
  };

  it("lists the server's records as not pending, apiaries as honey", () => {
    const { members, sites } = mergeReference(server, []);
    expect(members).toEqual([{ id: "p-1", community: "Ejido Uno", pending: null }]);
    expect(sites.map((s) => [s.kind, s.id, s.product, s.pending])).toEqual([
      ["plot", "pl-1", "coffee", null],
      ["apiary", "ap-1", "honey", null],
    ]);
    expect(sites[0]?.areaHa).toBe(2.5);
    expect(sites[1]?.hiveCount).toBe(12);
  });

  it("adds this phone's unlisted captures with their outbox keys, skips refused ones and listed ids", () => {
    const items = [
      item("k1", "producer.registered", { producer_id: "p-2", community: "Ejido Dos" }),
      item("k2", "plot.registered", { plot_id: "pl-2", producer_id: "p-2", product: "cacao", area_ha: 1, geometry: {} }),
      item("k3", "apiary.registered", { apiary_id: "ap-2", producer_id: "p-2", hive_count: 5, location: {} }, "accepted"),
      item("k4", "producer.registered", { producer_id: "p-3" }, "refused"),
      item("k5", "producer.registered", { producer_id: "p-1" }, "accepted"),
      item("k6", "lot.harvested", { lot_id: "h-1" }),
    ];
    const { members, sites } = mergeReference(server, items);
    expect(members.map((m) => [m.id, m.pending])).toEqual([
      ["p-1", null],
      ["p-2", "k1"],
    ]);
    expect(sites.map((s) => [s.kind, s.id, s.product, s.pending])).toEqual([
      ["plot", "pl-1", "coffee", null],
      ["apiary", "ap-1", "honey", null],
      ["plot", "pl-2", "cacao", "k2"],
      ["apiary", "ap-2", "honey", "k3"],
    ]);
  });

  it("makes a capture depend only on the records still on the phone", () => {
    expect(pendingKeys({ pending: "k2" }, null, { pending: null }, undefined, { pending: "k1" })).toEqual(["k2", "k1"]);
    expect(pendingKeys()).toEqual([]);
  });
});
