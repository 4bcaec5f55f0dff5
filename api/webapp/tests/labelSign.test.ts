/** The browser's label signer against the Python known answers (tests/vectors/label_payload.json):
 * the same protected header, payload, Sig_structure, signature and QR text for every case,
 * and the claims a label may not carry refused naming the field. */
import { describe, expect, it } from "vitest";
import { keyMaterialFromSeed, signerFrom } from "../src/crypto/ed25519";
import { hexDecode, hexEncode } from "../src/crypto/encoding";
import { LabelClaimError, detachedPayload, protectedHeader, sigStructure, signIssuance, signLabel, type LabelClaims } from "../src/labeloffice/labelSign";
import { readVector } from "./vectors";

interface Case {
  name: string;
  claims: LabelClaims;
  protected_hex: string;
  payload_hex: string;
  sig_structure_hex: string;
  signature_hex: string;
  text: string;
}

const vectors = readVector<{ private_key_hex: string; key_id: string; cases: Case[] }>("label_payload.json");

describe("label signing", () => {
  it("has cases to check", () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(2);
  });
  for (const backend of ["noble", "webcrypto"] as const) {
    for (const c of vectors.cases) {
      it(`${c.name} (${backend}) matches the Python bytes`, async () => {
        const signer = signerFrom(await keyMaterialFromSeed(hexDecode(vectors.private_key_hex), backend));
        expect(hexEncode(protectedHeader(vectors.key_id))).toBe(c.protected_hex);
        expect(hexEncode(detachedPayload(c.claims))).toBe(c.payload_hex);
        expect(hexEncode(sigStructure(vectors.key_id, c.claims))).toBe(c.sig_structure_hex);
        expect(await signLabel(signer, vectors.key_id, c.claims)).toBe(c.text);
      });
    }
  }

  it("signs one label per serial, or one shared label", async () => {
    const signer = signerFrom(await keyMaterialFromSeed(hexDecode(vectors.private_key_hex), "noble"));
    const base = { host: "qr.bt.example", gtin: null, lot: "CC2026D", seq: 9, day: "2026-04-06", units: 3 };
    const serials = await signIssuance(signer, vectors.key_id, { ...base, serialFrom: 41 });
    expect(serials.map((t) => t.split("?")[0])).toEqual(["41", "42", "43"].map((s) => `https://qr.bt.example/l/CC2026D/21/${s}`));
    expect(await signIssuance(signer, vectors.key_id, { ...base, serialFrom: null })).toHaveLength(1);
  });

  it("refuses claims no label carries, naming the field", () => {
    const good: LabelClaims = { host: "qr.bt.example", gtin: "17501234567890", lot: "CS2526X002", seq: 445, day: "2026-06-01", serial: null };
    const bad: [Partial<LabelClaims>, string][] = [
      [{ host: "QR.example" }, "host"],
      [{ gtin: "17501234567891" }, "gtin"],
      [{ lot: "cs-1" }, "lot"],
      [{ serial: "007" }, "serial"],
      [{ seq: 0 }, "seq"],
      [{ day: "2026-02-30" }, "day"],
    ];
    for (const [change, field] of bad) {
      try {
        detachedPayload({ ...good, ...change });
        expect.unreachable(field);
      } catch (error) {
        expect((error as LabelClaimError).field).toBe(field);
      }
    }
  });
});
