/**
 * The IndexedDB outbox (fake-indexeddb: the IndexedDB algorithms in Node): capture order,
 * dependencies, states, refusal and correction, nothing deleted but confirmed items, and
 * survival across reloads and a schema upgrade by a newer app version.
 */
import "fake-indexeddb/auto";
import { openDB } from "idb";
import { beforeAll, describe, expect, it } from "vitest";
import { keyMaterialFromSeed, signerFrom, type Signer } from "../src/crypto/ed25519";
import { sha256, utf8 } from "../src/crypto/encoding";
import { signStatement, type SignedStatement } from "../src/crypto/statements";
import { DEPENDENCY_REFUSED, MIGRATIONS, Outbox, itemKey, type Migration, type OutboxItem } from "../src/outbox";

let signer: Signer;
let n = 0;
beforeAll(async () => {
  signer = signerFrom(await keyMaterialFromSeed(await sha256(utf8("biotraza-test:device")), "webcrypto"));
});
const fresh = (): string => `outbox-test-${++n}-${Date.now()}`;
const sign = (type: string, body: Record<string, string>): Promise<SignedStatement> =>
  signStatement(signer, type, body);
const keys = (items: OutboxItem[]): string[] => items.map((i) => i.key);
const accept = (seq: number) => ({ seq, entryHash: "00".repeat(32), prev: "00".repeat(32), logTime: null, replay: false, at: new Date().toISOString() });
const refusal = { code: "rule_violation", field: "statement.body.producer_id", reason: "producer p9 does not exist", status: 409, at: "2026-03-01T12:00:00Z" };

