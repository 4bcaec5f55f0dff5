/**
 * Ring rules, in the server's order (ledger/supply/geo.py `_check_ring`), as problem codes.
 *
 * Same rules, same exact predicates, same limits, so a ring this accepts the server accepts:
 * at least 4 positions, closed, at most MAX_RING_VERTICES vertices, no repeated consecutive
 * vertex, no edge over 180° of longitude, no spike (a zero-area backtrack), no two
 * non-adjacent edges crossing, touching or overlapping. The app adds one rule the server
 * does not have (checked first, because it is the plainest reason): at least 3 distinct
 * vertices.
 */
import { isBacktrack, segmentContact } from "./predicates";
import type { Position, Problem } from "./types";

export const MAX_RING_VERTICES = 2000;

const same = (a: Position, b: Position): boolean => a[0] === b[0] && a[1] === b[1];

/** The first problem of a ring, or null when the server would accept it. */
export function ringProblem(ring: readonly Position[]): Problem | null {
  const distinct = new Set(ring.map((p) => `${p[0]},${p[1]}`)).size;
  if (distinct < 3) return { code: "too_few_vertices", params: { found: distinct } };
  const first = ring[0] as Position;
  const last = ring[ring.length - 1] as Position;
  if (!same(first, last)) return { code: "not_closed" };
  const n = ring.length - 1;
  if (n > MAX_RING_VERTICES) return { code: "too_many_vertices", params: { found: n, max: MAX_RING_VERTICES } };
  for (let i = 0; i < n; i++) {
    const a = ring[i] as Position;
    const b = ring[i + 1] as Position;
    if (same(a, b)) return { code: "repeated_vertex", params: { vertex: i + 1 } };
    if (Math.abs(b[0] - a[0]) > 180) return { code: "antimeridian", params: { edge: i + 1 } };
  }
  for (let i = 0; i < n; i++) {
    const previous = (i > 0 ? ring[i - 1] : ring[n - 1]) as Position;
    if (isBacktrack(previous, ring[i] as Position, ring[i + 1] as Position)) {
      return { code: "spike", params: { vertex: i + 1 } };
    }
  }
  return selfIntersection(ring, n);
}

/** Sweep edges by minimum longitude; test non-adjacent pairs whose boxes meet (as the server). */
function selfIntersection(ring: readonly Position[], n: number): Problem | null {
  if (n <= 3) return null;
  const boxes: [number, number, number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const a = ring[i] as Position;
    const b = ring[i + 1] as Position;
    boxes.push([Math.min(a[0], b[0]), Math.max(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[1], b[1]), i]);
  }
  boxes.sort((p, r) => p[0] - r[0] || p[1] - r[1] || p[2] - r[2] || p[3] - r[3] || p[4] - r[4]);
  for (let k = 0; k < n; k++) {
    const [, xmaxI, yminI, ymaxI, i] = boxes[k] as [number, number, number, number, number];
    for (let m = k + 1; m < n; m++) {
      const [xminJ, , yminJ, ymaxJ, j] = boxes[m] as [number, number, number, number, number];
      if (xminJ > xmaxI) break;
      if (yminJ > ymaxI || ymaxJ < yminI) continue;
      const gap = Math.abs(i - j);
      if (gap === 1 || gap === n - 1) continue;
      const contact = segmentContact(
        ring[i] as Position, ring[i + 1] as Position, ring[j] as Position, ring[j + 1] as Position,
      );
      if (contact !== null) {
        return { code: "self_intersection", params: { a: Math.min(i, j) + 1, b: Math.max(i, j) + 1 } };
      }
    }
  }
  return null;
}
