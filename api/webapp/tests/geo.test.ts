/** Geometry helpers of the field app: known answers and behaviour (src/geo). */
import { describe, expect, it } from "vitest";
import {
  type Fix, type Position, areaHa, closeTrack, distanceM, lengthM, localPlane, overlapWarnings,
  parseCoordinates, ringProblem, roundHalfEven, simplifyRing, trackToVertices, validatePlot, Boundaries,
} from "../src/geo";
import { orientation } from "../src/geo/predicates";
import type { CompactStates } from "../src/geo/boundaries";
import compact from "../src/geo/mx_states.json";

const boundaries = new Boundaries(compact as CompactStates);
const FINCA: Position = [-92.72, 15.87];
const plane = localPlane(FINCA);
const at = (x: number, y: number): Position => plane.toLonLat([x, y]);
const square = (x0: number, y0: number, side: number): Position[] =>
  [at(x0, y0), at(x0 + side, y0), at(x0 + side, y0 + side), at(x0, y0 + side), at(x0, y0)];

describe("distances on the WGS 84 ellipsoid (Vincenty)", () => {
  it("Flinders Peak to Buninyong: 54,972.271 m (Vincenty 1975, Geoscience Australia)", () => {
    const flinders: Position = [144 + 25 / 60 + 29.5244 / 3600, -(37 + 57 / 60 + 3.7203 / 3600)];
    const buninyong: Position = [143 + 55 / 60 + 35.3839 / 3600, -(37 + 39 / 60 + 10.1561 / 3600)];
    expect(distanceM(flinders, buninyong)).toBeCloseTo(54972.271, 3);
  });
  it("one degree of the equator is a·π/180; a quarter meridian is 10,001,965.729 m", () => {
    expect(distanceM([0, 0], [1, 0])).toBeCloseTo((6378137 * Math.PI) / 180, 6);
    expect(distanceM([0, 0], [0, 90])).toBeCloseTo(10001965.729, 3);
  });
  it("perimeter of a 100 m square is 400 m and its area 1 ha", () => {
    const ring = square(0, 0, 100);
    expect(lengthM(ring)).toBeCloseTo(400, 0);
    expect(areaHa(ring)).toBeCloseTo(1, 2);
    expect(areaHa([...ring].reverse())).toBe(areaHa(ring));
  });
});

describe("exact orientation", () => {
  it("gets the sign right where floating point cannot (Kettner et al.'s example)", () => {
    const q: Position = [12, 12];
    const r: Position = [24, 24];
    expect(orientation([0.5, 0.5], q, r)).toBe(0);
    let naiveWrong = 0;
    for (let k = 1; k <= 256; k++) {
      const p: Position = [0.5 + k * 2 ** -53, 0.5];
      expect(orientation(p, q, r)).toBe(-1);
      const naive = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]);
      if (!(naive < 0)) naiveWrong++;
    }
    expect(naiveWrong).toBeGreaterThan(0);
  });
});

describe("Python's round()", () => {
  it("rounds ties of the exact binary value to even, like the server", () => {
    expect(roundHalfEven(16.5078125, 6)).toBe(16.507812);
    expect(roundHalfEven(16.5078135, 6)).toBe(16.507814); // not a tie in binary: nearest
    expect(roundHalfEven(-92.0078125, 6)).toBe(-92.007812);
    expect(roundHalfEven(2.675, 2)).toBe(2.67); // 2.675 is 2.67499999… in binary
    expect(roundHalfEven(-0.00000001, 7)).toBe(0);
    expect(Object.is(roundHalfEven(-0.00000001, 7), -0)).toBe(false);
  });
});

describe("ring rules", () => {
  it("names the problem", () => {
    const ring = square(0, 0, 100);
    expect(ringProblem(ring)).toBeNull();
    expect(ringProblem(ring.slice(0, -1))?.code).toBe("not_closed");
    expect(ringProblem([at(0, 0), at(10, 0), at(0, 0)])?.code).toBe("too_few_vertices");
    const [a, b, c, d] = ring as [Position, Position, Position, Position];
    expect(ringProblem([a, c, b, d, a])?.code).toBe("self_intersection");
    expect(ringProblem([a, b, b, c, d, a])?.code).toBe("repeated_vertex");
  });
});

