/**
 * Validate a plot's geometry before it is signed, the way the server will for
 * `plot.registered` (ledger/supply/sites.py → geo.validate_plot_geometry and
 * boundaries.check_in_state), plus a few rules of the app's own. A plot this accepts is never
 * refused by the server for its geometry (tests/geo_vectors.test.ts and
 * tests/unit/supply/test_webapp_geo_vectors.py run the same shapes through both).
 *
 * Server rules, mirrored: a GeoJSON object with exactly `type` and `coordinates`; a Point or a
 * one-ring Polygon; positions are two finite numbers in range; the ring rules of ring.ts;
 * the ring still valid when rounded to 7 decimals (what is stored) and to 6 (the EUDR
 * export), with Python's rounding; a Point only for plots of at most 4 ha (EUDR); every
 * position in Mexico and in the declared state (2 km border tolerance).
 *
 * App rules (stricter; the server has none of them, so they cannot make the two disagree on
 * a valid plot):
 * - not a sliver: the mean width 2·A/P (exact for a long thin strip) must be at least
 *   `sliverMinWidthM` (default 3 m): narrower than that is below what a phone's GPS can
 *   resolve, the signature of a walked line or of a polygon folded onto itself. Checked only
 *   for a plot of plausible area (a tiny plot is reported as tiny), where a mean width under
 *   3 m means a shape at least 11 times longer than wide;
 * - plausible area: between `minAreaHa` (default 0.01 ha = 100 m²; never below
 *   MIN_AREA_FLOOR_HA) and `maxAreaHa` (default 1,000 ha; never above the server's 10,000),
 *   configurable by the association;
 * - overlap with another plot of the association: a warning, not a refusal.
 *
 * The result carries the geometry as the server will store it (7 decimals, counter-clockwise
 * from the same first vertex) and `area_ha` computed from exactly that ring, so the server's
 * declared-versus-computed area check (10 %) always passes.
 */
import { Boundaries } from "./boundaries";
import { areaHa, lengthM } from "./ellipsoid";
import { type OtherPlot, overlapWarnings } from "./overlap";
import { ringProblem } from "./ring";
import { roundHalfEven } from "./rounding";
import { truncateCoordinate } from "./truncate";
import type { PlotGeometry, Position, Problem } from "./types";

export const MAX_POINT_AREA_HA = 4.0;
export const SERVER_MAX_AREA_HA = 10_000;
export const NORMALIZED_DECIMALS = 7;
export const EXPORT_DECIMALS = 6;
export const AREA_DECIMALS = 4;
/**
 * The smallest `minAreaHa` honoured: `area_ha` is declared to 4 decimals (1 m²), and the
 * server refuses a declared area more than 10 % off the computed one; at 10 m² and above the
 * rounding is at most 0.5 m² = 5 %.
 */
export const MIN_AREA_FLOOR_HA = 0.001;

export interface ValidationOptions {
  minAreaHa: number;
  maxAreaHa: number;
  sliverMinWidthM: number;
}

export const DEFAULT_VALIDATION: ValidationOptions = { minAreaHa: 0.01, maxAreaHa: 1000, sliverMinWidthM: 3 };

export interface PlotCheck {
  /** True when there is no problem (warnings do not block). */
  ok: boolean;
  /** The geometry as the server stores it, when its shape is valid (even if other rules fail). */
  geometry: PlotGeometry | null;
  /** Computed (polygon, rounded to 4 decimals = 1 m²) or declared (point) area in hectares. */
  areaHa: number | null;
  perimeterM: number | null;
  problems: Problem[];
  warnings: Problem[];
}

export interface PlotInput {
  geometry: unknown;
  /** INEGI code of the declared state ("07" for Chiapas). */
  state: string;
  /** Declared area: required for a Point, ignored for a Polygon (computed). */
  areaHa?: number | undefined;
  others?: readonly OtherPlot[];
  options?: Partial<ValidationOptions>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A `[lon, lat]` position, or the problem with it (as the server's `_position`). */
function position(value: unknown, vertex: number): Position | Problem {
  if (!Array.isArray(value) || value.length !== 2) return { code: "invalid_position", params: { vertex } };
  const [lon, lat] = value as unknown[];
  if (typeof lon !== "number" || typeof lat !== "number" || !Number.isFinite(lon) || !Number.isFinite(lat) ||
    lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    return { code: "invalid_position", params: { vertex } };
  }
  return [lon, lat];
}

const isProblem = (v: Position | Problem): v is Problem => !Array.isArray(v);

function signedPlanarArea(ring: readonly Position[]): number {
  const [x0, y0] = ring[0] as Position;
  let total = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i] as Position;
    const b = ring[i + 1] as Position;
    total += (a[0] - x0) * (b[1] - y0) - (b[0] - x0) * (a[1] - y0);
  }
  return total;
}

const roundRing = (ring: readonly Position[], d: number): Position[] =>
  ring.map(([lon, lat]) => [roundHalfEven(lon, d), roundHalfEven(lat, d)] as const);

