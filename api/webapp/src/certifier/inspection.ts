/** An inspection on the certifier's device: the plan it came from, the observations made in
 * the field, the check of what the ledger would refuse, and the verification body to sign.
 *
 * Pure functions over plain data (the screens keep it in IndexedDB, `plans.ts`), so that
 * what the inspector is shown before signing is exactly what is signed:
 *
 * - `readValue` turns what was typed into the evidence value the criterion's operator reads
 *   (numbers as typed on a Mexican phone, yes/no, lists, days), or names what is wrong.
 * - `evidenceBody` is the `evidence.recorded` body of an observation. Its GPS position and
 *   time travel as a small JSON attachment (`observation.json`, content-addressed like the
 *   photo): the entry schema has no place for them and none is needed, since the ledger keeps
 *   the file's SHA-256 and the file sits in the blob store next to the photo.
 * - `inspectionEvidence` merges the evidence recorded before the plan was downloaded with this
 *   device's observations: an observation counts with the seq the ledger gave it once
 *   accepted, and as unsequenced (ranking below any recorded one of the same day) before.
 * - `preSign` lists what the ledger would refuse — accreditation (status, window, standard,
 *   product), scope (subjects outside the association's plan), missing evidence, a future
 *   as-of — before a day's work is signed.
 * - `verificationBody` builds `verification.issued` from the browser evaluator's findings
 *   (full findings up to 48 KiB, their SHA-256 beyond, as the CLI does).
 */
import { canonicalBytes } from "../crypto/jcs";
import { hexEncode, sha256 } from "../crypto/encoding";
import type { JsonObject, JsonValue } from "../crypto/statements";
import {
  evaluate,
  isDate,
  type Criterion,
  type Evaluation,
  type EvidenceRecord,
  type Standard,
  type SubjectKind,
  type Value,
} from "./evaluate";

export interface PlanSubject {
  readonly id: string;
  readonly [key: string]: unknown;
}

export interface PlanSection {
  readonly applies_to: SubjectKind;
  readonly criteria: readonly Criterion[];
  readonly subjects: readonly PlanSubject[];
}

export interface Accreditation {
  readonly certifier_id: string;
  readonly name: string;
  readonly products: readonly string[];
  readonly standards: readonly string[];
  readonly valid_from: string;
  readonly valid_until: string;
  readonly status: string;
}

/** `GET /api/v1/inspection-plans/{association}` (api/services/inspection.py). */
export interface Plan {
  readonly association_id: string;
  readonly product: string;
  readonly standard_hash: string;
  readonly standard: Standard;
  readonly sections: readonly PlanSection[];
  readonly evidence: readonly EvidenceRecord[];
  readonly accreditations: readonly Accreditation[];
}

export interface Position {
  readonly lat: number;
  readonly lon: number;
  readonly accuracy_m: number | null;
}

export interface Attachment {
  readonly sha256: string;
  readonly media_type: string;
  readonly name: string;
}

/** One measurement or declaration made on this device. */
export interface Observation {
  readonly evidence_id: string;
  readonly subject_kind: SubjectKind;
  readonly subject_id: string;
  readonly field: string;
  readonly value: Value;
  readonly observed_on: string;
  readonly method: string;
  readonly attachments: readonly Attachment[];
  /** The ledger's seq once the outbox item was accepted, else null. */
  readonly seq: number | null;
}

export type Problem =
  | { readonly code: "not_accredited"; readonly certifier: string }
  | { readonly code: "accreditation_status"; readonly status: string }
  | { readonly code: "accreditation_window"; readonly from: string; readonly until: string; readonly day: string }
  | { readonly code: "accreditation_standard"; readonly standard: string }
  | { readonly code: "accreditation_product"; readonly product: string }
  | { readonly code: "outside_scope"; readonly subject: string }
  | { readonly code: "empty_scope" }
  | { readonly code: "as_of_future"; readonly asOf: string; readonly day: string }
  | { readonly code: "missing_evidence"; readonly subject: string; readonly criterion: string; readonly field: string };

