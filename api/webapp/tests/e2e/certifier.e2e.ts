/**
 * A certifier's inspection against the real Python server (started by
 * tests/api/test_certifier_e2e.py): the browser modules download the inspection plan, record
 * evidence for two plots (one passing, one failing shade cover) with a photo and an
 * observation file stored by SHA-256, sign the evidence on the certifier's key, upload the
 * files (a second upload sends nothing: the server already has them), compute the findings on
 * the "device", check what the ledger would refuse, and sign two verifications that the
 * ledger admits only if its own rule engine finds the same findings — then revoke one with a
 * reason. Results go to BIOTRAZA_E2E_OUT for the Python side to check its ledger.
 *
 * Skipped unless BIOTRAZA_E2E_CERTIFIER is set (the sync's e2e run shares this config).
 */
import "fake-indexeddb/auto";
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { keyMaterialFromSeed, signerFrom } from "../../src/crypto/ed25519";
import { hexDecode } from "../../src/crypto/encoding";
import { keyId } from "../../src/crypto/keys";
import { formatTs, signStatement } from "../../src/crypto/statements";
import type { SubjectKind } from "../../src/certifier/evaluate";
import {
  evidenceBody,
  evidenceIdsFor,
  findingsFor,
  observationFile,
  preSign,
  revocationBody,
  verificationBody,
  type Observation,
} from "../../src/certifier/inspection";
import { CertifierStore, downloadPlan, uploadBlobs, type StoredObservation } from "../../src/certifier/store";
import { httpTransport } from "../../src/sync";

