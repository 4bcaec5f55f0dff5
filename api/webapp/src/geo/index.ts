/** Plot geometry for the field app: pure functions, no DOM (see docs/field-app.md). */
export { areaHa, distanceM, lengthM, localPlane, AUTHALIC_RADIUS_M, WGS84_A, WGS84_F } from "./ellipsoid";
export { Boundaries, BORDER_TOLERANCE_M, loadBoundaries, type CompactStates } from "./boundaries";
export { ringProblem, MAX_RING_VERTICES } from "./ring";
export { roundHalfEven } from "./rounding";
export { coordinateText, truncateCoordinate, EUDR_DECIMALS } from "./truncate";
export { overlapWarnings, overlapHa, type OtherPlot } from "./overlap";
export {
  validatePlot, normalizeGeometry, DEFAULT_VALIDATION, MAX_POINT_AREA_HA,
  type PlotCheck, type PlotInput, type ValidationOptions,
} from "./validate";
export { parseCoordinates } from "./parse";
export { trackToVertices, closeTrack, DEFAULT_TRACK, type Fix, type TrackOptions, type TrackResult } from "./track";
export { simplifyRing } from "./simplify";
export type { PlotGeometry, PointGeometry, PolygonGeometry, Position, Problem, ProblemCode, Ring } from "./types";