export type Read = { ok: true; value: Value } | { ok: false; error: "number" | "bool" | "date" | "list" | "text" };

const NUMBER = /^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/;

/** What the inspector typed, as the value the criterion's operator reads; `error` says which
 * kind of input was expected (the screen shows it in the user's language). */
export function readValue(criterion: Criterion, text: string): Read {
  const op = criterion.operator;
  const trimmed = text.trim();
  if (op === "gte" || op === "gt" || op === "lte" || op === "lt" || (op === "eq" && typeof criterion.threshold === "number")) {
    if (!NUMBER.test(trimmed)) return { ok: false, error: "number" };
    return { ok: true, value: Number(trimmed.replace(/,/g, "")) };
  }
  if (op === "is_true" || op === "is_false" || (op === "eq" && typeof criterion.threshold === "boolean")) {
    if (trimmed === "true" || trimmed === "false") return { ok: true, value: trimmed === "true" };
    return { ok: false, error: "bool" };
  }
  if (op === "within_date" || op === "before_date" || op === "after_date") {
    return isDate(trimmed) ? { ok: true, value: trimmed } : { ok: false, error: "date" };
  }
  if (op === "none_of" || op === "all_of") {
    const items = trimmed === "" ? [] : trimmed.split(",").map((s) => s.trim());
    return items.some((s) => s === "") ? { ok: false, error: "list" } : { ok: true, value: items };
  }
  return trimmed === "" ? { ok: false, error: "text" } : { ok: true, value: trimmed };
}

/** SHA-256 (hex) of a file's bytes: its name in the blob store and on the ledger. */
export async function blobHash(bytes: Uint8Array): Promise<string> {
  return hexEncode(await sha256(bytes));
}

/** The observation's position and time as the JSON file attached to its evidence. */
export function observationFile(
  observation: Pick<Observation, "evidence_id" | "subject_kind" | "subject_id" | "field">,
  position: Position | null,
  observedAt: string,
): Uint8Array {
  return canonicalBytes({
    evidence_id: observation.evidence_id,
    subject: `${observation.subject_kind}:${observation.subject_id}`,
    field: observation.field,
    observed_at: observedAt,
    position: position === null ? null : { ...position },
  });
}

/** The `evidence.recorded` body of an observation. */
export function evidenceBody(observation: Observation): JsonObject {
  return {
    evidence_id: observation.evidence_id,
    subject_kind: observation.subject_kind,
    subject_id: observation.subject_id,
    field: observation.field,
    value: observation.value as JsonValue,
    observed_on: observation.observed_on,
    method: observation.method,
    attachments: observation.attachments.map((a) => ({ sha256: a.sha256, media_type: a.media_type, name: a.name })),
  };
}

/** The evidence the ledger will evaluate: the plan's recorded evidence plus this device's
 * observations (with the seq the ledger gave them, once known). */
export function inspectionEvidence(plan: Plan, observations: readonly Observation[]): EvidenceRecord[] {
  const known = new Set(plan.evidence.map((e) => e.evidence_seq));
  return [
    ...plan.evidence,
    ...observations
      .filter((o) => o.seq === null || !known.has(o.seq))
      .map((o) => ({
        subject_kind: o.subject_kind,
        subject_id: o.subject_id,
        field: o.field,
        value: o.value,
        observed_on: o.observed_on,
        evidence_seq: o.seq,
      })),
  ];
}

/** The subjects a verification covers: the association and the chosen subjects. */
export function scopeSubjects(plan: Plan, chosen: readonly (readonly [SubjectKind, string])[]): [SubjectKind, string][] {
  return [["association", plan.association_id], ...chosen.filter(([kind]) => kind !== "association").map(([k, id]) => [k, id] as [SubjectKind, string])];
}

