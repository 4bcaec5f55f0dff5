/**
 * Is a position in Mexico, and in the declared state? The server's check
 * (ledger/supply/boundaries.py) on the same polygons, so the app refuses what the server would.
 *
 * Data: mx_states.json, a lossless compact re-encoding of ledger/supply/data/mx_states.geojson
 * made by scripts/derive_webapp_states.py (integers in 1e-4°, delta-encoded rings); the
 * vitest tests/boundaries.test.ts decodes it and compares it with the GeoJSON vertex by
 * vertex. It is loaded on demand (`loadBoundaries`), so it is a separate chunk of about
 * 47 KB compressed that the first page load does not pay for.
 *
 * Same rule as the server: inside a state's polygon (even-odd ray casting over all rings) or
 * within BORDER_TOLERANCE_M of its boundary (local equirectangular distance with the same
 * constants), edges indexed by 0.05° latitude bands.
 */
import type { Position, Problem } from "./types";

export const BORDER_TOLERANCE_M = 2000.0;
const BAND_DEG = 0.05;
const M_PER_DEG_LAT = 110_574.0;
const M_PER_DEG_LON_EQUATOR = 111_320.0;

type Edge = readonly [number, number, number, number];

/** The compact file's shape (see scripts/derive_webapp_states.py). */
export interface CompactStates {
  source: string;
  source_sha256: string;
  scale: number;
  states: { cve_ent: string; name: string; polygons: number[][][] }[];
}

const band = (lat: number): number => Math.floor(lat / BAND_DEG);

/** Decode one delta-encoded ring into `[lon, lat]` degrees. */
export function decodeRing(flat: readonly number[], scale: number): Position[] {
  const ring: Position[] = [];
  let x = 0;
  let y = 0;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    x += flat[i] as number;
    y += flat[i + 1] as number;
    ring.push([x / scale, y / scale]);
  }
  return ring;
}

function distanceM(lon: number, lat: number, edge: Edge, kx: number): number {
  const [x1, y1, x2, y2] = edge;
  const ax = (x1 - lon) * kx;
  const ay = (y1 - lat) * M_PER_DEG_LAT;
  const bx = (x2 - lon) * kx;
  const by = (y2 - lat) * M_PER_DEG_LAT;
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / length2));
  return Math.hypot(ax + t * dx, ay + t * dy);
}

/** One state's rings with a latitude-band index of their edges. */
export class State {
  readonly bands = new Map<number, Edge[]>();
  bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];

  constructor(readonly code: string, readonly name: string) {}

  addRing(ring: readonly Position[]): void {
    for (const [x, y] of ring) {
      this.bbox = [Math.min(this.bbox[0], x), Math.min(this.bbox[1], y), Math.max(this.bbox[2], x), Math.max(this.bbox[3], y)];
    }
    for (let i = 0; i + 1 < ring.length; i++) {
      const [x1, y1] = ring[i] as Position;
      const [x2, y2] = ring[i + 1] as Position;
      for (let b = band(Math.min(y1, y2)); b <= band(Math.max(y1, y2)); b++) {
        const list = this.bands.get(b);
        if (list) list.push([x1, y1, x2, y2]);
        else this.bands.set(b, [[x1, y1, x2, y2]]);
      }
    }
  }

  contains(lon: number, lat: number): boolean {
    const [west, south, east, north] = this.bbox;
    if (!(west <= lon && lon <= east && south <= lat && lat <= north)) return false;
    let inside = false;
    for (const [x1, y1, x2, y2] of this.bands.get(band(lat)) ?? []) {
      if (y1 > lat !== y2 > lat && lon < x1 + ((lat - y1) * (x2 - x1)) / (y2 - y1)) inside = !inside;
    }
    return inside;
  }

  near(lon: number, lat: number, metres: number): boolean {
    const reachLat = metres / M_PER_DEG_LAT;
    const kx = M_PER_DEG_LON_EQUATOR * Math.cos((lat * Math.PI) / 180);
    const [west, south, east, north] = this.bbox;
    if (!(west - metres / kx <= lon && lon <= east + metres / kx && south - reachLat <= lat && lat <= north + reachLat)) {
      return false;
    }
    for (let b = band(lat - reachLat); b <= band(lat + reachLat); b++) {
      for (const edge of this.bands.get(b) ?? []) {
        if (distanceM(lon, lat, edge, kx) <= metres) return true;
      }
    }
    return false;
  }

  has(lon: number, lat: number): boolean {
    return this.contains(lon, lat) || this.near(lon, lat, BORDER_TOLERANCE_M);
  }
}

/** Mexico's 32 states, indexed for point-in-state tests. */
export class Boundaries {
  readonly states = new Map<string, State>();

  constructor(data: CompactStates) {
    for (const s of data.states) {
      const state = new State(s.cve_ent, s.name);
      for (const polygon of s.polygons) for (const ring of polygon) state.addRing(decodeRing(ring, data.scale));
      this.states.set(s.cve_ent, state);
    }
  }

  /** The INEGI code of the state whose polygon contains the point, or null. */
  stateAt(lon: number, lat: number): string | null {
    for (const [code, state] of this.states) if (state.contains(lon, lat)) return code;
    return null;
  }

  inMexico(lon: number, lat: number): boolean {
    for (const state of this.states.values()) if (state.has(lon, lat)) return true;
    return false;
  }

  /** Why a position is outside Mexico: the likely slip, as the server names it. */
  private outside(lon: number, lat: number): Problem {
    const position = `${lon}, ${lat}`;
    let hint = "none";
    if (this.inMexico(-lon, lat)) hint = "lon_sign";
    else if (this.inMexico(lon, -lat)) hint = "lat_sign";
    else if (this.inMexico(lat, lon)) hint = "swapped";
    else if (this.inMexico(-lat, lon) || this.inMexico(lat, -lon)) hint = "swapped_sign";
    return { code: "outside_mexico", params: { position, hint } };
  }

  /**
   * The first problem of a set of positions against the declared state, or null (as the
   * server's `check_in_state`): unknown state, outside Mexico (with the likely slip), in
   * another state (naming it), or more than 2 km outside the declared state.
   */
  check(positions: Iterable<Position>, stateCode: string): Problem | null {
    const declared = this.states.get(stateCode);
    if (!declared) return { code: "unknown_state", params: { state: stateCode } };
    const seen = new Set<string>();
    for (const [lon, lat] of positions) {
      const key = `${lon},${lat}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (declared.has(lon, lat)) continue;
      if (!this.inMexico(lon, lat)) return this.outside(lon, lat);
      const actual = this.stateAt(lon, lat);
      const params: Record<string, string> = { state: declared.name, position: `${lon}, ${lat}` };
      if (actual !== null) params["actual"] = this.states.get(actual)?.name ?? actual;
      return { code: "outside_state", params };
    }
    return null;
  }
}

let loading: Promise<Boundaries> | null = null;

/** Load (once) the bundled state boundaries; a separate chunk, cached by the service worker. */
export function loadBoundaries(): Promise<Boundaries> {
  loading ??= import("./mx_states.json").then((m) => new Boundaries(m.default as CompactStates));
  return loading;
}