describe("plausible area", () => {
  it("never goes below 10 m², where the 4-decimal area_ha could miss the server's 10 % tolerance", () => {
    const tiny = { type: "Polygon", coordinates: [square(0, 0, 3)] };
    const check = validatePlot({ geometry: tiny, state: "07", options: { minAreaHa: 0 } }, boundaries);
    expect(check.problems.map((p) => p.code)).toEqual(["area_too_small"]);
    const small = { type: "Polygon", coordinates: [square(0, 0, 8)] };
    expect(validatePlot({ geometry: small, state: "07", options: { minAreaHa: 0, sliverMinWidthM: 0 } }, boundaries).ok).toBe(true);
    expect(validatePlot({ geometry: small, state: "07" }, boundaries).problems[0]?.code).toBe("area_too_small");
  });
});

describe("typed and pasted coordinates", () => {
  it("reads lon,lat lines and closes the ring", () => {
    const parsed = parseCoordinates("-92.72, 15.87\n-92.719;15.87\n\n# corner\n-92.719\t15.871\n-92.72 15.871\n");
    expect(parsed).toEqual({
      geometry: { type: "Polygon", coordinates: [[[-92.72, 15.87], [-92.719, 15.87], [-92.719, 15.871], [-92.72, 15.871], [-92.72, 15.87]]] },
    });
  });
  it("one line is a point; a bad line is named", () => {
    expect(parseCoordinates("-92.72,15.87")).toEqual({ geometry: { type: "Point", coordinates: [-92.72, 15.87] } });
    expect(parseCoordinates("-92.72,15.87\n-92.7 x\n")).toEqual({ problem: { code: "parse_error", params: { line: 2 } } });
  });
  it("takes the geometry of a GeoJSON Feature or one-feature FeatureCollection", () => {
    const geometry = { type: "Point", coordinates: [-92.72, 15.87] };
    expect(parseCoordinates(JSON.stringify({ type: "Feature", properties: { a: 1 }, geometry }))).toEqual({ geometry });
    expect(parseCoordinates(JSON.stringify({ type: "FeatureCollection", features: [{ type: "Feature", geometry }] }))).toEqual({ geometry });
    expect(parseCoordinates("{nope")).toEqual({ problem: { code: "parse_error", params: { line: 1 } } });
  });
});

/** A walk around a 100 m square at 1 m/s, one fix a second, every 7th fix poor and off by 30 m. */
function walk(): Fix[] {
  const fixes: Fix[] = [];
  const corners: [number, number][] = [[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]];
  let t = 1_700_000_000_000;
  for (let side = 0; side < 4; side++) {
    const [x0, y0] = corners[side] as [number, number];
    const [x1, y1] = corners[side + 1] as [number, number];
    for (let s = 0; s < 100; s++) {
      const poor = fixes.length % 7 === 3;
      const [lon, lat] = at(x0 + ((x1 - x0) * s) / 100 + (poor ? 30 : 0), y0 + ((y1 - y0) * s) / 100);
      fixes.push({ lon, lat, accuracyM: poor ? 25 : 4, t });
      t += 1000;
    }
  }
  const [lon, lat] = at(0.5, 0.3);
  fixes.push({ lon, lat, accuracyM: 4, t });
  return fixes;
}

