/**
 * Area and lengths on the WGS 84 ellipsoid.
 *
 * Area is the server's method, constant for constant (ledger/supply/geo.py,
 * `geodesic_area_ha`): latitudes go to the authalic sphere through Snyder's q(φ), then the
 * Chamberlain & Duquette "ringArea" sum a²/4 · |Σ (λ[i+1] − λ[i−1]) · q(φ[i])|. The app and
 * the server must agree to the last digit that matters, because the app declares `area_ha`
 * and the server refuses a polygon whose computed area is more than 10 % off; the parity test
 * (tests/geo_vectors.test.ts) compares with the Python answers frozen in
 * tests/vectors/plot_geometry.json. Unlike Turf's `area` (spherical, geodetic latitudes,
 * ≈ +0.35 % in Chiapas), this is exact for equal-area-straight edges.
 *
 * Perimeter uses Vincenty's inverse formula (geodesic distance on the ellipsoid, converging
 * to 0.1 mm for the short, non-antipodal edges of a plot); the server has no perimeter, so
 * it is tested against published known answers instead.
 */
import type { Position } from "./types";

export const WGS84_A = 6378137.0;
export const WGS84_F = 1 / 298.257223563;
const E2 = WGS84_F * (2 - WGS84_F);
const E = Math.sqrt(E2);
const B = WGS84_A * (1 - WGS84_F);
const SQM_PER_HA = 10_000;
const RAD = Math.PI / 180;

/** Snyder's q(φ) for WGS 84 (Map Projections: A Working Manual, eq. 3-12). */
function q(latDeg: number): number {
  const s = Math.sin(latDeg * RAD);
  return (1 - E2) * (s / (1 - E2 * s * s) + Math.atanh(E * s) / E);
}

/** Radius of the sphere with the WGS 84 ellipsoid's area (≈ 6371007.18 m). */
export const AUTHALIC_RADIUS_M = WGS84_A * Math.sqrt(q(90) / 2);

/**
 * Neumaier-compensated sum: Python's `math.fsum` is exactly rounded, this is within an ulp or
 * two of it for plot-sized rings, far below any tolerance that matters (parity test: 1e-12).
 */
function compensatedSum(values: Iterable<number>): number {
  let sum = 0;
  let c = 0;
  for (const v of values) {
    const t = sum + v;
    c += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + c;
}

/** Area enclosed by a closed ring (first == last) in hectares; orientation does not matter. */
export function areaHa(ring: readonly Position[]): number {
  const n = ring.length - 1;
  if (n < 3) return 0;
  const lam: number[] = [];
  const qs: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = ring[i] as Position;
    lam.push(p[0] * RAD);
    qs.push(q(p[1]));
  }
  const terms = function* (): Generator<number> {
    for (let i = 0; i < n; i++) {
      const next = lam[(i + 1) % n] as number;
      const prev = lam[(i - 1 + n) % n] as number;
      yield (next - prev) * (qs[i] as number);
    }
  };
  return (Math.abs(compensatedSum(terms())) * WGS84_A * WGS84_A) / 4 / SQM_PER_HA;
}

/**
 * Geodesic distance between two positions in metres (Vincenty 1975, inverse problem).
 * Falls back to the last iterate for nearly antipodal points, which no plot has.
 */
export function distanceM(p1: Position, p2: Position): number {
  if (p1[0] === p2[0] && p1[1] === p2[1]) return 0;
  const L = (p2[0] - p1[0]) * RAD;
  const U1 = Math.atan((1 - WGS84_F) * Math.tan(p1[1] * RAD));
  const U2 = Math.atan((1 - WGS84_F) * Math.tan(p2[1] * RAD));
  const sinU1 = Math.sin(U1);
  const cosU1 = Math.cos(U1);
  const sinU2 = Math.sin(U2);
  const cosU2 = Math.cos(U2);
  let lambda = L;
  let sinSigma = 0;
  let cosSigma = 1;
  let sigma = 0;
  let cos2Alpha = 1;
  let cos2SigmaM = 0;
  for (let iter = 0; iter < 200; iter++) {
    const sinLambda = Math.sin(lambda);
    const cosLambda = Math.cos(lambda);
    const t1 = cosU2 * sinLambda;
    const t2 = cosU1 * sinU2 - sinU1 * cosU2 * cosLambda;
    sinSigma = Math.sqrt(t1 * t1 + t2 * t2);
    if (sinSigma === 0) return 0;
    cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
    sigma = Math.atan2(sinSigma, cosSigma);
    const sinAlpha = (cosU1 * cosU2 * sinLambda) / sinSigma;
    cos2Alpha = 1 - sinAlpha * sinAlpha;
    cos2SigmaM = cos2Alpha === 0 ? 0 : cosSigma - (2 * sinU1 * sinU2) / cos2Alpha;
    const C = (WGS84_F / 16) * cos2Alpha * (4 + WGS84_F * (4 - 3 * cos2Alpha));
    const previous = lambda;
    lambda =
      L +
      (1 - C) *
        WGS84_F *
        sinAlpha *
        (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    if (Math.abs(lambda - previous) < 1e-12) break;
  }
  const u2 = (cos2Alpha * (WGS84_A * WGS84_A - B * B)) / (B * B);
  const A = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
  const Bc = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
  const deltaSigma =
    Bc *
    sinSigma *
    (cos2SigmaM +
      (Bc / 4) *
        (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) -
          (Bc / 6) * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
  return B * A * (sigma - deltaSigma);
}

/** Length of a path (for a closed ring: its perimeter) in metres. */
export function lengthM(path: readonly Position[]): number {
  let total = 0;
  for (let i = 1; i < path.length; i++) total += distanceM(path[i - 1] as Position, path[i] as Position);
  return total;
}

/**
 * A local plane around a reference latitude: metres east and north of `origin`, using the
 * ellipsoid's radii of curvature there. Good to < 0.1 % over a few km; used for the sketch,
 * the walk-mode spacing, simplification tolerances and the sliver width, never for the area
 * or perimeter the app reports.
 */
export function localPlane(origin: Position): {
  toXY: (p: Position) => [number, number];
  toLonLat: (xy: readonly [number, number]) => [number, number];
} {
  const phi = origin[1] * RAD;
  const s = Math.sin(phi);
  const w = Math.sqrt(1 - E2 * s * s);
  const mPerRadLat = (WGS84_A * (1 - E2)) / (w * w * w);
  const mPerRadLon = (WGS84_A / w) * Math.cos(phi);
  return {
    toXY: (p) => [(p[0] - origin[0]) * RAD * mPerRadLon, (p[1] - origin[1]) * RAD * mPerRadLat],
    toLonLat: ([x, y]) => [origin[0] + x / mPerRadLon / RAD, origin[1] + y / mPerRadLat / RAD],
  };
}
