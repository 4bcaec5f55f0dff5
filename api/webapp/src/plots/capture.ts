/**
 * What the capture screen holds and how it changes: a pure reducer, so the behaviour (which
 * fix becomes a vertex, what undo removes, what the raw track keeps, what is handed back)
 * is tested without a browser; PlotCapture.tsx only wires it to the DOM and the GPS.
 */
import { areaHa, lengthM } from "../geo/ellipsoid";
import { parseCoordinates } from "../geo/parse";
import { simplifyRing } from "../geo/simplify";
import { DEFAULT_TRACK, EMPTY_TRACK, type Fix, type TrackOptions, type TrackResult, addFix, closeTrack, fixIsGood } from "../geo/track";
import type { PlotGeometry, Position, Problem } from "../geo/types";
import type { PlotCheck } from "../geo/validate";

export type Mode = "walk" | "tap" | "typed" | "point";
export type GpsError = "denied" | "unavailable" | "timeout" | "unsupported";

export interface CaptureState {
  mode: Mode;
  walking: boolean;
  /** Every fix received while walking, and each fix used for a corner or a point. */
  raw: Fix[];
  walk: TrackResult;
  tapped: Position[];
  point: Position | null;
  text: string;
  current: Fix | null;
  gpsError: GpsError | null;
  declaredAreaHa: string;
}

export type Action =
  | { type: "mode"; mode: Mode }
  | { type: "fix"; fix: Fix }
  | { type: "gpsError"; error: GpsError }
  | { type: "start" }
  | { type: "stop" }
  | { type: "corner" }
  | { type: "usePosition" }
  | { type: "undo" }
  | { type: "clear" }
  | { type: "text"; text: string }
  | { type: "declaredArea"; value: string }
  /** Resume a capture kept from before a reload (walkDraft.ts); the live reading stays. */
  | { type: "restore"; state: CaptureState };

export const initialCapture = (mode: Mode = "walk"): CaptureState => ({
  mode, walking: false, raw: [], walk: EMPTY_TRACK, tapped: [], point: null, text: "", current: null, gpsError: null, declaredAreaHa: "",
});

/** The current fix, when it passes the accuracy gate. */
export const goodFix = (state: CaptureState, options: TrackOptions): Fix | null =>
  state.current && fixIsGood(state.current, options) ? state.current : null;

export function reduce(state: CaptureState, action: Action, options: TrackOptions = DEFAULT_TRACK): CaptureState {
  switch (action.type) {
    case "mode":
      return { ...state, mode: action.mode, walking: false };
    case "fix": {
      const next = { ...state, current: action.fix, gpsError: null };
      if (!state.walking) return next;
      return { ...next, raw: [...state.raw, action.fix], walk: addFix(state.walk, action.fix, options) };
    }
    case "gpsError":
      return { ...state, gpsError: action.error };
    case "start":
      return { ...state, mode: "walk", walking: true };
    case "stop":
      return { ...state, walking: false };
    case "corner": {
      const fix = goodFix(state, options);
      if (!fix) return state;
      return { ...state, tapped: [...state.tapped, [fix.lon, fix.lat]], raw: [...state.raw, fix] };
    }
    case "usePosition": {
      const fix = goodFix(state, options);
      if (!fix) return state;
      return { ...state, point: [fix.lon, fix.lat], raw: [...state.raw, fix] };
    }
    case "undo":
      if (state.mode === "walk") {
        return { ...state, walk: { ...state.walk, vertices: state.walk.vertices.slice(0, -1) } };
      }
      if (state.mode === "tap") return { ...state, tapped: state.tapped.slice(0, -1) };
      if (state.mode === "point") return { ...state, point: null };
      return state;
    case "clear":
      return { ...initialCapture(state.mode), current: state.current, gpsError: state.gpsError };
    case "text":
      return { ...state, text: action.text };
    case "declaredArea":
      return { ...state, declaredAreaHa: action.value };
    case "restore":
      return { ...action.state, current: state.current, gpsError: state.gpsError };
  }
}

