/**
 * Simplify a walked ring without breaking it.
 *
 * Douglas–Peucker in a local metric plane (tolerance in metres, default 1 m: well inside
 * the 10 m accuracy gate, so the area barely moves), on the two halves of the ring between
 * the first vertex and the vertex farthest from it. Douglas–Peucker can make a valid ring
 * self-intersect, so the result is checked with the same ring rules as the server
 * (ring.ts); if it fails, the tolerance is halved and retried, and below 5 cm the original is
 * returned. It also enforces the server's vertex limit: above MAX_RING_VERTICES the
 * tolerance is doubled until the ring fits.
 */
import { localPlane } from "./ellipsoid";
import { MAX_RING_VERTICES, ringProblem } from "./ring";
import type { Position } from "./types";

type XY = readonly [number, number];

function segmentDistance(p: XY, a: XY, b: XY): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

function douglasPeucker(points: readonly XY[], from: number, to: number, tol: number, keep: boolean[]): void {
  let worst = -1;
  let index = -1;
  for (let i = from + 1; i < to; i++) {
    const d = segmentDistance(points[i] as XY, points[from] as XY, points[to] as XY);
    if (d > worst) {
      worst = d;
      index = i;
    }
  }
  if (index >= 0 && worst > tol) {
    keep[index] = true;
    douglasPeucker(points, from, index, tol, keep);
    douglasPeucker(points, index, to, tol, keep);
  }
}

function simplifyOnce(ring: readonly Position[], xy: readonly XY[], tol: number): Position[] {
  const n = ring.length - 1;
  let far = 0;
  for (let i = 1; i < n; i++) if (Math.hypot(...(xy[i] as XY)) > Math.hypot(...(xy[far] as XY))) far = i;
  const keep = new Array<boolean>(n + 1).fill(false);
  keep[0] = keep[far] = keep[n] = true;
  douglasPeucker(xy, 0, far, tol, keep);
  douglasPeucker(xy, far, n, tol, keep);
  return ring.filter((_, i) => keep[i]);
}

/** A simplified copy of a closed ring that the ring rules still accept (see module doc). */
export function simplifyRing(ring: readonly Position[], toleranceM = 1): Position[] {
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (ring.length < 5 || !first || !last || first[0] !== last[0] || first[1] !== last[1]) return [...ring];
  const plane = localPlane(first);
  const xy = ring.map((p) => plane.toXY(p));
  let tol = toleranceM;
  let result = simplifyOnce(ring, xy, tol);
  while (result.length - 1 > MAX_RING_VERTICES) {
    tol *= 2;
    result = simplifyOnce(ring, xy, tol);
  }
  while (ringProblem(result) !== null) {
    tol /= 2;
    if (tol < 0.05) return [...ring];
    result = simplifyOnce(ring, xy, tol);
  }
  return result;
}
