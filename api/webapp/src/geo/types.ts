/** Shared geometry types: WGS 84 positions `[lon, lat]` in degrees, as GeoJSON (RFC 7946). */

export type Position = readonly [number, number];
/** A closed ring: first position equals the last. */
export type Ring = readonly Position[];

export interface PointGeometry {
  type: "Point";
  coordinates: [number, number];
}

export interface PolygonGeometry {
  type: "Polygon";
  coordinates: [[number, number][]];
}

/** The geometry `plot.registered` carries (ledger/supply/sites.py): one point or one polygon. */
export type PlotGeometry = PointGeometry | PolygonGeometry;

/**
 * A validation finding, as a code the UI translates (`plots.problem.<code>` in
 * src/plots/messages.ts) plus the values the message needs.
 */
export interface Problem {
  code: ProblemCode;
  params?: Record<string, string | number>;
}

export type ProblemCode =
  | "parse_error"
  | "invalid_geometry"
  | "invalid_position"
  | "too_few_vertices"
  | "not_closed"
  | "too_many_vertices"
  | "repeated_vertex"
  | "antimeridian"
  | "spike"
  | "self_intersection"
  | "rounding"
  | "sliver"
  | "area_too_small"
  | "area_too_large"
  | "area_required"
  | "point_too_large"
  | "unknown_state"
  | "outside_mexico"
  | "outside_state"
  | "overlap";