export interface Candidate {
  /** Vertices to draw (open). */
  vertices: Position[];
  closed: boolean;
  /** The geometry to validate, or null when there is not yet one. */
  geometry: unknown | null;
  /** Declared area (point mode). */
  areaHa: number | undefined;
  /** A problem found before validation (a line that does not parse). */
  problem: Problem | null;
  /** Live figures for the screen (the validated ones replace them when available). */
  liveAreaHa: number | null;
  livePerimeterM: number | null;
}

const polygon = (ring: Position[]) => ({ type: "Polygon", coordinates: [ring.map(([x, y]) => [x, y])] });

/** The shape the current mode has produced so far. */
export function candidate(state: CaptureState, options: TrackOptions = DEFAULT_TRACK): Candidate {
  const none: Candidate = { vertices: [], closed: false, geometry: null, areaHa: undefined, problem: null, liveAreaHa: null, livePerimeterM: null };
  const ofRing = (vertices: Position[], ring: Position[], closed: boolean): Candidate => ({
    ...none, vertices, closed, geometry: polygon(ring), liveAreaHa: areaHa(ring), livePerimeterM: lengthM(ring),
  });
  switch (state.mode) {
    case "walk": {
      const vertices = state.walk.vertices;
      if (vertices.length < 3) return { ...none, vertices };
      const ring = closeTrack(vertices, options);
      const shape = state.walking ? ring : simplifyRing(ring);
      return ofRing(state.walking ? vertices : shape.slice(0, -1), shape, !state.walking);
    }
    case "tap": {
      const vertices = state.tapped;
      if (vertices.length < 3) return { ...none, vertices };
      return ofRing(vertices, [...vertices, vertices[0] as Position], true);
    }
    case "point": {
      const declared = Number(state.declaredAreaHa.replace(",", "."));
      const areaValue = state.declaredAreaHa.trim() === "" || !Number.isFinite(declared) ? undefined : declared;
      if (!state.point) return { ...none, areaHa: areaValue };
      return { ...none, vertices: [state.point], geometry: { type: "Point", coordinates: [...state.point] }, areaHa: areaValue, liveAreaHa: areaValue ?? null };
    }
    case "typed": {
      if (state.text.trim() === "") return none;
      const parsed = parseCoordinates(state.text);
      if ("problem" in parsed) return { ...none, problem: parsed.problem };
      const g = parsed.geometry as { type?: unknown; coordinates?: unknown };
      const ring = g.type === "Polygon" && Array.isArray(g.coordinates) ? (g.coordinates[0] as Position[] | undefined) : undefined;
      const vertices = ring && ring.every((p) => Array.isArray(p)) ? ring.slice(0, -1) : g.type === "Point" ? [g.coordinates as Position] : [];
      const closed = ring !== undefined && ring.length > 3;
      const live = closed && ring ? { liveAreaHa: areaHa(ring), livePerimeterM: lengthM(ring) } : {};
      return { ...none, vertices, closed, geometry: parsed.geometry, ...live };
    }
  }
}

/** What the component hands back through `onDone` (the caller signs and stores it). */
export interface CapturedPlot {
  /** As `plot.registered` expects it (ledger/supply/sites.py), normalized as the server stores it. */
  geometry: PlotGeometry;
  /** `plot.registered`'s `area_ha`: computed from the polygon, or declared for a point. */
  area_ha: number;
  perimeter_m: number | null;
  /** The declared INEGI state code. */
  state: string;
  method: Mode;
  /** The raw GPS fixes, dropped ones included, for keeping with the plot. */
  track: Fix[];
  /** Overlaps with other plots of the association, acknowledged by saving. */
  warnings: Problem[];
}

export function captured(state: CaptureState, check: PlotCheck, stateCode: string): CapturedPlot | null {
  if (!check.ok || !check.geometry || check.areaHa === null) return null;
  return {
    geometry: check.geometry, area_ha: check.areaHa, perimeter_m: check.perimeterM, state: stateCode,
    method: state.mode, track: state.raw, warnings: check.warnings,
  };
}