describe("outbox", () => {
  it("keeps capture order and survives a reload", async () => {
    const dbName = fresh();
    const box = await Outbox.open({ dbName });
    const signed = await Promise.all([1, 2, 3].map((i) => sign("producer.registered", { producer_id: `p${i}` })));
    for (const s of signed) await box.add(s, { meta: { title: s.statement.body["producer_id"] } });
    box.close();
    const reopened = await Outbox.open({ dbName });
    const items = await reopened.list();
    expect(keys(items)).toEqual(signed.map(itemKey));
    expect(items.map((i) => i.signed)).toEqual(signed); // the signed bytes, unchanged
    expect(items.every((i) => i.state === "queued")).toBe(true);
    expect(keys(await reopened.nextBatch(2))).toEqual(signed.slice(0, 2).map(itemKey));
    reopened.close();
  });

  it("adding the same signed statement twice keeps one item; a reused nonce is refused", async () => {
    const box = await Outbox.open({ dbName: fresh() });
    const s = await sign("producer.registered", { producer_id: "p1" });
    const a = await box.add(s);
    const b = await box.add(s);
    expect(b.order).toBe(a.order);
    expect(await box.list()).toHaveLength(1);
    const other = await signStatement(signer, "producer.registered", { producer_id: "p2" }, { nonce: s.statement.nonce });
    await expect(box.add(other)).rejects.toThrow(/nonce/);
    box.close();
  });

  it("an item goes after its dependency: in the same request, or once it is admitted", async () => {
    const box = await Outbox.open({ dbName: fresh() });
    const plot = await box.add(await sign("plot.registered", { plot_id: "plot-1" }));
    const harvest = await box.add(await sign("harvest.recorded", { plot_id: "plot-1" }), { dependsOn: [plot.key] });
    const other = await box.add(await sign("producer.registered", { producer_id: "p1" }));
    expect(keys(await box.nextBatch(10))).toEqual([plot.key, harvest.key, other.key]);
    expect(keys(await box.nextBatch(1))).toEqual([plot.key]);
    // The plot is held by another request (its tab died mid-sync): the harvest waits.
    const taken = await box.takeBatch(1);
    expect(keys(taken.items)).toEqual([plot.key]);
    expect(taken.items[0]?.state).toBe("sending");
    expect((await box.get(plot.key))?.attempts).toBe(1);
    await box.markRetry(plot.key, { code: "network", message: "offline" });
    // A request cut by size keeps capture order: nothing jumps the item that did not fit.
    expect(keys((await box.takeBatch(10, (chosen) => chosen.length < 1)).items)).toEqual([plot.key]);
    await box.applyResults([{ key: plot.key, kind: "accepted", acceptance: accept(7) }]);
    expect(keys(await box.nextBatch(10))).toEqual([harvest.key, other.key]);
    await expect(box.add(await sign("x.y", {}), { dependsOn: ["nope:nope"] })).rejects.toThrow(/dependency/);
    box.close();
  });

  it("a refused item stays visible, blocks its dependents, and a correction unblocks them", async () => {
    const box = await Outbox.open({ dbName: fresh() });
    const plot = await box.add(await sign("plot.registered", { plot_id: "plot-1", producer_id: "p9" }));
    const harvest = await box.add(await sign("harvest.recorded", { plot_id: "plot-1" }), { dependsOn: [plot.key] });
    await box.markSending([plot.key]);
    await box.markRefused(plot.key, refusal);
    expect(keys(await box.nextBatch(10))).toEqual([]);
    // Taking the next request refuses the harvest on the device, without sending it.
    const taken = await box.takeBatch(10);
    expect(taken.items).toEqual([]);
    expect(keys(taken.dependencyRefused)).toEqual([harvest.key]);
    expect((await box.get(harvest.key))?.refusal).toMatchObject({ code: DEPENDENCY_REFUSED, status: 0 });
    expect(keys(await box.blocked())).toEqual([harvest.key]);
    const refused = await box.get(plot.key);
    expect(refused?.state).toBe("refused");
    expect(refused?.refusal).toEqual(refusal);

    const corrected = await box.supersede(plot.key, await sign("plot.registered", { plot_id: "plot-1", producer_id: "p1" }));
    expect(corrected.supersedes).toBe(plot.key);
    expect((await box.get(plot.key))?.supersededBy).toBe(corrected.key);
    expect((await box.get(plot.key))?.state).toBe("refused"); // kept, marked as corrected
    // The harvest is back in the queue, after the correction it now depends on.
    expect((await box.get(harvest.key))?.state).toBe("queued");
    expect(keys(await box.nextBatch(10))).toEqual([corrected.key, harvest.key]);
    expect(keys(await box.nextBatch(1))).toEqual([corrected.key]);
    await box.markAccepted(corrected.key, accept(3));
    expect(keys(await box.nextBatch(10))).toEqual([harvest.key]);
    expect(await box.blocked()).toEqual([]);
    await expect(box.supersede(plot.key, await sign("plot.registered", { plot_id: "x" }))).rejects.toThrow(/not a refused item/);
    await expect(box.supersede(harvest.key, await sign("plot.registered", { plot_id: "y" }))).rejects.toThrow(/not a refused item/);
    box.close();
  });

  it("a chain refused at its root is refused down the chain, in one pass", async () => {
    const box = await Outbox.open({ dbName: fresh() });
    const member = await box.add(await sign("producer.registered", { producer_id: "p9" }));
    const plot = await box.add(await sign("plot.registered", { plot_id: "plot-9" }), { dependsOn: [member.key] });
    const harvest = await box.add(await sign("lot.harvested", { lot_id: "l-9" }), { dependsOn: [plot.key] });
    const other = await box.add(await sign("producer.registered", { producer_id: "p1" }));
    const first = await box.takeBatch(10);
    expect(keys(first.items)).toEqual([member.key, plot.key, harvest.key, other.key]);
    await box.applyResults([
      { key: member.key, kind: "refused", refusal },
      { key: plot.key, kind: "refused", refusal: { ...refusal, code: DEPENDENCY_REFUSED } },
      { key: harvest.key, kind: "retry", error: { code: "network", message: "offline" } },
      { key: other.key, kind: "accepted", acceptance: accept(4) },
    ]);
    const second = await box.takeBatch(10);
    expect(second.items).toEqual([]);
    expect(keys(second.dependencyRefused)).toEqual([harvest.key]);
    expect((await box.list()).map((i) => i.state)).toEqual(["refused", "refused", "refused", "accepted"]);
    // One correction of the member puts the plot back; the harvest follows the plot.
    const fix = await box.supersede(member.key, await sign("producer.registered", { producer_id: "p9b" }));
    expect(keys(await box.nextBatch(10))).toEqual([fix.key, plot.key]);
    box.close();
  });

  it("state moves are guarded: no confirming what was not accepted, no un-refusing", async () => {
    const box = await Outbox.open({ dbName: fresh() });
    const item = await box.add(await sign("x.y", { a: "1" }));
    const proof = { treeSize: 1, rootHash: "00", checkpoint: "", proof: [], at: new Date().toISOString() };
    await expect(box.markConfirmed(item.key, proof)).rejects.toThrow(/expected accepted/);
    await box.markRefused(item.key, refusal);
    await expect(box.markAccepted(item.key, accept(1))).rejects.toThrow(/is refused/);
    await expect(box.markSending([item.key])).rejects.toThrow(/is refused/);
    box.close();
  });

  it("deletes nothing but confirmed items, and only when asked", async () => {
    const box = await Outbox.open({ dbName: fresh() });
    const items: OutboxItem[] = [];
    for (const i of [1, 2, 3, 4]) items.push(await box.add(await sign("x.y", { i: `${i}` })));
    const [a, b, c] = items as [OutboxItem, OutboxItem, OutboxItem, OutboxItem];
    await box.markAccepted(a.key, accept(1));
    await box.markConfirmed(a.key, { treeSize: 2, rootHash: "00", checkpoint: "", proof: [], at: "2026-01-01T00:00:00Z" });
    await box.markAccepted(b.key, accept(2)); // accepted, not yet proved
    await box.markRefused(c.key, refusal);
    expect(await box.counts()).toEqual({ queued: 1, sending: 0, accepted: 1, confirmed: 1, refused: 1 });
    expect(await box.pruneConfirmed(new Date("2025-12-31T00:00:00Z"))).toBe(0); // too recent
    expect(await box.pruneConfirmed(new Date())).toBe(1);
    expect(await box.counts()).toEqual({ queued: 1, sending: 0, accepted: 1, confirmed: 0, refused: 1 });
    box.close();
  });

  it("a newer app version upgrades the schema without losing items, even with an old tab open", async () => {
    const dbName = fresh();
    const oldTab = await Outbox.open({ dbName });
    const s = await sign("x.y", { a: "1" });
    await oldTab.add(s);
    await oldTab.markSending([itemKey(s)]); // mid-sync when the update lands
    const v2: Migration = (_db, tx) => {
      tx.objectStore("items").createIndex("capturedAt", "capturedAt");
    };
    const newTab = await Outbox.open({ dbName, migrations: [...MIGRATIONS, v2] }); // not blocked by oldTab
    const items = await newTab.list();
    expect(items.map((i) => [i.key, i.state])).toEqual([[itemKey(s), "sending"]]);
    const raw = await openDB(dbName);
    expect(raw.version).toBe(2);
    expect([...raw.transaction("items").store.indexNames]).toContain("capturedAt");
    raw.close();
    // The interrupted item is offered again; resending is safe (the ledger is idempotent).
    expect(keys(await newTab.nextBatch(5))).toEqual([itemKey(s)]);
    newTab.close();
    oldTab.close();
  });

  it("tells subscribers about changes", async () => {
    const box = await Outbox.open({ dbName: fresh() });
    let calls = 0;
    const stop = box.subscribe(() => calls++);
    const item = await box.add(await sign("x.y", { a: "1" }));
    await box.markSending([item.key]);
    stop();
    await box.markRetry(item.key, { code: "network", message: "offline" });
    expect(calls).toBe(2);
    box.close();
  });
});
