/** The rule engine in the browser: a standard's criteria run over evidence, with exactly the
 * output of verifiers/rules.py (`biotraza-rules/1`).
 *
 * Why exactly: a certifier signs findings (or their SHA-256) that the ledger recomputes from
 * the recorded evidence and compares byte for byte, so the device must produce the same
 * statuses, values, order and English reason texts. The standard's own JSON is the evaluator
 * description: each criterion names a field, one of fourteen operators and a threshold, and
 * this module interprets them with the engine's semantics (see docs/certification.md). Parity
 * is proven on tests/vectors/evaluator/rules.json by a Python test and a vitest.
 *
 * Values are those a signed statement carries (RFC 8785): an integral number is an int to the
 * engine, so reasons spell it without ".0"; other numbers are spelled like Python's repr.
 * Strings in list operators fold with Python's `str.casefold` table (casefold.json), not
 * `toLowerCase`, which differs on several hundred code points.
 *
 * Findings version 2 (`biotraza-rules/2`) is what the device signs offline: findings cite the
 * deciding evidence by `evidence_id` (chosen on the device, unlike the ledger's seq), every
 * record needs a distinct id, and on the same observed day the record later in the list wins.
 */
import { canonicalBytes } from "../crypto/jcs";
import { hexEncode, sha256 } from "../crypto/encoding";
import FOLDS_FILE from "./casefold.json";

export const ENGINE = "biotraza-rules/1";
export const ENGINE_V2 = "biotraza-rules/2";
export const SUBJECT_KINDS = ["plot", "apiary", "lot", "association"] as const;
export const SEVERITIES = ["critical", "major", "minor"] as const;

export type SubjectKind = (typeof SUBJECT_KINDS)[number];
export type Severity = (typeof SEVERITIES)[number];
export type Scalar = string | number | boolean | null;
export type Value = Scalar | Scalar[];
export type FindingStatus = "pass" | "fail" | "missing";
/** 1: findings cite the ledger seq of their evidence; 2: its `evidence_id`. */
export type FindingsVersion = 1 | 2;

export interface Text {
  es: string;
  en: string;
}

export interface Criterion {
  id: string;
  title: Text;
  guidance: Text;
  applies_to: SubjectKind;
  field: string;
  operator: string;
  threshold?: unknown;
  unit: string;
  severity: Severity;
  products?: string[] | null;
}

export interface Standard {
  id: string;
  version: number;
  title: Text;
  products: string[];
  minor_fail_tolerance: number;
  criteria: Criterion[];
}

export interface EvidenceRecord {
  subject_kind: string;
  subject_id: string;
  field: string;
  value: Value;
  observed_on: string;
  /** The ledger's seq, once admitted (version 1 ranks same-day records by it). */
  evidence_seq?: number | null;
  /** The `evidence_id` of the `evidence.recorded` body (version 2 cites it). */
  evidence_id?: string | null;
}

export interface Finding {
  criterion_id: string;
  subject_kind: string;
  subject_id: string;
  status: FindingStatus;
  severity: Severity;
  value: Value;
  observed_on: string | null;
  /** Version 1 only. */
  evidence_seq?: number | null;
  /** Version 2 only. */
  evidence_id?: string | null;
  reason: string;
}

export interface Evaluation {
  engine: string;
  standard_id: string;
  version: number;
  standard_hash: string;
  as_of: string;
  product: string | null;
  result: "pass" | "fail";
  reasons: string[];
  findings: Finding[];
}

/** Nothing to evaluate: the engine's `RuleEvaluationError`, same message (fail closed). */
export class RuleEvaluationError extends Error {
  override name = "RuleEvaluationError";
}

// --- Python's spelling of values --------------------------------------------------------

const FOLDS = (FOLDS_FILE as { folds: Record<string, string> }).folds;

/** Python's `str.casefold`. */
export function casefold(text: string): string {
  let out = "";
  for (const char of text) {
    out += FOLDS[(char.codePointAt(0) ?? 0).toString(16).toUpperCase()] ?? char;
  }
  return out;
}

