/**
 * Walk mode: GPS fixes → polygon vertices.
 *
 * Accuracy gate: a fix whose reported accuracy (the 68 % radius, metres) is worse than
 * `maxAccuracyM` (default 10 m; the association may change it) is dropped: under tree cover
 * a phone reports 20–50 m fixes that would zig-zag the boundary. Every fix, kept or dropped,
 * stays in the raw track the app stores with the plot, so the boundary can be re-derived.
 *
 * Spacing: a kept fix becomes a vertex when it is at least `minDistanceM` (default 5 m) from
 * the last vertex, or when `intervalS` seconds (default 10; 0 = off) have passed since the
 * last vertex and it moved at least `minMoveM` (default 1 m): the time rule catches slow
 * walking through a thicket, the small move stops a technician who stands still from piling
 * up jitter vertices.
 */
import { distanceM } from "./ellipsoid";
import type { Position } from "./types";

export interface Fix {
  lon: number;
  lat: number;
  /** Reported accuracy in metres (GeolocationCoordinates.accuracy). */
  accuracyM: number;
  /** Milliseconds since the epoch (GeolocationPosition.timestamp). */
  t: number;
}

export interface TrackOptions {
  maxAccuracyM: number;
  minDistanceM: number;
  intervalS: number;
  minMoveM: number;
}

export const DEFAULT_TRACK: TrackOptions = { maxAccuracyM: 10, minDistanceM: 5, intervalS: 10, minMoveM: 1 };

export interface TrackResult {
  vertices: Position[];
  /** Time of the fix that made the last vertex. */
  lastVertexT: number | null;
  kept: number;
  dropped: number;
}

export const EMPTY_TRACK: TrackResult = { vertices: [], lastVertexT: null, kept: 0, dropped: 0 };

/** Whether a fix passes the accuracy gate. */
export const fixIsGood = (fix: Fix, options: TrackOptions): boolean =>
  Number.isFinite(fix.accuracyM) && fix.accuracyM <= options.maxAccuracyM;

/** Fold one fix into the walk (pure: returns a new result). */
export function addFix(track: TrackResult, fix: Fix, options: TrackOptions = DEFAULT_TRACK): TrackResult {
  if (!fixIsGood(fix, options)) return { ...track, dropped: track.dropped + 1 };
  const here: Position = [fix.lon, fix.lat];
  const last = track.vertices[track.vertices.length - 1];
  const kept = track.kept + 1;
  if (last === undefined) return { vertices: [here], lastVertexT: fix.t, kept, dropped: track.dropped };
  const d = distanceM(last, here);
  const due = options.intervalS > 0 && track.lastVertexT !== null && fix.t - track.lastVertexT >= options.intervalS * 1000;
  if (d >= options.minDistanceM || (due && d >= options.minMoveM)) {
    return { vertices: [...track.vertices, here], lastVertexT: fix.t, kept, dropped: track.dropped };
  }
  return { ...track, kept };
}

/** All fixes at once (the same rule as walking them one by one). */
export function trackToVertices(fixes: readonly Fix[], options: TrackOptions = DEFAULT_TRACK): TrackResult {
  return fixes.reduce((track, fix) => addFix(track, fix, options), EMPTY_TRACK);
}

/**
 * Close a walked boundary: the walker ends where they started, so trailing vertices within
 * `minDistanceM` of the first are the same corner and are dropped; then the ring is closed.
 */
export function closeTrack(vertices: readonly Position[], options: TrackOptions = DEFAULT_TRACK): Position[] {
  const first = vertices[0];
  if (first === undefined) return [];
  const open = [...vertices];
  while (open.length > 3 && distanceM(open[open.length - 1] as Position, first) < options.minDistanceM) open.pop();
  return [...open, first];
}
