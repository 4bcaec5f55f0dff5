/**
 * Exact orientation and segment-contact predicates, as the server's (ledger/supply/geo.py).
 *
 * The server decides "self-intersecting or not" with exact arithmetic, so the app must too:
 * a floating-point answer that differs on a near-degenerate ring would let the app sign a
 * plot the server then refuses. The float determinant is trusted when it clears the same
 * error bound as the server's; otherwise it is recomputed exactly with BigInt (every double
 * is m·2^e, so scaling the six coordinates to their smallest exponent gives integers).
 */
import type { Position } from "./types";

const ORIENT_ERRBOUND = 1e-14;

/** `x` as an integer mantissa and a power-of-two exponent: x = m · 2^e exactly. */
function decompose(x: number): { m: bigint; e: number } {
  if (x === 0) return { m: 0n, e: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  const m = exponent === 0 ? fraction : fraction | 0x10000000000000n;
  const e = exponent === 0 ? -1074 : exponent - 1075;
  return { m: negative ? -m : m, e };
}

function exactOrientation(a: Position, b: Position, c: Position): number {
  const parts = [a[0], a[1], b[0], b[1], c[0], c[1]].map(decompose);
  const emin = Math.min(...parts.map((p) => (p.m === 0n ? Infinity : p.e)));
  const base = Number.isFinite(emin) ? emin : 0;
  const [ax, ay, bx, by, cx, cy] = parts.map((p) => p.m << BigInt(p.e - base)) as [
    bigint, bigint, bigint, bigint, bigint, bigint,
  ];
  const det = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  return det > 0n ? 1 : det < 0n ? -1 : 0;
}

/** Sign of (b − a) × (c − a): +1 left turn, −1 right turn, 0 collinear. Exact. */
export function orientation(a: Position, b: Position, c: Position): number {
  const left = (b[0] - a[0]) * (c[1] - a[1]);
  const right = (b[1] - a[1]) * (c[0] - a[0]);
  const det = left - right;
  if (Math.abs(det) > ORIENT_ERRBOUND * (Math.abs(left) + Math.abs(right))) return det > 0 ? 1 : -1;
  return exactOrientation(a, b, c);
}

function withinBox(p: Position, a: Position, b: Position): boolean {
  return (
    Math.min(a[0], b[0]) <= p[0] &&
    p[0] <= Math.max(a[0], b[0]) &&
    Math.min(a[1], b[1]) <= p[1] &&
    p[1] <= Math.max(a[1], b[1])
  );
}

/** Lexicographic order of positions (as Python compares tuples). */
function cmp(p: Position, r: Position): number {
  return p[0] !== r[0] ? (p[0] < r[0] ? -1 : 1) : p[1] < r[1] ? -1 : p[1] > r[1] ? 1 : 0;
}
const lexMin = (p: Position, r: Position): Position => (cmp(p, r) <= 0 ? p : r);
const lexMax = (p: Position, r: Position): Position => (cmp(p, r) >= 0 ? p : r);

export type Contact = "cross" | "touch" | "overlap";

/** How closed segments p1p2 and p3p4 meet, or null when they do not. */
export function segmentContact(p1: Position, p2: Position, p3: Position, p4: Position): Contact | null {
  const o1 = orientation(p1, p2, p3);
  const o2 = orientation(p1, p2, p4);
  const o3 = orientation(p3, p4, p1);
  const o4 = orientation(p3, p4, p2);
  if (o1 === 0 && o2 === 0) {
    const lo = lexMax(lexMin(p1, p2), lexMin(p3, p4));
    const hi = lexMin(lexMax(p1, p2), lexMax(p3, p4));
    const order = cmp(lo, hi);
    if (order < 0) return "overlap";
    if (order === 0) return "touch";
    return null;
  }
  if (o1 * o2 < 0 && o3 * o4 < 0) return "cross";
  if (
    (o1 === 0 && withinBox(p3, p1, p2)) ||
    (o2 === 0 && withinBox(p4, p1, p2)) ||
    (o3 === 0 && withinBox(p1, p3, p4)) ||
    (o4 === 0 && withinBox(p2, p3, p4))
  ) {
    return "touch";
  }
  return null;
}

const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);

/** Whether the path a → v → c turns straight back (c on the ray from v through a). */
export function isBacktrack(a: Position, v: Position, c: Position): boolean {
  if (orientation(a, v, c) !== 0) return false;
  return sign(v[0] - a[0]) * sign(c[0] - v[0]) < 0 || sign(v[1] - a[1]) * sign(c[1] - v[1]) < 0;
}
