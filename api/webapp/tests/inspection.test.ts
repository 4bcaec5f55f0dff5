/** The certifier's inspection logic: reading typed values, evidence bodies, merging this
 * device's observations with the plan's recorded evidence, the pre-sign check of what the
 * ledger refuses, and the verification body. The standard is the shipped coffee-ab@1 from the
 * shared evaluator vectors. */
import { describe, expect, it } from "vitest";
import { canonicalText } from "../src/crypto/jcs";
import type { Criterion, Standard } from "../src/certifier/evaluate";
import {
  evidenceBody,
  evidenceIdsFor,
  findingGroups,
  findingsFor,
  inspectedSubject,
  inspectionEvidence,
  observationFile,
  preSign,
  readValue,
  revocationBody,
  verificationBody,
  type Observation,
  type Plan,
} from "../src/certifier/inspection";
import { readVector } from "./vectors";

const COFFEE = readVector<{ standards: Record<string, Standard> }>("evaluator/rules.json").standards["coffee-ab@1"] as Standard;
const byField = (field: string): Criterion => COFFEE.criteria.find((c) => c.field === field) as Criterion;

const PASS: Record<string, unknown> = {
  shade_cover_pct: 55, native_woody_species_count: 14, canopy_height_m: 15, canopy_strata_count: 3,
  stream_buffer_m: 8, river_buffer_m: 12, agrochemicals_used: [],
  deforestation_free_since_2020_12_31: true, leaf_litter_present: true, herbaceous_layer_present: true,
};

function plan(over: Partial<Plan> = {}): Plan {
  return {
    association_id: "coop",
    product: "coffee",
    standard_hash: "ab".repeat(32),
    standard: COFFEE,
    sections: [
      { applies_to: "association", criteria: COFFEE.criteria.filter((c) => c.applies_to === "association"), subjects: [{ id: "coop" }] },
      { applies_to: "plot", criteria: COFFEE.criteria.filter((c) => c.applies_to === "plot"), subjects: [{ id: "p1" }, { id: "p2" }] },
    ],
    evidence: [{ subject_kind: "association", subject_id: "coop", field: "organic_certificate_valid", value: true, observed_on: "2026-01-05", evidence_seq: 7, evidence_id: "ev-coop-organic" }],
    accreditations: [{ certifier_id: "certimex", name: "Certimex", products: ["coffee"], standards: ["coffee-ab"], valid_from: "2025-01-01", valid_until: "2027-12-31", status: "active" }],
    ...over,
  };
}

function observe(subject: string, values: Record<string, unknown>, seq: number | null = null): Observation[] {
  return Object.entries(values).map(([field, value], i) => ({
    evidence_id: `ev-${subject}-${field}`,
    subject_kind: "plot",
    subject_id: subject,
    field,
    value: value as Observation["value"],
    observed_on: "2026-01-20",
    method: "inspección",
    attachments: [],
    seq: seq === null ? null : seq + i,
  }));
}

describe("reading what the inspector typed", () => {
  it("reads numbers as typed in Mexico, yes/no, lists and days", () => {
    expect(readValue(byField("shade_cover_pct"), " 1,234.5 ")).toEqual({ ok: true, value: 1234.5 });
    expect(readValue(byField("shade_cover_pct"), "35")).toEqual({ ok: true, value: 35 });
    expect(readValue(byField("shade_cover_pct"), "35,5")).toEqual({ ok: false, error: "number" });
    expect(readValue(byField("shade_cover_pct"), "")).toEqual({ ok: false, error: "number" });
    expect(readValue(byField("leaf_litter_present"), "true")).toEqual({ ok: true, value: true });
    expect(readValue(byField("leaf_litter_present"), "sí")).toEqual({ ok: false, error: "bool" });
    expect(readValue(byField("agrochemicals_used"), "urea, cal")).toEqual({ ok: true, value: ["urea", "cal"] });
    expect(readValue(byField("agrochemicals_used"), "")).toEqual({ ok: true, value: [] });
    expect(readValue(byField("agrochemicals_used"), "urea,,cal")).toEqual({ ok: false, error: "list" });
  });
});

