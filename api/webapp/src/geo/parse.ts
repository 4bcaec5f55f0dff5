/**
 * Typed or pasted coordinates → a GeoJSON geometry to validate.
 *
 * Accepted: GeoJSON (a Point or Polygon geometry, a Feature holding one, or a
 * FeatureCollection of exactly one such Feature: the geometry is taken, properties dropped),
 * or plain lines "lon, lat" (separators: comma, semicolon, tab or spaces; blank lines and
 * lines starting with # ignored). One line is a Point; more are a ring, closed here if the
 * last line does not repeat the first (people rarely type the closing vertex). The order is
 * longitude first, as GeoJSON; a swapped pair is caught later by the "outside Mexico" check,
 * which names the slip.
 */
import type { Problem } from "./types";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function fromGeoJson(value: unknown): unknown | Problem {
  if (!isRecord(value)) return { code: "parse_error", params: { line: 1 } };
  if (value["type"] === "FeatureCollection") {
    const features = value["features"];
    if (!Array.isArray(features) || features.length !== 1) return { code: "invalid_geometry", params: { reason: "features" } };
    return fromGeoJson(features[0]);
  }
  if (value["type"] === "Feature") return fromGeoJson(value["geometry"]);
  return { type: value["type"], coordinates: value["coordinates"] };
}

/** The geometry in `text`, or a `parse_error` naming the first bad line (1-based). */
export function parseCoordinates(text: string): { geometry: unknown } | { problem: Problem } {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      return { problem: { code: "parse_error", params: { line: 1 } } };
    }
    const geometry = fromGeoJson(value);
    if (isRecord(geometry) && "code" in geometry && !("coordinates" in geometry)) return { problem: geometry as unknown as Problem };
    return { geometry };
  }
  const positions: [number, number][] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const parts = line.split(/\s*[,;\t]\s*|\s+/).filter((p) => p !== "");
    const numbers = parts.map(Number);
    if (parts.length !== 2 || numbers.some((n) => !Number.isFinite(n))) {
      return { problem: { code: "parse_error", params: { line: i + 1 } } };
    }
    positions.push([numbers[0] as number, numbers[1] as number]);
  }
  if (positions.length === 0) return { problem: { code: "parse_error", params: { line: 1 } } };
  if (positions.length === 1) return { geometry: { type: "Point", coordinates: positions[0] } };
  const first = positions[0] as [number, number];
  const last = positions[positions.length - 1] as [number, number];
  if (first[0] !== last[0] || first[1] !== last[1]) positions.push([first[0], first[1]]);
  return { geometry: { type: "Polygon", coordinates: [positions] } };
}