describe("walk mode: fixes to a polygon", () => {
  it("drops poor fixes, spaces vertices, and closes to a valid 1 ha plot", () => {
    const fixes = walk();
    const track = trackToVertices(fixes);
    expect(track.dropped).toBe(fixes.filter((f) => f.accuracyM > 10).length);
    expect(track.kept + track.dropped).toBe(fixes.length);
    for (let i = 1; i < track.vertices.length; i++) {
      expect(distanceM(track.vertices[i - 1] as Position, track.vertices[i] as Position)).toBeGreaterThanOrEqual(5);
    }
    const ring = closeTrack(track.vertices);
    expect(ringProblem(ring)).toBeNull();
    const simple = simplifyRing(ring);
    expect(simple.length).toBeLessThanOrEqual(9);
    expect(simple.length).toBeLessThan(ring.length / 4);
    expect(ringProblem(simple)).toBeNull();
    expect(areaHa(simple)).toBeCloseTo(1, 1);
    const check = validatePlot({ geometry: { type: "Polygon", coordinates: [simple] }, state: "07" }, boundaries);
    expect(check.problems).toEqual([]);
    expect(check.areaHa).toBeGreaterThan(0.95);
  });
  it("the gate is configurable and the time rule adds a vertex when walking slowly", () => {
    const fixes = walk();
    expect(trackToVertices(fixes, { maxAccuracyM: 30, minDistanceM: 5, intervalS: 0, minMoveM: 1 }).dropped).toBe(0);
    const slow: Fix[] = [0, 1, 2, 3].map((i) => {
      const [lon, lat] = at(i * 1.5, 0);
      return { lon, lat, accuracyM: 3, t: i * 6000 };
    });
    expect(trackToVertices(slow, { maxAccuracyM: 10, minDistanceM: 5, intervalS: 10, minMoveM: 1 }).vertices.length).toBe(2);
    expect(trackToVertices(slow, { maxAccuracyM: 10, minDistanceM: 5, intervalS: 0, minMoveM: 1 }).vertices.length).toBe(1);
  });
});

describe("simplification keeps the ring valid", () => {
  it("caps a dense ring at the server's 2,000 vertices", () => {
    const ring: Position[] = [];
    for (let i = 0; i < 5000; i++) {
      const a = (2 * Math.PI * i) / 5000;
      ring.push(at(500 * Math.cos(a) + 0.3 * Math.sin(37 * a), 500 * Math.sin(a)));
    }
    ring.push(ring[0] as Position);
    const simple = simplifyRing(ring, 0.01);
    expect(simple.length - 1).toBeLessThanOrEqual(2000);
    expect(ringProblem(simple)).toBeNull();
  });
  it("a narrow U whose arms Douglas–Peucker would join stays simple", () => {
    // Two 200 m arms 1.5 m apart: at 2 m tolerance the inner corner collapses onto the outer edge.
    const ring: Position[] = [at(0, 0), at(200, 0), at(200, 10), at(1, 10), at(1, 11.5), at(200, 11.5), at(200, 20), at(0, 20), at(0, 0)];
    const simple = simplifyRing(ring, 5);
    expect(ringProblem(simple)).toBeNull();
  });
});

describe("overlap with the association's other plots", () => {
  const mine = square(0, 0, 100);
  const geometry = { type: "Polygon" as const, coordinates: [mine.map(([x, y]) => [x, y] as [number, number])] as [[number, number][]] };
  const other = (ring: Position[]) => ({ type: "Polygon" as const, coordinates: [ring.map(([x, y]) => [x, y] as [number, number])] as [[number, number][]] });
  it("flags a plot half on top of another, with the overlap's size", () => {
    const warnings = overlapWarnings(geometry, [{ id: "P-2", geometry: other(square(50, 0, 100)) }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.params?.["plot"]).toBe("P-2");
    expect(warnings[0]?.params?.["overlap_ha"]).toBeCloseTo(0.5, 1);
    expect(warnings[0]?.params?.["percent"]).toBeCloseTo(50, -1);
  });
  it("neighbours sharing a fence, and plots apart, are not flagged", () => {
    expect(overlapWarnings(geometry, [{ id: "N", geometry: other(square(100, 0, 100)) }])).toEqual([]);
    expect(overlapWarnings(geometry, [{ id: "F", geometry: other(square(300, 0, 50)) }])).toEqual([]);
  });
  it("flags a registered point inside the polygon, and a polygon inside another", () => {
    const [lon, lat] = at(50, 50);
    expect(overlapWarnings(geometry, [{ id: "PT", geometry: { type: "Point", coordinates: [lon, lat] } }])[0]?.params?.["plot"]).toBe("PT");
    expect(overlapWarnings(geometry, [{ id: "IN", geometry: other(square(10, 10, 20)) }])).toHaveLength(1);
  });
  it("validatePlot reports overlap as a warning, not a problem", () => {
    const check = validatePlot({ geometry, state: "07", others: [{ id: "P-2", geometry: other(square(50, 0, 100)) }] }, boundaries);
    expect(check.ok).toBe(true);
    expect(check.warnings.map((w) => w.code)).toEqual(["overlap"]);
  });
});
