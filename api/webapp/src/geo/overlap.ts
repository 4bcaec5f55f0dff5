/**
 * Does a plot overlap another plot of the association? A warning, not a refusal: two plots
 * walked along the same fence overlap by the GPS error, and only a person can tell that from
 * a plot registered twice. Overlap = an edge of one properly crosses an edge of the other, a
 * vertex or edge midpoint of one lies strictly inside the other, or the sampled common area
 * is not zero (shared edges and corners do not count);
 * its size is estimated on a 64 × 64 grid over the common bounding box (enough to tell
 * "a metre along the fence" from "the same plot twice").
 */
import { areaHa } from "./ellipsoid";
import { orientation, segmentContact } from "./predicates";
import type { PlotGeometry, Position, Problem } from "./types";

export interface OtherPlot {
  id: string;
  geometry: PlotGeometry;
}

/** Even-odd point in ring; points on an edge count as outside. */
function strictlyInside(p: Position, ring: readonly Position[]): boolean {
  let inside = false;
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i] as Position;
    const b = ring[i + 1] as Position;
    if (orientation(a, b, p) === 0 && Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) &&
      Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1])) return false;
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < a[0] + ((p[1] - a[1]) * (b[0] - a[0])) / (b[1] - a[1])) inside = !inside;
  }
  return inside;
}

function bbox(ring: readonly Position[]): [number, number, number, number] {
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function ringsOverlap(a: readonly Position[], b: readonly Position[]): boolean {
  for (let i = 0; i + 1 < a.length; i++) {
    for (let j = 0; j + 1 < b.length; j++) {
      if (segmentContact(a[i] as Position, a[i + 1] as Position, b[j] as Position, b[j + 1] as Position) === "cross") return true;
    }
  }
  const probes = (ring: readonly Position[]): Position[] => [
    ...ring,
    ...ring.slice(1).map((p, i) => [(p[0] + (ring[i] as Position)[0]) / 2, (p[1] + (ring[i] as Position)[1]) / 2] as const),
  ];
  return probes(a).some((p) => strictlyInside(p, b)) || probes(b).some((p) => strictlyInside(p, a)) || overlapHa(a, b) > 0;
}

/** Estimated area (ha) common to two rings, by sampling a grid over their common box. */
export function overlapHa(a: readonly Position[], b: readonly Position[], steps = 64): number {
  const [ax0, ay0, ax1, ay1] = bbox(a);
  const [bx0, by0, bx1, by1] = bbox(b);
  const x0 = Math.max(ax0, bx0);
  const y0 = Math.max(ay0, by0);
  const x1 = Math.min(ax1, bx1);
  const y1 = Math.min(ay1, by1);
  if (x0 >= x1 || y0 >= y1) return 0;
  let hits = 0;
  for (let i = 0; i < steps; i++) {
    for (let j = 0; j < steps; j++) {
      const p: Position = [x0 + ((i + 0.5) * (x1 - x0)) / steps, y0 + ((j + 0.5) * (y1 - y0)) / steps];
      if (strictlyInside(p, a) && strictlyInside(p, b)) hits++;
    }
  }
  const box = areaHa([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]);
  return (box * hits) / (steps * steps);
}

/** One warning per other plot that this one overlaps (see the module doc). */
export function overlapWarnings(geometry: PlotGeometry, others: readonly OtherPlot[]): Problem[] {
  const warnings: Problem[] = [];
  const mine = geometry.type === "Polygon" ? (geometry.coordinates[0] as Position[]) : null;
  const myArea = mine ? areaHa(mine) : 0;
  for (const other of others) {
    const theirs = other.geometry.type === "Polygon" ? (other.geometry.coordinates[0] as Position[]) : null;
    if (mine && theirs) {
      const [ax0, ay0, ax1, ay1] = bbox(mine);
      const [bx0, by0, bx1, by1] = bbox(theirs);
      if (ax0 > bx1 || bx0 > ax1 || ay0 > by1 || by0 > ay1 || !ringsOverlap(mine, theirs)) continue;
      const ha = overlapHa(mine, theirs);
      warnings.push({ code: "overlap", params: { plot: other.id, overlap_ha: ha, percent: myArea > 0 ? (100 * ha) / myArea : 0 } });
    } else if (mine && other.geometry.type === "Point") {
      if (strictlyInside(other.geometry.coordinates, mine)) warnings.push({ code: "overlap", params: { plot: other.id } });
    } else if (theirs && geometry.type === "Point") {
      if (strictlyInside(geometry.coordinates, theirs)) warnings.push({ code: "overlap", params: { plot: other.id } });
    }
  }
  return warnings;
}

