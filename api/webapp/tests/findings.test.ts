/** The findings cards' "measured vs threshold" words: the number in the Mexican format with
 * the criterion's unit, yes/no in the user's language, dates dd/mm/aaaa, a dash when no
 * evidence. */
import { describe, expect, it } from "vitest";
import { measured } from "../src/certifier/CertifierScreen";
import type { Criterion, Finding } from "../src/certifier/evaluate";
import { setLanguage } from "../src/i18n";

const criterion = (unit: string): Criterion => ({
  id: "C", title: { es: "c", en: "c" }, guidance: { es: "", en: "" }, applies_to: "plot", field: "f", operator: "gte", threshold: 40, unit, severity: "major",
});
const finding = (value: Finding["value"]): Finding => ({
  criterion_id: "C", subject_kind: "plot", subject_id: "p", status: "fail", severity: "major", value, observed_on: null, evidence_seq: null, reason: "",
});

describe("measured", () => {
  it("writes numbers, yes/no, dates and no evidence as a person reads them", () => {
    setLanguage("es");
    expect(measured(finding(25), criterion("%"))).toBe("25 %");
    expect(measured(finding(1234.5), criterion("kg"))).toBe("1,234.5 kg");
    expect(measured(finding(3), criterion("count"))).toBe("3");
    expect(measured(finding(true), criterion("bool"))).toBe("sí");
    expect(measured(finding("2026-05-12"), criterion("date"))).toBe("12/05/2026");
    expect(measured(finding(null), criterion("%"))).toBe("—");
    expect(measured(finding([]), criterion("list"))).toBe("ninguno");
    expect(measured(finding(["a", "b"]), criterion("list"))).toBe("a, b");
    setLanguage("en");
    expect(measured(finding(false), criterion("bool"))).toBe("no");
    expect(measured(finding(true), criterion("bool"))).toBe("yes");
  });
});
