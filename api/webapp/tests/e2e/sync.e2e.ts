/**
 * The JS sync against the real Python server (started by tests/api/test_webapp_sync.py):
 * statements signed on the "device" by this code are admitted by the ledger, each answer's
 * entry hash equals the local computation, and each entry's inclusion proof verifies here
 * against the operator-signed checkpoint. A sync killed after the server committed is re-run
 * after a "reload" (outbox and key reopened from IndexedDB): nothing is lost, nothing is
 * duplicated. A refused item keeps its reason; a device the ledger does not know stops the
 * run and says why. Both signing backends (WebCrypto, noble) run.
 *
 * Results are written to BIOTRAZA_E2E_OUT so the Python side can check its own ledger.
 */
import "fake-indexeddb/auto";
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { keyMaterialFromSeed, signerFrom } from "../../src/crypto/ed25519";
import { hexDecode } from "../../src/crypto/encoding";
import { loadDeviceKey, loadOrCreateDeviceKey } from "../../src/crypto/keystore";
import { signStatement, type SignedStatement } from "../../src/crypto/statements";
import { Outbox, itemKey } from "../../src/outbox";
import { httpTransport, batchCodec, startAutoSync, syncOnce, type SyncReport, type Transport } from "../../src/sync";

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set: run through tests/api/test_webapp_sync.py`);
  return value;
}

const BASE = env("BIOTRAZA_E2E_URL");
const REGISTRAR_SEED = hexDecode(env("BIOTRAZA_E2E_REGISTRAR_SEED"), 32);
const OUT = env("BIOTRAZA_E2E_OUT");
const SQUARE = {
  type: "Polygon",
  coordinates: [[[-92.6, 15.6], [-92.598, 15.6], [-92.598, 15.602], [-92.6, 15.602], [-92.6, 15.6]]],
};
const results: Record<string, unknown> = {};

/** The registrar registers the device's association with the device key as its key. */
async function enrol(transport: Transport, publicKeyText: string, orgId: string): Promise<void> {
  const registrar = signerFrom(await keyMaterialFromSeed(REGISTRAR_SEED, "noble"));
  const org = {
    org_id: orgId,
    name: `Cooperativa de prueba ${orgId}`,
    legal_form: "cooperativa",
    state: "07",
    public_key: publicKeyText,
  };
  const outcome = await transport.submitOne(await signStatement(registrar, "org.registered", org));
  expect(outcome.kind).toBe("accepted");
}

/** Sync until nothing waits for a checkpoint (the test server signs one per append). */
async function syncUntilProved(outbox: Outbox, transport: Transport, operatorKey: string): Promise<SyncReport[]> {
  const reports: SyncReport[] = [];
  for (let i = 0; i < 20; i++) {
    const report = await syncOnce(outbox, transport, { operatorKey, batchSize: 10 });
    reports.push(report);
    if (report.awaitingProof === 0 && report.stoppedBy === null) return reports;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`still waiting: ${JSON.stringify(reports.at(-1))}`);
}

describe.each(["webcrypto", "noble"] as const)("sync against the real server, %s device key", (backend) => {
  it("signs, uploads in order, survives a kill mid-sync, verifies every proof", async () => {
    const dbName = `e2e-${backend}`;
    const real = httpTransport(BASE);
    const device = await loadOrCreateDeviceKey({ dbName: `${dbName}-key`, backend });
    expect(device.backend).toBe(backend);
    await enrol(real, device.publicKeyText, `coop-${backend}`);
    const operatorKey = (await real.logInfo()).verifier_key;

    // Captured offline, in this order; the plot depends on the member registered before it.
    let outbox = await Outbox.open({ dbName });
    const member = await outbox.add(await signStatement(device, "producer.registered", { producer_id: `p1-${backend}` }));
    const plot = await outbox.add(
      await signStatement(device, "plot.registered", { plot_id: `plot-1-${backend}`, producer_id: `p1-${backend}`, product: "coffee", area_ha: 4.75, geometry: SQUARE }),
      { dependsOn: [member.key] },
    );
    const stray = await outbox.add(
      await signStatement(device, "plot.registered", { plot_id: `plot-9-${backend}`, producer_id: "nobody", product: "coffee", area_ha: 4.75, geometry: SQUARE }),
    );
    const second = await outbox.add(await signStatement(device, "producer.registered", { producer_id: `p2-${backend}` }));

    // The page dies right after the server committed the third submission of a run that
    // goes one by one (member, plot after it in the same run, stray; p2 not yet sent).
    const single = httpTransport(BASE, { batch: null });
    let calls = 0;
    const dying: Transport = {
      ...single,
      async submitOne(signed: SignedStatement) {
        const outcome = await single.submitOne(signed);
        if (++calls === 3) throw new Error("page killed");
        return outcome;
      },
    };
    await expect(syncOnce(outbox, dying, { operatorKey, batchSize: 10 })).rejects.toThrow("page killed");
    outbox.close();

    // Reload: the key and the outbox come back from IndexedDB. The whole request was marked
    // `sending` before it left, in one transaction.
    const reloaded = await loadDeviceKey({ dbName: `${dbName}-key` });
    expect(reloaded?.keyId).toBe(device.keyId);
    outbox = await Outbox.open({ dbName });
    const states = Object.fromEntries((await outbox.list()).map((i) => [i.key, i.state]));
    expect(states).toEqual({ [member.key]: "sending", [plot.key]: "sending", [stray.key]: "sending", [second.key]: "sending" });

    // Re-run through the batch endpoint (the default): member and plot come back as the
    // entries they already became, the stray is refused, p2 is new.
    const transport = httpTransport(BASE);
    const reports = await syncUntilProved(outbox, transport, operatorKey);
    const items = Object.fromEntries((await outbox.list()).map((i) => [i.key, i]));

    for (const key of [member.key, plot.key, second.key]) {
      expect(items[key]?.state).toBe("confirmed");
      expect(items[key]?.confirmation?.checkpoint).toContain("\n\n\u2014 ");
    }
    for (const key of [member.key, plot.key]) {
      expect(items[key]?.attempts).toBe(2);
      expect(items[key]?.acceptance?.replay).toBe(true);
    }
    expect(items[second.key]?.acceptance?.replay).toBe(false);
    const strayItem = items[stray.key];
    expect(strayItem?.state).toBe("refused");
    expect(strayItem?.refusal?.code).toBe("rule_violation");
    expect(strayItem?.refusal?.field).toContain("producer_id");
    expect(strayItem?.attempts).toBe(2);
    // The plot went after its member, in the same request.
    expect(items[plot.key]?.acceptance?.seq ?? 0).toBeGreaterThan(items[member.key]?.acceptance?.seq ?? Infinity);
    expect(reports.reduce((n, r) => n + r.replayed, 0)).toBe(2);
    expect(reports.flatMap((r) => r.problems)).toEqual([]);

    // A correction of the refused plot, as a new statement, is admitted and proved too.
    const fix = await outbox.supersede(
      stray.key,
      await signStatement(device, "plot.registered", { plot_id: `plot-9-${backend}`, producer_id: `p2-${backend}`, product: "coffee", area_ha: 4.75, geometry: SQUARE }),
    );
    await syncUntilProved(outbox, transport, operatorKey);
    expect((await outbox.get(fix.key))?.state).toBe("confirmed");

    // Syncing again sends nothing.
    const idle = await syncOnce(outbox, transport, { operatorKey });
    expect(idle.sent).toBe(0);

    const final = await outbox.list();
    results[backend] = {
      key_id: device.keyId,
      admitted: final.filter((i) => i.state === "confirmed").map((i) => ({ key: i.key, seq: i.acceptance?.seq })),
      refused: final.filter((i) => i.state === "refused").map((i) => i.key),
    };
    outbox.close();
  });
});

describe("a lying server is caught on the device", () => {
  it("an answer whose entry hash is not ours is refused as answer_mismatch; a forged checkpoint proves nothing", async () => {
    const real = httpTransport(BASE, { batch: null });
    const device = await loadOrCreateDeviceKey({ dbName: "e2e-lies-key" });
    await enrol(real, device.publicKeyText, "coop-lies");
    const operatorKey = (await real.logInfo()).verifier_key;
    const outbox = await Outbox.open({ dbName: "e2e-lies" });
    const a = await outbox.add(await signStatement(device, "producer.registered", { producer_id: "p-lies-a" }));
    // The real server records it, but the answer is altered on the way (a proxy, a bug).
    const altering: Transport = {
      ...real,
      async submitOne(signed) {
        const outcome = await real.submitOne(signed);
        return outcome.kind === "accepted" ? { ...outcome, entry: { ...outcome.entry, entry_hash: "00".repeat(32) } } : outcome;
      },
    };
    const report = await syncOnce(outbox, altering, { operatorKey });
    expect(report.problems.map((p) => p.code)).toEqual(["answer_mismatch"]);
    expect((await outbox.get(a.key))?.refusal?.code).toBe("answer_mismatch");

    // A checkpoint whose tree size was changed no longer carries the operator's signature.
    const b = await outbox.add(await signStatement(device, "producer.registered", { producer_id: "p-lies-b" }));
    const forging: Transport = {
      ...real,
      async checkpoint() {
        const note = await real.checkpoint();
        return note === null ? null : note.replace(/\n(\d+)\n/, (_m, size: string) => `\n${Number(size) + 1}\n`);
      },
    };
    const forged = await syncOnce(outbox, forging, { operatorKey });
    expect(forged.accepted).toBe(1);
    expect(forged.problems.map((p) => p.code)).toContain("checkpoint_invalid");
    expect((await outbox.get(b.key))?.state).toBe("accepted"); // admitted, not confirmed
    // With the genuine checkpoint the same item is proved.
    const honest = await syncOnce(outbox, real, { operatorKey });
    expect(honest.confirmed).toBe(1);
    expect((await outbox.get(b.key))?.state).toBe("confirmed");
    results["lies"] = { key_id: device.keyId, admitted: [{ key: b.key, seq: (await outbox.get(b.key))?.acceptance?.seq }], altered: a.key };
    outbox.close();
  });
});

describe("automatic sync", () => {
  it("runs when the connection returns (the online event)", async () => {
    const real = httpTransport(BASE);
    const device = await loadOrCreateDeviceKey({ dbName: "e2e-auto-key" });
    await enrol(real, device.publicKeyText, "coop-auto");
    const operatorKey = (await real.logInfo()).verifier_key;
    const outbox = await Outbox.open({ dbName: "e2e-auto" });
    const item = await outbox.add(await signStatement(device, "producer.registered", { producer_id: "p-auto" }));
    const window = new EventTarget();
    const reports: SyncReport[] = [];
    const auto = startAutoSync(outbox, real, { operatorKey, target: window, retryMs: 200, onReport: (r) => reports.push(r) });
    expect((await outbox.get(item.key))?.state).toBe("queued"); // nothing happens before the event
    window.dispatchEvent(new Event("online"));
    for (let i = 0; i < 100 && (await outbox.get(item.key))?.state !== "confirmed"; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    auto.stop();
    expect((await outbox.get(item.key))?.state).toBe("confirmed");
    expect(reports.length).toBeGreaterThan(0);
    results["auto"] = { key_id: device.keyId, admitted: [{ key: item.key, seq: (await outbox.get(item.key))?.acceptance?.seq }] };
    outbox.close();
  });
});

describe("a device the ledger does not know", () => {
  it("stops the run with device_not_enrolled and keeps its items queued", async () => {
    const device = await loadOrCreateDeviceKey({ dbName: "e2e-stranger-key" });
    const outbox = await Outbox.open({ dbName: "e2e-stranger" });
    const item = await outbox.add(await signStatement(device, "producer.registered", { producer_id: "p1" }));
    const transport = httpTransport(BASE);
    const report = await syncOnce(outbox, transport, { operatorKey: (await transport.logInfo()).verifier_key });
    expect(report.stoppedBy?.code).toBe("device_not_enrolled");
    const stored = await outbox.get(item.key);
    expect(stored?.state).toBe("queued");
    expect(stored?.lastError?.code).toBe("device_not_enrolled");
    results["stranger"] = { key_id: device.keyId, key: itemKey(item.signed) };
    outbox.close();
    writeFileSync(OUT, JSON.stringify(results, null, 2));
  });
});
