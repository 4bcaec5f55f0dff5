/** Plot capture: reducer, sketch layout, messages (src/plots); the DOM part is tested in a browser. */
import type { VNode } from "preact";
import { describe, expect, it } from "vitest";
import { Boundaries, type CompactStates } from "../src/geo/boundaries";
import { localPlane } from "../src/geo/ellipsoid";
import type { Fix } from "../src/geo/track";
import type { Position, ProblemCode } from "../src/geo/types";
import { validatePlot } from "../src/geo/validate";
import compact from "../src/geo/mx_states.json";
import { type Action, type CaptureState, candidate, captured, initialCapture, reduce } from "../src/plots/capture";
import { messages } from "../src/plots/messages";
import { Sketch } from "../src/plots/Sketch";
import { layoutSketch, niceLength } from "../src/plots/sketch";
import { describeProblem, formatHa, formatLength } from "../src/plots/text";

const boundaries = new Boundaries(compact as CompactStates);
const plane = localPlane([-92.72, 15.87]);
const fixAt = (x: number, y: number, t: number, accuracyM = 4): Fix => {
  const [lon, lat] = plane.toLonLat([x, y]);
  return { lon, lat, accuracyM, t };
};
const run = (state: CaptureState, ...actions: Action[]) => actions.reduce((s, a) => reduce(s, a), state);

describe("capture reducer", () => {
  it("walk: fixes count only while walking; the raw track keeps poor fixes too", () => {
    let s = run(initialCapture("walk"), { type: "fix", fix: fixAt(0, 0, 0) });
    expect(s.raw).toEqual([]);
    s = run(s, { type: "start" });
    const fixes = [fixAt(0, 0, 1000), fixAt(50, 0, 2000), fixAt(60, 60, 3000, 40), fixAt(100, 0, 4000), fixAt(100, 100, 5000), fixAt(0, 100, 6000), fixAt(0.5, 0.5, 7000)];
    s = run(s, ...fixes.map((fix) => ({ type: "fix", fix }) as Action));
    expect(s.raw).toEqual(fixes);
    expect(s.walk.dropped).toBe(1);
    const live = candidate(s);
    expect(live.closed).toBe(false);
    expect(live.liveAreaHa).toBeCloseTo(1, 2);
    s = run(s, { type: "stop" });
    const done = candidate(s);
    expect(done.closed).toBe(true);
    expect(done.vertices).toHaveLength(4); // the point at 50 m on a straight edge is simplified away
    const check = validatePlot({ geometry: done.geometry, state: "07" }, boundaries);
    const result = captured(s, check, "07");
    expect(result?.geometry.type).toBe("Polygon");
    expect(result?.area_ha).toBeCloseTo(1, 2);
    expect(result?.perimeter_m).toBeCloseTo(400, -1);
    expect(result?.track).toHaveLength(7);
    expect(result?.method).toBe("walk");
  });

  it("tap: a corner needs a fix inside the accuracy gate; undo removes the last corner", () => {
    let s = run(initialCapture("tap"), { type: "fix", fix: fixAt(0, 0, 0, 25) }, { type: "corner" });
    expect(s.tapped).toEqual([]);
    s = run(s, { type: "fix", fix: fixAt(0, 0, 1) }, { type: "corner" }, { type: "fix", fix: fixAt(80, 0, 2) }, { type: "corner" },
      { type: "fix", fix: fixAt(80, 80, 3) }, { type: "corner" }, { type: "fix", fix: fixAt(40, 200, 4) }, { type: "corner" });
    expect(s.tapped).toHaveLength(4);
    s = run(s, { type: "undo" });
    expect(s.tapped).toHaveLength(3);
    expect(s.raw).toHaveLength(4);
    expect(candidate(s).liveAreaHa).toBeCloseTo(0.32, 2);
  });

  it("point: needs a declared area, and refuses a point for more than 4 ha", () => {
    let s = run(initialCapture("point"), { type: "fix", fix: fixAt(0, 0, 0) }, { type: "usePosition" });
    const check = (st: CaptureState) => validatePlot({ geometry: candidate(st).geometry, areaHa: candidate(st).areaHa, state: "07" }, boundaries);
    expect(check(s).problems.map((p) => p.code)).toEqual(["area_required"]);
    s = run(s, { type: "declaredArea", value: "2,5" });
    expect(candidate(s).areaHa).toBe(2.5);
    expect(captured(s, check(s), "07")?.area_ha).toBe(2.5);
    s = run(s, { type: "declaredArea", value: "12" });
    expect(check(s).problems.map((p) => p.code)).toEqual(["point_too_large"]);
  });

  it("typed: a line that does not parse is named; a pasted ring is validated", () => {
    let s = run(initialCapture("typed"), { type: "text", text: "-92.72,15.87\nhola" });
    expect(candidate(s).problem).toEqual({ code: "parse_error", params: { line: 2 } });
    s = run(s, { type: "text", text: "-92.72,15.87\n-92.719,15.87\n-92.719,15.871\n-92.72,15.871" });
    const c = candidate(s);
    expect(c.vertices).toHaveLength(4);
    expect(validatePlot({ geometry: c.geometry, state: "07" }, boundaries).ok).toBe(true);
    expect(validatePlot({ geometry: c.geometry, state: "20" }, boundaries).problems[0]?.code).toBe("outside_state");
  });

  it("clear keeps the mode and the GPS status", () => {
    const s = run(initialCapture("tap"), { type: "fix", fix: fixAt(0, 0, 0) }, { type: "corner" }, { type: "clear" });
    expect(s.tapped).toEqual([]);
    expect(s.mode).toBe("tap");
    expect(s.current).not.toBeNull();
  });
});

