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
 * - `inspectionEvidence` is the evidence a verification lists and is evaluated on (findings
 *   version 2, docs/entry-format.md): the plan's recorded evidence about the subjects in
 *   scope, by seq, then this device's observations about them in capture order, each
 *   `evidence_id` once. Ids are chosen on the device, so the list, the findings and the
 *   signature need no connection; the ledger evaluates exactly this list, so evidence others
 *   record before the upload cannot make it refuse what was signed.
 * - `preSign` lists what the ledger would refuse — accreditation (status, window, standard,
 *   product), scope (subjects outside the association's plan), missing evidence, a future
 *   as-of — before a day's work is signed.
 * - `verificationBody` builds `verification.issued` (findings version 2, with the evidence ids)
 *   from the browser evaluator's findings (full findings up to 48 KiB, their SHA-256 beyond,
 *   as the CLI does).
 * - `findingGroups` and `inspectedSubject` fold the findings per subject on a phone: a plan
 *   of twenty plots lists ten findings each, and only the plot in hand needs to be open.
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
  type Finding,
  type FindingStatus,
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

type Chosen = readonly (readonly [SubjectKind, string])[];

/** The evidence a verification of the chosen subjects lists, in the order the ledger ranks it
 * (on the same day the later one decides): the plan's recorded evidence by seq, then this
 * device's observations in the order given (capture order), each id once. Only evidence
 * about the association and the chosen subjects: the ledger refuses any other. A plan
 * downloaded before the server sent evidence ids lacks them; its evidence cannot be cited,
 * shows as missing before signing, and downloading the plan again brings the ids. */
export function inspectionEvidence(plan: Plan, observations: readonly Observation[], chosen: Chosen): EvidenceRecord[] {
  const covered = new Set(scopeSubjects(plan, chosen).map(([kind, id]) => `${kind}:${id}`));
  const about = (e: { subject_kind: string; subject_id: string }): boolean => covered.has(`${e.subject_kind}:${e.subject_id}`);
  const listed = new Map<string, EvidenceRecord>();
  const recorded = plan.evidence.filter((e) => typeof e.evidence_id === "string" && about(e));
  recorded.sort((a, b) => (a.evidence_seq ?? -1) - (b.evidence_seq ?? -1));
  for (const e of recorded) listed.set(e.evidence_id as string, e);
  for (const o of observations) {
    if (!about(o) || listed.has(o.evidence_id)) continue;
    listed.set(o.evidence_id, {
      subject_kind: o.subject_kind,
      subject_id: o.subject_id,
      field: o.field,
      value: o.value,
      observed_on: o.observed_on,
      evidence_id: o.evidence_id,
    });
  }
  return [...listed.values()];
}

/** The ids a verification of the chosen subjects lists (`evidence_ids`), in ranking order. */
export function evidenceIdsFor(plan: Plan, observations: readonly Observation[], chosen: Chosen): string[] {
  return inspectionEvidence(plan, observations, chosen).map((e) => e.evidence_id as string);
}

/** The subjects a verification covers: the association and the chosen subjects. */
export function scopeSubjects(plan: Plan, chosen: Chosen): [SubjectKind, string][] {
  return [["association", plan.association_id], ...chosen.filter(([kind]) => kind !== "association").map(([k, id]) => [k, id] as [SubjectKind, string])];
}

/** Evaluate the chosen subjects as the ledger will evaluate the signed list (findings
 * version 2): no seq, no connection. */
export function findingsFor(plan: Plan, observations: readonly Observation[], chosen: Chosen, asOf: string): Promise<Evaluation> {
  return evaluate(plan.standard, scopeSubjects(plan, chosen), inspectionEvidence(plan, observations, chosen), asOf, null, 2);
}

/** Everything the ledger would refuse in signing this verification today. */
export function preSign(
  plan: Plan,
  certifierId: string,
  chosen: Chosen,
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
  readonly chosen: Chosen;
  readonly validFrom: string;
  readonly validUntil: string;
  /** The evidence the evaluation read, in its order: `evidenceIdsFor(…)` of the same
   * plan, observations and subjects as `findingsFor`. */
  readonly evidenceIds: readonly string[];
}

/** The `verification.issued` body (findings version 2) for an evaluation made by
 * `findingsFor` on the evidence `input.evidenceIds` names. */
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
    findings_version: 2,
    evidence_ids: [...input.evidenceIds],
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

/** One subject's findings, for the per-subject fold of the findings on a phone. */
export interface FindingGroup {
  /** `kind:id`, as the scope names subjects. */
  readonly key: string;
  readonly subjectKind: string;
  readonly subjectId: string;
  readonly findings: readonly Finding[];
  /** How many findings of each status: the fold's header says them, so a closed subject
   * still shows what fails and what has no evidence. */
  readonly counts: Readonly<Record<FindingStatus, number>>;
}

/** The findings grouped per subject, subjects in the order their first finding comes (the
 * evaluator's: association, then each subject of the scope), findings in their order. */
export function findingGroups(findings: readonly Finding[]): FindingGroup[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.subject_kind}:${f.subject_id}`;
    const list = groups.get(key);
    if (list) list.push(f);
    else groups.set(key, [f]);
  }
  return [...groups].map(([key, list]) => {
    const counts: Record<FindingStatus, number> = { pass: 0, fail: 0, missing: 0 };
    for (const f of list) counts[f.status] += 1;
    const first = list[0] as Finding;
    return { key, subjectKind: first.subject_kind, subjectId: first.subject_id, findings: list, counts };
  });
}

/** The subject whose findings open by themselves: the one being inspected — the subject of
 * the latest observation (capture order) that has findings here — else the first subject
 * whose criteria are still unanswered (a `missing` finding), else none. Every other subject
 * stays folded until the inspector opens it. */
export function inspectedSubject(groups: readonly FindingGroup[], observations: readonly Observation[]): string | null {
  const keys = new Set(groups.map((g) => g.key));
  for (let i = observations.length - 1; i >= 0; i -= 1) {
    const o = observations[i] as Observation;
    const key = `${o.subject_kind}:${o.subject_id}`;
    if (keys.has(key)) return key;
  }
  return groups.find((g) => g.counts.missing > 0)?.key ?? null;
}
