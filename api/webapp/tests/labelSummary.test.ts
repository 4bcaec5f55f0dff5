/** The label office says briefly why a lot may not carry the label: one line per root failure
 * (plots failing alike named together), product in the reader's language, dates dd/mm/aaaa;
 * the API's sentence chain stays for "Detalles". */
import { afterEach, describe, expect, it } from "vitest";
import { setLanguage } from "../src/i18n";
import type { Reason } from "../src/labeloffice/api";
import { rootCauses, subjectName, summarize } from "../src/labeloffice/summary";

const leaf = (plot: string, lot: string): Reason => ({
  code: "origin_not_certified",
  lot_id: lot,
  subject: `plot:${plot}`,
  message_en: `plot:${plot} had no valid passing verification for coffee covering the harvest 2025-11-01..2026-01-31`,
  message_es: `plot:${plot} no tenía una verificación aprobada y vigente para coffee durante la cosecha 2025-11-01..2026-01-31`,
  detail: { product: "coffee", from: "2025-11-01", to: "2026-01-31" },
});
const input = (id: string, causes: Reason[]): Reason => ({
  code: "input_not_eligible",
  lot_id: "cs-export",
  subject: `lot:${id}`,
  message_en: `input lot ${id} is not eligible: …`,
  message_es: `el lote de entrada ${id} no es elegible: el lote de entrada … no es elegible: …`,
  causes,
});
// Two blends share the failing plot cs-plot14; another plot fails the same way.
const reasons = [input("cs-green-1", [leaf("cs-plot14", "cs-h14")]), input("cs-green-2", [leaf("cs-plot14", "cs-h14"), leaf("cs-plot15", "cs-h15")])];

afterEach(() => setLanguage("es"));

describe("ineligibility summary", () => {
  it("names each root failure once", () => {
    expect(rootCauses(reasons).map((r) => r.subject)).toEqual(["plot:cs-plot14", "plot:cs-plot15"]);
  });

  it("says it in Spanish with the product translated and Mexican dates", () => {
    setLanguage("es");
    expect(summarize(reasons)).toEqual([
      "Parcela cs-plot14, parcela cs-plot15: sin verificación aprobada y vigente para café durante la cosecha del 01/11/2025 al 31/01/2026.",
    ]);
    const line = summarize(reasons)[0] ?? "";
    expect(line).not.toMatch(/coffee|2025-11-01|no es elegible/);
  });

  it("and in English", () => {
    setLanguage("en");
    expect(summarize(reasons)).toEqual([
      "Plot cs-plot14, plot cs-plot15: no valid passing verification for coffee during the harvest from 01/11/2025 to 31/01/2026.",
    ]);
    expect(subjectName("apiary:ap-3")).toBe("apiary ap-3");
  });

  it("names the sites of one product together with the span of their harvests", () => {
    setLanguage("es");
    const later: Reason = { ...leaf("cs-plot07", "cs-h07"), detail: { product: "coffee", from: "2026-02-01", to: "2026-02-04" } };
    expect(summarize([...reasons, later])).toEqual([
      "Parcela cs-plot14, parcela cs-plot15, parcela cs-plot07: sin verificación aprobada y vigente para café en sus cosechas entre el 01/11/2025 y el 04/02/2026.",
    ]);
    setLanguage("en");
    expect(summarize([later, leaf("cs-plot07", "cs-h07b")])).toEqual([
      "Plot cs-plot07: no valid passing verification for coffee for their harvests between 01/11/2025 and 04/02/2026.",
    ]);
  });

  it("keeps other root failures apart and falls back to the API's sentence", () => {
    setLanguage("es");
    const other: Reason = { code: "lot_criteria_unverified", lot_id: "mi-1", subject: "lot:mi-1", message_en: "x", message_es: "y" };
    const strange: Reason = { code: "new_rule", subject: "lot:z", message_en: "Something new", message_es: "Algo nuevo" };
    const honey: Reason = { ...leaf("ap-1", "mi-h"), subject: "apiary:ap-1", detail: { product: "honey", from: "2026-03-01", to: "2026-03-31" } };
    expect(summarize([...reasons, honey, other, strange])).toEqual([
      "Parcela cs-plot14, parcela cs-plot15: sin verificación aprobada y vigente para café durante la cosecha del 01/11/2025 al 31/01/2026.",
      "Apiario ap-1: sin verificación aprobada y vigente para miel durante la cosecha del 01/03/2026 al 31/03/2026.",
      "Lote mi-1: la norma pide criterios por lote (p. ej. análisis de laboratorio) y ninguna verificación aprobada lo cubre.",
      "Algo nuevo",
    ]);
  });
});
