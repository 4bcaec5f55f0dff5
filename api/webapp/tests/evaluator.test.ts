/** The browser evaluator gives the Python rule engine's output to the byte on the shared
 * vectors (tests/vectors/evaluator/rules.json, written by `python -m tests.evaluator_cases`;
 * tests/unit/verifiers/test_evaluator_vectors.py checks the Python side of the same file). */
import { describe, expect, it } from "vitest";
import { canonicalText } from "../src/crypto/jcs";
import {
  casefold,
  evaluate,
  isDate,
  pyNumber,
  RuleEvaluationError,
  type EvidenceRecord,
  type Standard,
} from "../src/certifier/evaluate";
import { readVector } from "./vectors";

interface Case {
  name: string;
  standard: string;
  as_of: string;
  product: string | null;
  findings_version: 1 | 2;
  subjects: [string, string][];
  evidence: EvidenceRecord[];
  expected: { evaluation?: unknown; error?: string; invalid?: string };
}

const VECTORS = readVector<{ standards: Record<string, Standard>; cases: Case[] }>(
  "evaluator/rules.json",
);

describe("evaluator parity with verifiers/rules.py", () => {
  it("covers every operator and the three shipped standards", () => {
    const operators = new Set(
      Object.values(VECTORS.standards).flatMap((s) => s.criteria.map((c) => c.operator)),
    );
    expect([...operators].sort()).toEqual(
      [
        "after_date", "all_of", "before_date", "eq", "gt", "gte", "in", "is_false", "is_true",
        "lt", "lte", "none_of", "not_in", "within_date",
      ],
    );
    for (const key of ["coffee-ab@1", "honey-ab@1", "cacao-ab@1"]) {
      expect(VECTORS.cases.some((c) => c.standard === key)).toBe(true);
    }
    expect(VECTORS.cases.length).toBeGreaterThan(25);
    expect(VECTORS.cases.filter((c) => c.findings_version === 2).length).toBe(6);
  });

  for (const c of VECTORS.cases) {
    it(c.name, async () => {
      const standard = VECTORS.standards[c.standard] as Standard;
      const run = evaluate(standard, c.subjects, c.evidence, c.as_of, c.product, c.findings_version);
      if (c.expected.error !== undefined) {
        await expect(run).rejects.toThrow(RuleEvaluationError);
        await expect(run).rejects.toThrow(c.expected.error);
        return;
      }
      if (c.expected.invalid !== undefined) {
        await expect(run).rejects.toThrow(RangeError);
        await expect(run).rejects.toThrow(c.expected.invalid);
        return;
      }
      const mine = await run;
      expect(mine).toEqual(c.expected.evaluation);
      expect(canonicalText(mine)).toBe(canonicalText(c.expected.evaluation));
    });
  }
});

describe("Python spellings", () => {
  it("prints numbers like Python's repr of the JSON-parsed value", () => {
    expect(pyNumber(55)).toBe("55");
    expect(pyNumber(-0)).toBe("0");
    expect(pyNumber(0.0001)).toBe("0.0001");
    expect(pyNumber(0.00001)).toBe("1e-05");
    expect(pyNumber(-5.1e-7)).toBe("-5.1e-07");
    expect(pyNumber(1e21)).toBe("1e+21");
    expect(pyNumber(1e20)).toBe("100000000000000000000");
  });

  it("folds case like str.casefold, not toLowerCase", () => {
    expect(casefold("Straße")).toBe("strasse");
    expect(casefold("ΣΑΣ")).toBe("σασ");
    expect(casefold("ꭰ")).toBe("Ꭰ");
    expect(casefold("CAFÉ")).toBe("café");
  });

  it("takes only real calendar days", () => {
    expect(isDate("2024-02-29")).toBe(true);
    expect(isDate("2025-02-29")).toBe(false);
    expect(isDate("0000-01-01")).toBe(false);
    expect(isDate("٢٠٢١-01-01")).toBe(false);
    expect(isDate("20210101")).toBe(false);
  });
});