/** The ring as the EU system will store it: each coordinate truncated to 6 decimals. */
const euRing = (ring: readonly Position[]): Position[] => ring.map(([lon, lat]) => [truncateCoordinate(lon), truncateCoordinate(lat)] as const);

/** Parse and normalize the shape, or say what is wrong with it (server rules only). */
export function normalizeGeometry(geometry: unknown): PlotGeometry | Problem {
  if (!isRecord(geometry)) return { code: "invalid_geometry", params: { reason: "not_object" } };
  const keys = Object.keys(geometry).sort().join(",");
  if (keys !== "coordinates,type") return { code: "invalid_geometry", params: { reason: "keys" } };
  if (geometry["type"] === "Point") {
    const p = position(geometry["coordinates"], 1);
    if (isProblem(p)) return p;
    return { type: "Point", coordinates: [roundHalfEven(p[0], NORMALIZED_DECIMALS), roundHalfEven(p[1], NORMALIZED_DECIMALS)] };
  }
  if (geometry["type"] !== "Polygon") return { code: "invalid_geometry", params: { reason: "type" } };
  const rings = geometry["coordinates"];
  if (!Array.isArray(rings)) return { code: "invalid_geometry", params: { reason: "type" } };
  if (rings.length !== 1) return { code: "invalid_geometry", params: { reason: rings.length > 1 ? "holes" : "no_ring" } };
  const raw = rings[0] as unknown;
  if (!Array.isArray(raw)) return { code: "invalid_geometry", params: { reason: "no_ring" } };
  const ring: Position[] = [];
  for (const [i, item] of raw.entries()) {
    const p = position(item, i + 1);
    if (isProblem(p)) return p;
    ring.push(p);
  }
  const problem = ringProblem(ring);
  if (problem) return problem;
  let normalized = roundRing(ring, NORMALIZED_DECIMALS);
  // The server's admission (stored at 7, still valid rounded to 6) and the EU's own reading
  // (truncated to 6, `ledger/supply/eudr.py`): a ring the EU system would refuse is caught here,
  // in the field, where it can still be walked again.
  const stored = ringProblem(normalized) ?? ringProblem(roundRing(normalized, EXPORT_DECIMALS)) ?? ringProblem(euRing(normalized));
  if (stored) return { code: "rounding", params: { detail: stored.code } };
  if (signedPlanarArea(normalized) < 0) {
    const first = normalized[0] as Position;
    normalized = [first, ...normalized.slice(1, -1).reverse(), first];
  }
  return { type: "Polygon", coordinates: [normalized.map(([lon, lat]) => [lon, lat] as [number, number])] };
}

/** All checks of a plot; `boundaries` from `loadBoundaries()`. */
export function validatePlot(input: PlotInput, boundaries: Boundaries): PlotCheck {
  const options = { ...DEFAULT_VALIDATION, ...input.options };
  const maxArea = Math.min(options.maxAreaHa, SERVER_MAX_AREA_HA);
  const minArea = Math.max(options.minAreaHa, MIN_AREA_FLOOR_HA);
  const shape = normalizeGeometry(input.geometry);
  if ("code" in shape) return { ok: false, geometry: null, areaHa: null, perimeterM: null, problems: [shape], warnings: [] };
  const problems: Problem[] = [];
  let area: number | null;
  let perimeter: number | null = null;
  let positions: Position[];
  if (shape.type === "Polygon") {
    const ring = shape.coordinates[0];
    const exact = areaHa(ring);
    perimeter = lengthM(ring);
    area = roundHalfEven(exact, AREA_DECIMALS);
    positions = ring;
  } else {
    const declared = input.areaHa;
    area = typeof declared === "number" && Number.isFinite(declared) && declared > 0 ? declared : null;
    positions = [shape.coordinates];
    if (area === null) problems.push({ code: "area_required" });
    else if (area > MAX_POINT_AREA_HA) problems.push({ code: "point_too_large", params: { area_ha: area, max_ha: MAX_POINT_AREA_HA } });
  }
  if (area !== null && area < minArea) problems.push({ code: "area_too_small", params: { area_ha: area, min_ha: minArea } });
  if (area !== null && area > maxArea) problems.push({ code: "area_too_large", params: { area_ha: area, max_ha: maxArea } });
  if (shape.type === "Polygon" && perimeter !== null && area !== null && area >= minArea) {
    const widthM = (2 * areaHa(shape.coordinates[0]) * 10_000) / perimeter;
    if (widthM < options.sliverMinWidthM) problems.push({ code: "sliver", params: { width_m: widthM, min_m: options.sliverMinWidthM } });
  }
  const place = boundaries.check(positions, input.state);
  if (place) problems.push(place);
  const warnings = overlapWarnings(shape, input.others ?? []);
  return { ok: problems.length === 0, geometry: shape, areaHa: area, perimeterM: perimeter, problems, warnings };
}