describe("sketch", () => {
  const square: Position[] = [[0, 0], [100, 0], [100, 100], [0, 100]].map(([x, y]) => plane.toLonLat([x as number, y as number]));
  it("fits the plot with north up and a round scale bar", () => {
    const s = layoutSketch({ vertices: square, closed: true, width: 320, height: 320 });
    const [a, b, c] = s.points as [[number, number], [number, number], [number, number]];
    expect(b[0]).toBeGreaterThan(a[0]); // east is right
    expect(c[1]).toBeLessThan(b[1]); // north is up
    expect(b[0] - a[0]).toBeCloseTo(a[1] - (s.points[3] as [number, number])[1], 3); // same scale both ways
    expect(s.path.endsWith("Z")).toBe(true);
    expect([1, 2, 5, 10, 20, 50, 100]).toContain(s.scaleBar.metres);
    expect(s.scaleBar.length).toBeCloseTo(s.scaleBar.metres / s.metresPerPixel, 6);
    expect(s.scaleBar.length).toBeLessThanOrEqual(320 / 3 + 1e-9);
    // The scale bar and the north arrow stay clear of the drawing.
    const ys = s.points.map((p) => p[1]);
    expect(Math.max(...ys)).toBeLessThan(s.scaleBar.y - 20);
    expect(Math.min(...ys)).toBeGreaterThan(s.north.y + 12);
  });
  it("niceLength picks 1, 2 or 5 × 10ⁿ", () => {
    expect(niceLength(37)).toBe(20);
    expect(niceLength(0.7)).toBe(0.5);
    expect(niceLength(1000)).toBe(1000);
    expect(niceLength(499)).toBe(200);
  });
  it("renders an SVG with boundary, scale bar and north arrow", () => {
    const tree = Sketch({ lang: "es", vertices: square, closed: true }) as VNode<Record<string, unknown>>;
    const found: VNode<Record<string, unknown>>[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== "object" || !("props" in node)) return;
      const vnode = node as VNode<Record<string, unknown>>;
      found.push(vnode);
      walk(vnode.props["children"]);
    };
    walk(tree);
    expect(tree.type).toBe("svg");
    expect(tree.props["aria-label"]).toBe("Croquis de la parcela");
    const classes = found.map((n) => n.props["class"]).filter(Boolean);
    expect(classes).toEqual(expect.arrayContaining(["plot-boundary", "plot-scale", "plot-north"]));
    const texts = found.filter((n) => n.type === "text").map((n) => n.props["children"]);
    expect(texts).toContain("N");
    expect(texts.some((t) => typeof t === "string" && /^\d+ m$/.test(t))).toBe(true);
  });
});

describe("messages", () => {
  const codes: ProblemCode[] = ["parse_error", "invalid_geometry", "invalid_position", "too_few_vertices", "not_closed",
    "too_many_vertices", "repeated_vertex", "antimeridian", "spike", "self_intersection", "rounding", "sliver", "area_too_small",
    "area_too_large", "area_required", "point_too_large", "unknown_state", "outside_mexico", "outside_state", "overlap"];
  it("es and en have the same keys, all prefixed plots., and a message for every problem code", () => {
    expect(Object.keys(messages.en).sort()).toEqual(Object.keys(messages.es).sort());
    for (const key of Object.keys(messages.es)) expect(key.startsWith("plots.")).toBe(true);
    for (const code of codes) expect(Object.keys(messages.es)).toContain(`plots.problem.${code}`);
  });
  it("fills in values with Mexican number format", () => {
    expect(formatHa("es", 1234.56789)).toBe("1,234.57 ha");
    expect(formatHa("en", 0.05)).toBe("0.05 ha");
    expect(formatLength("es", 12345)).toBe("12.35 km");
    expect(formatLength("en", 401.6)).toBe("402 m");
    expect(describeProblem("es", { code: "area_too_large", params: { area_ha: 1600.5, max_ha: 1000 } }))
      .toBe("Superficie poco creíble: 1,600.5 ha (máximo 1,000 ha).");
    expect(describeProblem("en", { code: "outside_mexico", params: { position: "92.66, 15.87", hint: "lon_sign" } }))
      .toBe("Position 92.66, 15.87 is outside Mexico. Longitude sign flipped? In Mexico longitude is negative.");
    expect(describeProblem("es", { code: "outside_state", params: { state: "Chiapas", actual: "Oaxaca", position: "-96.72, 17.06" } }))
      .toBe("La parcela está en Oaxaca, no en Chiapas (posición -96.72, 17.06).");
  });
});