/** Evaluate the chosen subjects as the ledger will. */
export function findingsFor(
  plan: Plan,
  observations: readonly Observation[],
  chosen: readonly (readonly [SubjectKind, string])[],
  asOf: string,
): Promise<Evaluation> {
  return evaluate(plan.standard, scopeSubjects(plan, chosen), inspectionEvidence(plan, observations), asOf);
}

/** Everything the ledger would refuse in signing this verification today. */
export function preSign(
  plan: Plan,
  certifierId: string,
  chosen: readonly (readonly [SubjectKind, string])[],
  evaluation: Evaluation,
  today: string,
): Problem[] {
  const problems: Problem[] = [];
  const accreditation = plan.accreditations.find((a) => a.certifier_id === certifierId);
  if (accreditation === undefined) {
    problems.push({ code: "not_accredited", certifier: certifierId });
  } else {
    if (accreditation.status !== "active") problems.push({ code: "accreditation_status", status: accreditation.status });
    if (today < accreditation.valid_from || today > accreditation.valid_until) {
      problems.push({ code: "accreditation_window", from: accreditation.valid_from, until: accreditation.valid_until, day: today });
    }
    if (!accreditation.standards.includes(plan.standard.id)) problems.push({ code: "accreditation_standard", standard: plan.standard.id });
    if (!accreditation.products.includes(plan.product)) problems.push({ code: "accreditation_product", product: plan.product });
  }
  const inPlan = new Set(plan.sections.flatMap((s) => s.subjects.map((x) => `${s.applies_to}:${x.id}`)));
  const chosenSites = chosen.filter(([kind]) => kind !== "association");
  if (chosenSites.length === 0) problems.push({ code: "empty_scope" });
  for (const [kind, id] of chosenSites) {
    if (!inPlan.has(`${kind}:${id}`)) problems.push({ code: "outside_scope", subject: `${kind}:${id}` });
  }
  if (evaluation.as_of > today) problems.push({ code: "as_of_future", asOf: evaluation.as_of, day: today });
  const fields = new Map(plan.standard.criteria.map((c) => [c.id, c.field]));
  for (const f of evaluation.findings) {
    if (f.status === "missing") {
      problems.push({ code: "missing_evidence", subject: `${f.subject_kind}:${f.subject_id}`, criterion: f.criterion_id, field: fields.get(f.criterion_id) ?? "" });
    }
  }
  return problems;
}

/** Findings larger than this are signed as their SHA-256 (the statement limit is 64 KiB). */
export const FULL_FINDINGS_LIMIT = 48 * 1024;

export interface VerificationInput {
  readonly verificationId: string;
  readonly chosen: readonly (readonly [SubjectKind, string])[];
  readonly validFrom: string;
  readonly validUntil: string;
}

/** The `verification.issued` body for an evaluation (`biotraza verification issue`'s). */
export async function verificationBody(plan: Plan, evaluation: Evaluation, input: VerificationInput): Promise<JsonObject> {
  const ids = (kind: SubjectKind): string[] =>
    input.chosen.filter(([k]) => k === kind).map(([, id]) => id);
  const findings = evaluation.findings as unknown as JsonValue[];
  const bytes = canonicalBytes(findings);
  const body: JsonObject = {
    verification_id: input.verificationId,
    association_id: plan.association_id,
    scope: { products: [plan.product], plots: ids("plot"), apiaries: ids("apiary"), lots: ids("lot") },
    standard_hash: plan.standard_hash,
    as_of: evaluation.as_of,
    result: evaluation.result,
    valid_from: input.validFrom,
    valid_until: input.validUntil,
  };
  if (bytes.length > FULL_FINDINGS_LIMIT) body["findings_sha256"] = hexEncode(await sha256(bytes));
  else body["findings"] = findings;
  return body;
}

/** `verification.revoked`: withdrawn from now on, with the reason (2–500 characters). */
export function revocationBody(verificationId: string, reason: string): JsonObject | null {
  const trimmed = reason.trim();
  if (trimmed.length < 2 || trimmed.length > 500) return null;
  return { verification_id: verificationId, reason: trimmed };
}