/** Python's string order (by code point; JS's `<` compares UTF-16 units). */
export function comparePy(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) ?? 0);
  const y = Array.from(b, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  }
  return x.length - y.length;
}

function sortedPy(items: Iterable<string>): string[] {
  return Array.from(items).sort(comparePy);
}

/** A number as Python prints it once parsed from RFC 8785 JSON (int when integral). */
export function pyNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return String(x === 0 ? 0 : x);
  const [mantissa = "", exp = "0"] = x.toExponential().split("e");
  const e = Number(exp);
  if (e < -4 || e >= 16) {
    const digits = String(Math.abs(e)).padStart(2, "0");
    return `${mantissa}e${e < 0 ? "-" : "+"}${digits}`;
  }
  return String(x);
}

/** `json.dumps(value, ensure_ascii=False)`, as the engine shows values in reasons. */
export function pyShow(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return pyNumber(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pyShow).join(", ")}]`;
  return JSON.stringify(value);
}

function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const body = text.replaceAll("\\", "\\\\").replaceAll(quote, `\\${quote}`);
  return `${quote}${body.replaceAll("\n", "\\n").replaceAll("\r", "\\r").replaceAll("\t", "\\t")}${quote}`;
}

const DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

/** A `YYYY-MM-DD` string naming a real calendar day (year 1 to 9999), as the engine's. */
export function isDate(value: unknown): value is string {
  if (typeof value !== "string" || !DAY.test(value)) return false;
  const [y, m, d] = value.split("-").map(Number) as [number, number, number];
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
  return d <= days;
}

/** Python's `==` on two scalars of evidence lists (True == 1 == 1.0). */
function scalarEq(a: Scalar, b: Scalar): boolean {
  const numeric = (v: Scalar): boolean => typeof v === "number" || typeof v === "boolean";
  if (numeric(a) && numeric(b)) return Number(a) === Number(b);
  return a === b;
}

/** Same type and equal, as the engine decides whether two tied records agree. */
function sameValue(a: Value, b: Value): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => scalarEq(item, b[i] ?? null));
  }
  if (a === null || b === null) return a === b;
  return typeof a === typeof b && a === b;
}

// --- compiling criteria -----------------------------------------------------------------

const CONFLICT = Symbol("conflicting evidence");
type Held = Value | typeof CONFLICT;

interface Compiled {
  id: string;
  field: string;
  severity: Severity;
  rule: string;
  /** `null` when the value passes, else why it fails. */
  check: (value: Held) => string | null;
}

function wrong(field: string, expected: string, value: Held): string {
  if (value === CONFLICT) {
    return `conflicting evidence for ${field}: records of the same day and seq disagree`;
  }
  return `expected ${expected} for ${field}, found ${pyShow(value)}`;
}

const isNumber = (v: Held): v is number => typeof v === "number";
const isStringList = (v: Held): v is string[] =>
  Array.isArray(v) && v.every((item) => typeof item === "string");

function compileNumber(field: string, op: string, t: number): Compiled["check"] & { rule: string } {
  const symbol = { gte: ">=", gt: ">", lte: "<=", lt: "<" }[op] ?? op;
  const rule = `${field} ${symbol} ${pyShow(t)}`;
  const passes = (v: number): boolean =>
    op === "gte" ? v >= t : op === "gt" ? v > t : op === "lte" ? v <= t : v < t;
  return Object.assign(
    (value: Held) =>
      !isNumber(value)
        ? wrong(field, "a number", value)
        : passes(value)
          ? null
          : `expected ${rule}, found ${pyShow(value)}`,
    { rule },
  );
}

function compileEq(field: string, t: Scalar): Compiled["check"] & { rule: string } {
  const rule = `${field} == ${pyShow(t)}`;
  const kind = typeof t === "boolean" ? "boolean" : typeof t === "string" ? "string" : "number";
  const expected = { boolean: "a bool", string: "a string", number: "a number" }[kind];
  return Object.assign(
    (value: Held) =>
      typeof value !== kind
        ? wrong(field, expected, value)
        : value === t
          ? null
          : `expected ${rule}, found ${pyShow(value)}`,
    { rule },
  );
}

function compileList(field: string, op: string, t: string[]): Compiled["check"] & { rule: string } {
  const folded = new Set(t.map(casefold));
  const shown = pyShow(sortedPy(t));
  if (op === "in" || op === "not_in") {
    const inside = op === "in";
    const rule = `${field} ${inside ? "in" : "not in"} ${shown}`;
    return Object.assign(
      (value: Held) => {
        if (typeof value !== "string") return wrong(field, "a string", value);
        if (folded.has(casefold(value)) === inside) return null;
        return `expected ${rule}, found ${pyShow(value)}`;
      },
      { rule },
    );
  }
  if (op === "none_of") {
    const rule = `${field} has none of ${shown}`;
    return Object.assign(
      (value: Held) => {
        if (!isStringList(value)) return wrong(field, "a list of strings", value);
        const found = sortedPy(new Set(value.filter((item) => folded.has(casefold(item)))));
        return found.length === 0 ? null : `expected ${rule}, found ${pyShow(found)}`;
      },
      { rule },
    );
  }
  const rule = `${field} has all of ${shown}`;
  return Object.assign(
    (value: Held) => {
      if (!isStringList(value)) return wrong(field, "a list of strings", value);
      const have = new Set(value.map(casefold));
      const lacking = sortedPy([...folded].filter((item) => !have.has(item)));
      return lacking.length === 0 ? null : `expected ${rule}, lacking ${pyShow(lacking)}`;
    },
    { rule },
  );
}

function compileDate(field: string, op: string, t: unknown): Compiled["check"] & { rule: string } {
  let start: string;
  let end: string;
  let rule: string;
  if (op === "within_date") {
    const range = t as { from: string; to: string };
    [start, end] = [String(range.from), String(range.to)];
    rule = `${start} <= ${field} <= ${end}`;
  } else if (op === "before_date") {
    [start, end] = ["0000-00-00", String(t)];
    rule = `${field} before ${end}`;
  } else {
    [start, end] = [String(t), "9999-99-99"];
    rule = `${field} after ${start}`;
  }
  const closed = op === "within_date";
  const inside = (day: string): boolean =>
    closed ? start <= day && day <= end : start < day && day < end;
  return Object.assign(
    (value: Held) =>
      !isDate(value)
        ? wrong(field, "a date YYYY-MM-DD", value)
        : inside(value)
          ? null
          : `expected ${rule}, found ${value}`,
    { rule },
  );
}

function compileBool(field: string, op: string): Compiled["check"] & { rule: string } {
  const wanted = op === "is_true";
  const rule = `${field} is ${wanted ? "true" : "false"}`;
  return Object.assign(
    (value: Held) =>
      value === wanted
        ? null
        : typeof value === "boolean"
          ? `expected ${rule}, found ${pyShow(value)}`
          : wrong(field, "a bool", value),
    { rule },
  );
}

function compile(criterion: Criterion): Compiled {
  const { operator: op, field, threshold: t } = criterion;
  let check: Compiled["check"] & { rule: string };
  if (op === "gte" || op === "gt" || op === "lte" || op === "lt") {
    check = compileNumber(field, op, t as number);
  } else if (op === "eq") {
    check = compileEq(field, t as Scalar);
  } else if (op === "in" || op === "not_in" || op === "none_of" || op === "all_of") {
    check = compileList(field, op, t as string[]);
  } else if (op === "within_date" || op === "before_date" || op === "after_date") {
    check = compileDate(field, op, t);
  } else if (op === "is_true" || op === "is_false") {
    check = compileBool(field, op);
  } else {
    throw new RuleEvaluationError(`criterion ${criterion.id}: unknown operator ${pyRepr(op)}`);
  }
  return { id: criterion.id, field, severity: criterion.severity, rule: check.rule, check };
}

// --- evaluating -------------------------------------------------------------------------

interface Deciding {
  value: Held;
  observed_on: string;
  evidence_seq: number | null;
  evidence_id: string | null;
}

/** SHA-256 (hex) of the standard's RFC 8785 bytes: the hash verifications cite. */
export async function standardHash(standard: unknown): Promise<string> {
  return hexEncode(await sha256(canonicalBytes(standard)));
}

function subjectsOf(subjects: Iterable<readonly [string, string]>): [string, string][] {
  const unique = new Map<string, [string, string]>();
  for (const [kind, id] of subjects) {
    if (!(SUBJECT_KINDS as readonly string[]).includes(kind)) {
      throw new RangeError(`expected a subject kind among ${SUBJECT_KINDS.join(", ")}, found ${kind}`);
    }
    if (typeof id !== "string" || id === "") throw new RangeError("expected a subject id");
    unique.set(`${kind}\u0000${id}`, [kind, id]);
  }
  return [...unique.values()].sort((a, b) => comparePy(a[0], b[0]) || comparePy(a[1], b[1]));
}

/** Version 2 cites evidence by id: every record has one, each id once (the engine's
 * ValueError, same message). */
function checkNamed(evidence: readonly EvidenceRecord[]): void {
  const seen = new Set<string>();
  for (const item of evidence) {
    const id = item.evidence_id;
    if (id === undefined || id === null) {
      throw new RangeError("findings version 2 needs an evidence_id on every evidence record");
    }
    if (seen.has(id)) throw new RangeError(`evidence_id ${pyRepr(id)} is given twice`);
    seen.add(id);
  }
}

/** Index the deciding record per (kind, subject, field): latest day, then highest seq (none
 * ranks lowest); ties with different values are a conflict, which fails. Version 2
 * (`byPosition`): on the same day the record later in the list wins, so nothing ties. */
function indexEvidence(
  evidence: readonly EvidenceRecord[],
  asOf: string,
  byPosition: boolean,
): Map<string, Deciding> {
  const index = new Map<string, Deciding>();
  for (const item of evidence) {
    const day = item.observed_on;
    if (day > asOf) continue;
    const key = `${item.subject_kind}\u0000${item.subject_id}\u0000${item.field}`;
    const seq = item.evidence_seq ?? null;
    const id = item.evidence_id ?? null;
    const old = index.get(key);
    if (old !== undefined) {
      if (day < old.observed_on) continue;
      if (day === old.observed_on && !byPosition) {
        const newSeq = seq ?? -1;
        const oldSeq = old.evidence_seq ?? -1;
        if (newSeq < oldSeq) continue;
        if (newSeq === oldSeq) {
          if (old.value === CONFLICT || !sameValue(old.value, item.value)) {
            index.set(key, { value: CONFLICT, observed_on: day, evidence_seq: seq, evidence_id: null });
          }
          continue;
        }
      }
    }
    index.set(key, { value: item.value, observed_on: day, evidence_seq: seq, evidence_id: id });
  }
  return index;
}

/** Evaluate evidence about subjects against a standard as of a day: `verifiers.rules.evaluate`
 * to the byte (see the module comment). Throws RuleEvaluationError when there is nothing to
 * evaluate, and RangeError on a bad day or subject. */
export async function evaluate(
  standard: Standard,
  subjects: Iterable<readonly [string, string]>,
  evidence: readonly EvidenceRecord[],
  asOf: string,
  product: string | null = null,
  findingsVersion: FindingsVersion = 1,
): Promise<Evaluation> {
  const key = `${standard.id}@${standard.version}`;
  if (!isDate(asOf)) throw new RangeError(`expected as_of as YYYY-MM-DD, found ${pyRepr(asOf)}`);
  const v2 = findingsVersion === 2;
  if (product !== null && !standard.products.includes(product)) {
    throw new RuleEvaluationError(
      `standard ${key} does not cover product ${pyRepr(product)} (it covers ${standard.products.join(", ")})`,
    );
  }
  // Step 1: the applicable criteria, by kind, sorted by id.
  const byKind = new Map<string, Compiled[]>();
  const sortedCriteria = [...standard.criteria].sort((a, b) => comparePy(a.id, b.id));
  for (const criterion of sortedCriteria) {
    const products = criterion.products ?? null;
    if (product === null || products === null || products.includes(product)) {
      const list = byKind.get(criterion.applies_to) ?? [];
      list.push(compile(criterion));
      byKind.set(criterion.applies_to, list);
    }
  }
  // Step 2: the subjects some criterion applies to; fail closed if none.
  const given = subjectsOf(subjects);
  if (given.length === 0) throw new RuleEvaluationError(`no subjects to evaluate against ${key}`);
  const scope = given.filter(([kind]) => byKind.has(kind));
  if (scope.length === 0) {
    const ofProduct = product ? ` of product ${product}` : "";
    const kinds = sortedPy(new Set(given.map(([kind]) => kind)));
    throw new RuleEvaluationError(
      `standard ${key} has no criterion${ofProduct} for ${kinds.join(", ")} subjects: nothing to evaluate`,
    );
  }
  // Steps 3 and 4: the deciding evidence, then every criterion on every subject of its kind.
  if (v2) checkNamed(evidence);
  const index = indexEvidence(evidence, asOf, v2);
  const findings: Finding[] = [];
  const bad = new Map<string, { subjects: string[]; missing: number; severity: Severity }>();
  for (const [kind, subjectId] of scope) {
    for (const compiled of byKind.get(kind) ?? []) {
      const record = index.get(`${kind}\u0000${subjectId}\u0000${compiled.field}`);
      let status: FindingStatus = "pass";
      let reason = compiled.rule;
      if (record === undefined) {
        status = "missing";
        reason = `no evidence for ${compiled.field} observed on or before ${asOf}`;
      } else {
        const why = compiled.check(record.value);
        if (why !== null) [status, reason] = ["fail", why];
      }
      if (status !== "pass") {
        const entry = bad.get(compiled.id) ?? { subjects: [], missing: 0, severity: compiled.severity };
        entry.subjects.push(`${kind}:${subjectId}`);
        if (status === "missing") entry.missing += 1;
        bad.set(compiled.id, entry);
      }
      const cited = v2
        ? { evidence_id: record?.evidence_id ?? null }
        : { evidence_seq: record?.evidence_seq ?? null };
      findings.push({
        criterion_id: compiled.id,
        subject_kind: kind,
        subject_id: subjectId,
        status,
        severity: compiled.severity,
        value: record === undefined || record.value === CONFLICT ? null : record.value,
        observed_on: record?.observed_on ?? null,
        ...cited,
        reason,
      });
    }
  }
  // Step 5: decide.
  const totals = new Map<string, number>();
  for (const [kind] of scope) totals.set(kind, (totals.get(kind) ?? 0) + 1);
  const kindOf = new Map(standard.criteria.map((c) => [c.id, c.applies_to]));
  const counts: Record<Severity, number> = { critical: 0, major: 0, minor: 0 };
  const reasons: string[] = [];
  for (const severity of SEVERITIES) {
    for (const id of sortedPy(bad.keys())) {
      const entry = bad.get(id);
      if (entry === undefined || entry.severity !== severity) continue;
      const kind = kindOf.get(id) ?? "";
      const n = entry.subjects.length;
      counts[severity] += n;
      const examples = entry.subjects.slice(0, 3);
      const more = n > examples.length ? ", …" : "";
      reasons.push(
        `${severity} ${id}: not met on ${n} of ${totals.get(kind) ?? 0} ${kind} subject(s) ` +
          `(${n - entry.missing} failed, ${entry.missing} missing), e.g. ${examples.join(", ")}${more}`,
      );
    }
  }
  const tolerance = standard.minor_fail_tolerance;
  if (counts.minor > 0) {
    const verdict = counts.minor > tolerance ? "exceeding" : "within";
    reasons.push(
      `minor: ${counts.minor} failed or missing finding(s), ${verdict} the tolerance of ${tolerance}`,
    );
  }
  const passed = counts.critical === 0 && counts.major === 0 && counts.minor <= tolerance;
  return {
    engine: v2 ? ENGINE_V2 : ENGINE,
    standard_id: standard.id,
    version: standard.version,
    standard_hash: await standardHash(standard),
    as_of: asOf,
    product,
    result: passed ? "pass" : "fail",
    reasons,
    findings,
  };
}
