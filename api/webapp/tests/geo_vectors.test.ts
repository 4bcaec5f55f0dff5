/**
 * The app half of the geometry parity test: the shapes and positions of
 * tests/vectors/plot_geometry.json, whose server answers were computed by the Python code
 * (scripts/derive_webapp_geo_vectors.py) and are re-checked by
 * tests/unit/supply/test_webapp_geo_vectors.py.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type Boundaries, areaHa, loadBoundaries, normalizeGeometry, validatePlot } from "../src/geo";
import type { Position } from "../src/geo";

interface PlotCase {
  name: string;
  geometry: unknown;
  state: string;
  area_ha: number;
  app: { ok: boolean; code: string | null };
  server: { ok: boolean; geometry?: unknown; error?: string };
}
interface Vectors {
  area_cases: { name: string; ring: Position[]; area_ha: number }[];
  plot_cases: PlotCase[];
  random_shape_cases: { ring: Position[]; area_ha: number; server_ok: boolean }[];
  position_cases: { lon: number; lat: number; state: string; state_at: string | null; check: string | null }[];
}

const path = fileURLToPath(new URL("../../../tests/vectors/plot_geometry.json", import.meta.url));
const vectors = JSON.parse(readFileSync(path, "utf8")) as Vectors;
let boundaries: Boundaries;
beforeAll(async () => {
  boundaries = await loadBoundaries();
});

describe("area parity with ledger/supply/geo.py", () => {
  for (const c of vectors.area_cases) {
    it(c.name, () => {
      expect(Math.abs(areaHa(c.ring) - c.area_ha) / c.area_ha).toBeLessThan(1e-12);
    });
  }
});

describe("plot validation parity with the server's plot.registered rules", () => {
  for (const c of vectors.plot_cases) {
    it(c.name, () => {
      const check = validatePlot({ geometry: c.geometry, state: c.state, areaHa: c.area_ha }, boundaries);
      expect(check.problems[0]?.code ?? null).toBe(c.app.code);
      expect(check.ok).toBe(c.app.ok);
      if (check.ok) {
        // Never valid in the app and refused by the server; and stored exactly as the server would.
        expect(c.server.ok).toBe(true);
        expect(check.geometry).toEqual(c.server.geometry);
        expect(check.areaHa).toBe(c.area_ha);
      }
    });
  }
});

describe("position in state: parity with ledger/supply/boundaries.py", () => {
  it("every frozen position gets the server's answer", () => {
    const wrong = vectors.position_cases.filter((c) => {
      const at = boundaries.stateAt(c.lon, c.lat);
      const check = boundaries.check([[c.lon, c.lat]], c.state)?.code ?? null;
      return at !== c.state_at || check !== c.check;
    });
    expect(wrong).toEqual([]);
    expect(vectors.position_cases.filter((c) => c.check !== null).length).toBeGreaterThan(3);
  });
});

describe("random rings on a coarse grid: the app's shape rules give the server's verdict", () => {
  it("agrees on all of them", () => {
    const disagree = vectors.random_shape_cases.filter((c) => {
      const shape = normalizeGeometry({ type: "Polygon", coordinates: [c.ring] });
      return !("code" in shape) !== c.server_ok;
    });
    expect(disagree).toEqual([]);
    expect(vectors.random_shape_cases.filter((c) => c.server_ok).length).toBeGreaterThan(20);
  });
});
