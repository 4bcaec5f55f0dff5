/** The office's signed read writes the header the server's code wrote for the same key. */
import { describe, expect, it } from "vitest";
import { keyMaterialFromSeed, signerFrom } from "../src/crypto/ed25519";
import { hexDecode } from "../src/crypto/encoding";
import { signRead } from "../src/crypto/signedRead";
import { readVector } from "./vectors";

interface Vector {
  seed_hex: string;
  path: string;
  ts: string;
  nonce: string;
  header: string;
}

describe("signed read (tests/vectors/signed_read.json)", () => {
  it("writes the Python side's header byte for byte", async () => {
    const vector = readVector<Vector>("signed_read.json");
    const signer = signerFrom(await keyMaterialFromSeed(hexDecode(vector.seed_hex, 32), "noble"));
    expect(await signRead(signer, vector.path, { ts: vector.ts, nonce: vector.nonce })).toBe(vector.header);
  });

  it("binds the path: another path is another header", async () => {
    const vector = readVector<Vector>("signed_read.json");
    const signer = signerFrom(await keyMaterialFromSeed(hexDecode(vector.seed_hex, 32), "noble"));
    expect(await signRead(signer, `${vector.path}x`, { ts: vector.ts, nonce: vector.nonce })).not.toBe(vector.header);
  });
});
