/** EUDR truncation to 6 decimals, text for text as Python's `coordinate_text`
 * (tests/vectors/eudr_truncation.json), including values where rounding disagrees and
 * negative longitudes (toward zero); and the app's uses of it. */
import { describe, expect, it } from "vitest";
import { coordinateText, truncateCoordinate } from "../src/geo/truncate";
import { normalizeGeometry } from "../src/geo/validate";
import { readVector } from "./vectors";

interface Case {
  input: number;
  text: string;
  value: number;
  rounded: string;
}
const V = readVector<{ cases: Case[]; ring: { geometry: unknown; area_ha: number; eu_refusal: string | null } }>("eudr_truncation.json");

describe("EUDR truncation", () => {
  it.each(V.cases.map((c) => [c.input, c] as const))("%s", (_input, c) => {
    expect(coordinateText(c.input)).toBe(c.text);
    expect(truncateCoordinate(c.input)).toBe(c.value);
    expect(Object.is(truncateCoordinate(c.input), -0)).toBe(false);
  });

  it("differs from rounding where the vectors say so (toFixed would be wrong)", () => {
    const differ = V.cases.filter((c) => c.text !== c.rounded);
    expect(differ.length).toBeGreaterThanOrEqual(6);
    for (const c of differ) expect(coordinateText(c.input)).not.toBe(c.input.toFixed(6));
    expect(coordinateText(-92.9999999)).toBe("-92.999999");
    expect((-92.9999999).toFixed(6)).toBe("-93.000000");
  });

  it("refuses what is not a coordinate", () => {
    expect(() => coordinateText(Number.NaN)).toThrow();
    expect(() => coordinateText(1e21)).toThrow();
  });
});

describe("a plot ring as the EU will store it", () => {
  it("is refused at capture when truncation makes two vertices one (the ledger admits it, the EU refuses it)", () => {
    expect(V.ring.eu_refusal).toMatch(/distinct consecutive vertices/);
    expect(normalizeGeometry(V.ring.geometry)).toEqual({ code: "rounding", params: { detail: "repeated_vertex" } });
  });
});