describe("evidence of an observation", () => {
  it("is the evidence.recorded body; position and time are a content-addressed file", () => {
    const [o] = observe("p1", { shade_cover_pct: 55 }) as [Observation];
    const file = observationFile(o, { lat: 17.06, lon: -96.72, accuracy_m: 8 }, "2026-01-20T15:04:05Z");
    expect(JSON.parse(new TextDecoder().decode(file))).toEqual({
      evidence_id: "ev-p1-shade_cover_pct", field: "shade_cover_pct", observed_at: "2026-01-20T15:04:05Z",
      position: { accuracy_m: 8, lat: 17.06, lon: -96.72 }, subject: "plot:p1",
    });
    const body = evidenceBody({ ...o, attachments: [{ sha256: "cd".repeat(32), media_type: "image/jpeg", name: "sombra.jpg" }] });
    expect(Object.keys(body).sort()).toEqual(["attachments", "evidence_id", "field", "method", "observed_on", "subject_id", "subject_kind", "value"]);
    expect(body["attachments"]).toEqual([{ sha256: "cd".repeat(32), media_type: "image/jpeg", name: "sombra.jpg" }]);
  });

  it("lists the plan's evidence by seq, then this device's, each id once, only in scope", () => {
    const other = { subject_kind: "plot", subject_id: "p2", field: "shade_cover_pct", value: 50, observed_on: "2026-01-02" };
    const p = plan({
      evidence: [
        { ...other, subject_id: "p1", evidence_seq: 30, evidence_id: "ev-b" },
        ...plan().evidence,
        { ...other, evidence_seq: 12, evidence_id: "ev-other-plot" },
        { ...other, subject_id: "p1", evidence_seq: 9 }, // from a server without ids: not citable
      ],
    });
    const mine = observe("p1", { shade_cover_pct: 55, canopy_height_m: 15 });
    const chosen = [["plot", "p1"]] as const;
    expect(inspectionEvidence(p, mine, chosen).map((e) => e.evidence_id)).toEqual([
      "ev-coop-organic", "ev-b", "ev-p1-shade_cover_pct", "ev-p1-canopy_height_m",
    ]);
    // Once admitted, a plan downloaded again holds the device's evidence: listed once.
    const admitted = { ...inspectionEvidence(p, mine, chosen)[2]!, evidence_seq: 41 };
    const refreshed = plan({ evidence: [...p.evidence, admitted] });
    expect(evidenceIdsFor(refreshed, mine, chosen)).toEqual([
      "ev-coop-organic", "ev-b", "ev-p1-shade_cover_pct", "ev-p1-canopy_height_m",
    ]);
    expect(evidenceIdsFor(p, mine, [["plot", "p2"]])).toEqual(["ev-coop-organic", "ev-other-plot"]);
  });
});

