/** The app's compact state boundaries are the server's, vertex for vertex. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Boundaries, type CompactStates, decodeRing } from "../src/geo/boundaries";
import compact from "../src/geo/mx_states.json";

const sourcePath = fileURLToPath(new URL("../../../ledger/supply/data/mx_states.geojson", import.meta.url));
const sourceBytes = readFileSync(sourcePath);
interface Feature { properties: { cve_ent: string; name: string }; geometry: { coordinates: number[][][][] } }
const source = JSON.parse(sourceBytes.toString("utf8")) as { features: Feature[] };
const data = compact as CompactStates;

describe("mx_states.json (scripts/derive_webapp_states.py)", () => {
  it("names the server's file by its SHA-256", () => {
    expect(data.source_sha256).toBe(createHash("sha256").update(sourceBytes).digest("hex"));
  });

  it("decodes to exactly the server's polygons", () => {
    expect(data.states.map((s) => s.cve_ent)).toEqual(source.features.map((f) => f.properties.cve_ent));
    for (const [i, feature] of source.features.entries()) {
      const state = data.states[i];
      expect(state?.name).toBe(feature.properties.name);
      const decoded = state?.polygons.map((polygon) => polygon.map((ring) => decodeRing(ring, data.scale)));
      expect(decoded).toEqual(feature.geometry.coordinates);
    }
  });
});

describe("Boundaries", () => {
  const b = new Boundaries(data);
  it("places towns in their states", () => {
    expect(b.stateAt(-92.66, 15.87)).toBe("07"); // Jaltenango, Chiapas
    expect(b.stateAt(-96.72, 17.06)).toBe("20"); // Oaxaca
    expect(b.stateAt(-99.13, 19.43)).toBe("09"); // Ciudad de México
    expect(b.stateAt(-91.75, 16.0)).toBeNull(); // Guatemala
  });
  it("names the likely slip for a position abroad", () => {
    expect(b.check([[92.66, 15.87]], "07")).toEqual({ code: "outside_mexico", params: { position: "92.66, 15.87", hint: "lon_sign" } });
    expect(b.check([[-92.66, -15.87]], "07")?.params?.["hint"]).toBe("lat_sign");
    expect(b.check([[-96.72, 17.06]], "07")).toEqual({
      code: "outside_state", params: { state: "Chiapas", actual: "Oaxaca", position: "-96.72, 17.06" },
    });
    expect(b.check([[-92.66, 15.87]], "99")?.code).toBe("unknown_state");
  });
});
