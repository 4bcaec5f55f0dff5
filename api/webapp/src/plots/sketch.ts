/**
 * The plot sketch's layout, as plain numbers (no DOM), so it can be tested: positions go to a
 * local metric plane (north up, true scale in both axes), fitted into the drawing; a scale
 * bar of a round length (1, 2 or 5 × 10ⁿ m) no longer than a third of the drawing; a north
 * arrow. No map tiles: the sketch works offline, and a plot's shape and size is what a
 * technician checks in the field.
 */
import { localPlane } from "../geo/ellipsoid";
import type { Position } from "../geo/types";

export interface SketchInput {
  /** The boundary so far (open or closed). */
  vertices: readonly Position[];
  /** Whether to draw it closed (a polygon) or open (a walk in progress). */
  closed: boolean;
  /** Raw fixes, drawn faintly under the boundary. */
  track?: readonly Position[];
  /** The phone's current position and accuracy radius. */
  current?: { position: Position; accuracyM: number } | null;
  width?: number;
  height?: number;
}

export interface SketchLayout {
  width: number;
  height: number;
  /** SVG path of the boundary ("" when there is none). */
  path: string;
  trackPath: string;
  points: [number, number][];
  current: { x: number; y: number; r: number } | null;
  scaleBar: { x: number; y: number; length: number; metres: number };
  north: { x: number; y: number };
  metresPerPixel: number;
}

const PAD = 28;
/** Room kept free at the top (north arrow) and bottom (scale bar) so they never cover the plot. */
const PAD_Y = 46;
const MIN_EXTENT_M = 20;

/** The largest 1, 2 or 5 × 10ⁿ not above `limit` (limit > 0). */
export function niceLength(limit: number): number {
  const power = 10 ** Math.floor(Math.log10(limit));
  for (const step of [5, 2, 1]) if (step * power <= limit) return step * power;
  return power;
}

const fmt = (v: number): string => (Math.round(v * 10) / 10).toString();

export function layoutSketch(input: SketchInput): SketchLayout {
  const width = input.width ?? 320;
  const height = input.height ?? 320;
  const all = [...input.vertices, ...(input.track ?? []), ...(input.current ? [input.current.position] : [])];
  const origin = all[0] ?? ([0, 0] as Position);
  const plane = localPlane(origin);
  const xy = (p: Position) => plane.toXY(p);
  const pts = all.map(xy);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  let [minX, maxX, minY, maxY] = pts.length ? [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)] : [0, 0, 0, 0];
  const grow = (lo: number, hi: number): [number, number] => {
    const extra = Math.max(0, MIN_EXTENT_M - (hi - lo)) / 2;
    return [lo - extra, hi + extra];
  };
  [minX, maxX] = grow(minX, maxX);
  [minY, maxY] = grow(minY, maxY);
  const scale = Math.min((width - 2 * PAD) / (maxX - minX), (height - 2 * PAD_Y) / (maxY - minY));
  const offX = (width - (maxX - minX) * scale) / 2;
  const offY = (height - (maxY - minY) * scale) / 2;
  const toSvg = (p: Position): [number, number] => {
    const [x, y] = xy(p);
    return [offX + (x - minX) * scale, height - offY - (y - minY) * scale];
  };
  const points = input.vertices.map(toSvg);
  const line = (ps: [number, number][]): string => ps.map(([x, y], i) => `${i ? "L" : "M"}${fmt(x)} ${fmt(y)}`).join(" ");
  const path = points.length ? line(points) + (input.closed && points.length > 2 ? " Z" : "") : "";
  const trackPath = input.track && input.track.length > 1 ? line(input.track.map(toSvg)) : "";
  const metres = niceLength((width / 3) / scale);
  const current = input.current
    ? (() => {
        const [x, y] = toSvg(input.current.position);
        return { x, y, r: Math.max(3, input.current.accuracyM * scale) };
      })()
    : null;
  return {
    width, height, path, trackPath, points, current,
    scaleBar: { x: 12, y: height - 14, length: metres * scale, metres },
    north: { x: width - 22, y: 30 },
    metresPerPixel: 1 / scale,
  };
}