const ENABLED = Boolean(process.env["BIOTRAZA_E2E_CERTIFIER"]);

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set: run through tests/api/test_certifier_e2e.py`);
  return value;
}

describe.skipIf(!ENABLED)("certifier inspection against the server", () => {
  it("plan, evidence with photos, findings, verification admitted by the ledger", async () => {
    const base = env("BIOTRAZA_E2E_URL");
    const fetcher: typeof fetch = (input, init) => fetch(new URL(String(input), base), init);
    const signer = signerFrom(await keyMaterialFromSeed(hexDecode(env("BIOTRAZA_E2E_CERTIFIER_SEED"), 32), "noble"));
    const me = await keyId(signer.publicKey);
    const transport = httpTransport(base, { batch: null });
    const store = await CertifierStore.open("certifier-e2e");
    const today = formatTs(new Date()).slice(0, 10);

    // 1. Download and keep the plan (online, before the field).
    const plan = await downloadPlan(fetcher, "coop-a", "coffee-ab@1", "coffee");
    const stored = await store.savePlan(plan);
    const plotSection = plan.sections.find((s) => s.applies_to === "plot");
    expect(plotSection?.subjects.map((s) => s.id)).toEqual(["pl-1", "pl-2"]);

    // 2. In the field (no network needed): observations with a photo and position per plot.
    const photo = (plot: string) => new TextEncoder().encode(`JPEG bytes of ${plot}'s canopy`);
    const observations: StoredObservation[] = [];
    for (const plot of ["pl-1", "pl-2"]) {
      const photoHash = await store.putBlob(photo(plot), "image/jpeg");
      for (const criterion of plotSection?.criteria ?? []) {
        const value = passing(criterion.field, plot);
        const base: Omit<Observation, "attachments"> = {
          evidence_id: `ev-${plot}-${criterion.field.replaceAll("_", "-")}`,
          subject_kind: "plot",
          subject_id: plot,
          field: criterion.field,
          value,
          observed_on: today,
          method: "inspección en campo",
          seq: null,
        };
        const observedAt = formatTs(new Date());
        const file = observationFile(base, { lat: 15.601, lon: -92.599, accuracy_m: 6 }, observedAt);
        const fileHash = await store.putBlob(file, "application/json");
        const attachments = [{ sha256: fileHash, media_type: "application/json", name: "observation.json" }];
        if (criterion.field === "shade_cover_pct") attachments.push({ sha256: photoHash, media_type: "image/jpeg", name: `sombra-${plot}.jpg` });
        const observation: StoredObservation = { ...base, attachments, planKey: stored.key, observedAt, outboxKey: null };
        await store.saveObservation(observation);
        observations.push(observation);
      }
    }
    const offlineFindings = await findingsFor(plan, observations, [["plot", "pl-1"], ["plot", "pl-2"]], today);
    const shade = offlineFindings.findings.filter((f) => f.criterion_id === "CAB-SHADE-COVER").map((f) => [f.subject_id, f.status]);
    expect(shade).toEqual([["pl-1", "pass"], ["pl-2", "fail"]]);
    expect(offlineFindings.result).toBe("fail");

    // 3. Back online: files first (upload before you cite), then the signed evidence.
    const first = await uploadBlobs(store, signer, me, fetcher);
    expect(first.failed).toEqual([]);
    expect(first.uploaded).toBe(2 + observations.length);
    for (const blob of await store.pendingBlobs()) throw new Error(`still pending ${blob.sha256}`);
    const again = await store.putBlob(photo("pl-1"), "image/jpeg");
    const second = await uploadBlobs(store, signer, me, fetcher);
    expect([second.uploaded, second.present, (await store.blob(again))?.uploaded]).toEqual([0, 0, true]);
    const seqs: number[] = [];
    for (const observation of observations) {
      const signed = await signStatement(signer, "evidence.recorded", evidenceBody(observation));
      const outcome = await transport.submitOne(signed);
      if (outcome.kind !== "accepted") throw new Error(`evidence refused: ${JSON.stringify(outcome)}`);
      seqs.push(outcome.entry.seq);
      await store.saveObservation({ ...observation, seq: outcome.entry.seq });
    }

    // 4. Findings with the ledger's seqs, the pre-sign check, then the signatures.
    const withSeqs = await store.observations(stored.key);
    const results: Record<string, unknown> = { key_id: me, evidence_seqs: seqs, verifications: {} };
    for (const [id, plot] of [["ver-pl-1", "pl-1"], ["ver-pl-2", "pl-2"]] as const) {
      const chosen: (readonly [SubjectKind, string])[] = [["plot", plot]];
      const evaluation = await findingsFor(plan, withSeqs, chosen, today);
      expect(preSign(plan, "certimex", chosen, evaluation, today)).toEqual([]);
      const evidenceIds = evidenceIdsFor(plan, withSeqs, chosen);
      const body = await verificationBody(plan, evaluation, { verificationId: id, chosen, validFrom: "2025-10-01", validUntil: "2026-12-31", evidenceIds });
      const outcome = await transport.submitOne(await signStatement(signer, "verification.issued", body));
      if (outcome.kind !== "accepted") throw new Error(`verification refused: ${JSON.stringify(outcome)}`);
      (results["verifications"] as Record<string, unknown>)[id] = { seq: outcome.entry.seq, result: evaluation.result };
    }
    // A failing verification is withdrawn with a reason.
    const revocation = revocationBody("ver-pl-2", "sombra medida antes de la poda");
    expect(revocation).not.toBeNull();
    const revoked = await transport.submitOne(await signStatement(signer, "verification.revoked", revocation ?? {}));
    expect(revoked.kind).toBe("accepted");
    // An outsider's plot is refused before signing, not after.
    const outside = await findingsFor(plan, withSeqs, [["plot", "pl-9"]], today);
    expect(preSign(plan, "certimex", [["plot", "pl-9"]], outside, today).map((p) => p.code)).toContain("outside_scope");
    store.close();
    writeFileSync(env("BIOTRAZA_E2E_OUT"), JSON.stringify(results));
  });
});

/** A passing value for each coffee-ab@1 plot field, except pl-2's shade cover (25 %). */
function passing(field: string, plot: string): Observation["value"] {
  const values: Record<string, Observation["value"]> = {
    shade_cover_pct: plot === "pl-2" ? 25 : 55.5,
    native_woody_species_count: 14,
    canopy_height_m: 15,
    canopy_strata_count: 3,
    stream_buffer_m: 8,
    river_buffer_m: 12,
    agrochemicals_used: ["cal agrícola"],
    deforestation_free_since_2020_12_31: true,
    leaf_litter_present: true,
    herbaceous_layer_present: true,
  };
  const value = values[field];
  if (value === undefined) throw new Error(`no value for ${field}`);
  return value;
}