describe("before signing", () => {
  const chosen = [["plot", "p1"], ["plot", "p2"]] as const;

  it("a passing plot and a failing shade cover: findings, no refusal ahead", async () => {
    const obs = [...observe("p1", PASS), ...observe("p2", { ...PASS, shade_cover_pct: 25 })];
    const evaluation = await findingsFor(plan(), obs, chosen, "2026-01-31");
    expect(evaluation.result).toBe("fail");
    const shade = evaluation.findings.filter((f) => f.criterion_id === "CAB-SHADE-COVER").map((f) => [f.subject_id, f.status]);
    expect(shade).toEqual([["p1", "pass"], ["p2", "fail"]]);
    expect(preSign(plan(), "certimex", chosen, evaluation, "2026-02-01")).toEqual([]);
  });

  it("names everything the ledger would refuse", async () => {
    const obs = observe("p1", { ...PASS, leaf_litter_present: undefined });
    const evaluation = await findingsFor(plan(), obs.filter((o) => o.value !== undefined), [["plot", "p1"], ["plot", "px"]], "2026-03-01");
    const late = plan({ accreditations: [{ ...plan().accreditations[0]!, status: "suspended", valid_until: "2026-01-31", standards: ["cacao-ab"], products: ["cacao"] }] });
    const codes = preSign(late, "certimex", [["plot", "p1"], ["plot", "px"]], evaluation, "2026-02-15").map((p) => p.code);
    expect(codes.slice(0, 6)).toEqual([
      "accreditation_status", "accreditation_window", "accreditation_standard", "accreditation_product",
      "outside_scope", "as_of_future",
    ]);
    // p1 lacks leaf litter; px (outside the plan) has no evidence for any of its 10 criteria.
    expect(codes.slice(6)).toEqual(Array(11).fill("missing_evidence"));
    expect(preSign(plan(), "other-body", chosen, evaluation, "2026-03-01")[0]).toEqual({ code: "not_accredited", certifier: "other-body" });
    expect(preSign(plan(), "certimex", [], evaluation, "2026-03-01").map((p) => p.code)).toContain("empty_scope");
  });

  it("builds verification.issued with the findings, or their digest when large", async () => {
    const obs = [...observe("p1", PASS, 20), ...observe("p2", PASS, 40)];
    const evaluation = await findingsFor(plan(), obs, chosen, "2026-01-31");
    const evidenceIds = evidenceIdsFor(plan(), obs, chosen);
    const input = { verificationId: "ver-1", chosen, validFrom: "2026-02-01", validUntil: "2027-01-31", evidenceIds };
    const body = await verificationBody(plan(), evaluation, input);
    expect(body["scope"]).toEqual({ products: ["coffee"], plots: ["p1", "p2"], apiaries: [], lots: [] });
    expect(body["result"]).toBe("pass");
    expect(body["findings_version"]).toBe(2);
    expect(body["evidence_ids"]).toEqual(evidenceIds);
    expect(evidenceIds).toHaveLength(21);
    expect(canonicalText(body["findings"])).toBe(canonicalText(evaluation.findings));
    // Signed offline: the findings cite ids chosen on the device, never a seq.
    const shade = evaluation.findings.find((f) => f.criterion_id === "CAB-SHADE-COVER" && f.subject_id === "p2");
    expect(shade?.evidence_id).toBe("ev-p2-shade_cover_pct");
    expect(evaluation.findings.every((f) => !("evidence_seq" in f))).toBe(true);
    expect(body["findings_sha256"]).toBeUndefined();
    const many = Array.from({ length: 40 }, (_, i) => ["plot", `p${i}`] as const);
    const big = await findingsFor(plan(), obs, many, "2026-01-31");
    const digestBody = await verificationBody(plan(), big, { ...input, chosen: many, evidenceIds: evidenceIdsFor(plan(), obs, many) });
    expect(digestBody["findings"]).toBeUndefined();
    expect(digestBody["findings_sha256"]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("revocation needs a reason", () => {
    expect(revocationBody("ver-1", " x ")).toBeNull();
    expect(revocationBody("ver-1", " sombra mal medida ")).toEqual({ verification_id: "ver-1", reason: "sombra mal medida" });
  });
});

describe("the findings folded per subject", () => {
  const chosen = [["plot", "p1"], ["plot", "p2"]] as const;

  it("groups each subject's findings in order, counting each status", async () => {
    const obs = [...observe("p1", PASS), ...observe("p2", { ...PASS, shade_cover_pct: 25, leaf_litter_present: undefined })];
    const evaluation = await findingsFor(plan(), obs.filter((o) => o.value !== undefined), chosen, "2026-01-31");
    const groups = findingGroups(evaluation.findings);
    expect(groups.map((g) => g.key)).toEqual(["association:coop", "plot:p1", "plot:p2"]);
    expect(groups.flatMap((g) => g.findings)).toEqual(evaluation.findings);
    const p2 = groups[2];
    expect(p2?.counts).toEqual({ pass: p2!.findings.length - 2, fail: 1, missing: 1 });
    expect(groups[1]?.counts.fail).toBe(0);
  });

  it("opens the subject of the latest observation, else the first with unanswered criteria", async () => {
    const obs = [...observe("p2", PASS), ...observe("p1", { shade_cover_pct: 55 })];
    const evaluation = await findingsFor(plan(), obs, chosen, "2026-01-31");
    const groups = findingGroups(evaluation.findings);
    expect(inspectedSubject(groups, obs)).toBe("plot:p1");
    expect(inspectedSubject(groups, [...obs, ...observe("p2", { river_buffer_m: 12 })])).toBe("plot:p2");
    // Nothing observed on this device: the first subject still missing evidence opens.
    const none = findingGroups((await findingsFor(plan(), [], chosen, "2026-01-31")).findings);
    expect(inspectedSubject(none, [])).toBe("plot:p1");
    // An observation about a subject outside the findings does not choose.
    expect(inspectedSubject(groups.slice(0, 2), observe("p9", PASS))).toBe("plot:p1");
    const passing = findingGroups((await findingsFor(plan(), [...observe("p1", PASS), ...observe("p2", PASS)], chosen, "2026-01-31")).findings);
    expect(inspectedSubject(passing, [])).toBeNull();
  });
});
