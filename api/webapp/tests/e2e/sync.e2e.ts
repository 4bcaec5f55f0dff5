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
import { httpTransport, provisionalBatchCodec, syncOnce, type SyncReport, type Transport } from "../../src/sync";

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

    // The page dies right after the server committed the third submission (member, stray
    // and p2 go first; the plot waits for its member to be admitted).
    let calls = 0;
    const dying: Transport = {
      ...real,
      async submitOne(signed: SignedStatement) {
        const outcome = await real.submitOne(signed);
        if (++calls === 3) throw new Error("page killed");
        return outcome;
      },
    };
    await expect(syncOnce(outbox, dying, { operatorKey, batchSize: 10 })).rejects.toThrow("page killed");
    outbox.close();

    // Reload: the key and the outbox come back from IndexedDB.
    const reloaded = await loadDeviceKey({ dbName: `${dbName}-key` });
    expect(reloaded?.keyId).toBe(device.keyId);
    outbox = await Outbox.open({ dbName });
    const states = Object.fromEntries((await outbox.list()).map((i) => [i.key, i.state]));
    expect(states).toEqual({ [member.key]: "accepted", [plot.key]: "queued", [stray.key]: "refused", [second.key]: "sending" });

    // Re-run (through the batch codec: this server has no batch endpoint, so it falls back).
    const transport = httpTransport(BASE, { batch: provisionalBatchCodec });
    const reports = await syncUntilProved(outbox, transport, operatorKey);
    const items = Object.fromEntries((await outbox.list()).map((i) => [i.key, i]));

    for (const key of [member.key, plot.key, second.key]) {
      expect(items[key]?.state).toBe("confirmed");
      expect(items[key]?.confirmation?.checkpoint).toContain("\n\n\u2014 ");
    }
    // The statement committed before the kill was sent again and answered as the same entry.
    expect(items[second.key]?.attempts).toBe(2);
    expect(items[second.key]?.acceptance?.replay).toBe(true);
    const strayItem = items[stray.key];
    expect(strayItem?.state).toBe("refused");
    expect(strayItem?.refusal?.code).toBe("rule_violation");
    expect(strayItem?.refusal?.field).toContain("producer_id");
    expect(strayItem?.attempts).toBe(1);
    // The plot went only after its member was admitted.
    expect(items[plot.key]?.acceptance?.seq ?? 0).toBeGreaterThan(items[member.key]?.acceptance?.seq ?? Infinity);
    expect(reports.reduce((n, r) => n + r.replayed, 0)).toBe(1);
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
