/** eddsa-jcs-2022 in the browser's crypto, against the same W3C vectors as the Python side. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { base58btcDecode, base58btcEncode, createDataIntegrityProof, didKeyFromPublic, publicKeyFromDidKey, verifyDataIntegrity } from "../src/crypto/dataIntegrity";
import { keyMaterialFromSeed, signerFrom } from "../src/crypto/ed25519";
import { hexEncode } from "../src/crypto/encoding";
import { VECTORS_DIR, readVector } from "./vectors";

const SUITE = "oracles/vc-di-eddsa-jcs-2022/TestVectors/eddsa-jcs-2022";
const text = (name: string): string => readFileSync(join(VECTORS_DIR, SUITE, name), "utf8").trim();
const signed = (): Record<string, unknown> => readVector<Record<string, unknown>>(`${SUITE}/signedJCS.json`);

describe("eddsa-jcs-2022 (W3C vc-di-eddsa vectors)", () => {
  it("decodes the multibase signature to the vector's bytes", () => {
    expect(hexEncode(base58btcDecode(text("sigBTC58JCS.txt").slice(1)))).toBe(text("sigHexJCS.txt"));
  });

  it("reads the did:key of the vector's key pair", () => {
    const pair = readVector<{ publicKeyMultibase: string }>("oracles/vc-di-eddsa-jcs-2022/TestVectors/keyPair.json");
    const key = publicKeyFromDidKey(`did:key:${pair.publicKeyMultibase}`);
    expect(key?.length).toBe(32);
    expect(publicKeyFromDidKey(`did:key:${pair.publicKeyMultibase}#zOther`)).toBeNull();
  });

  it("verifies the signed vector", async () => {
    const result = await verifyDataIntegrity(signed());
    expect(result.ok).toBe(true);
  });

  it("fails on a one-character change in the subject", async () => {
    const doc = signed();
    (doc["credentialSubject"] as Record<string, string>)["alumniOf"] = "The School of Exampled";
    expect(await verifyDataIntegrity(doc)).toEqual({ ok: false, field: "proof.proofValue" });
  });

  it("fails on a one-character change in the proof value", async () => {
    const doc = signed();
    const proof = doc["proof"] as Record<string, string>;
    proof["proofValue"] = `${proof["proofValue"]!.slice(0, -1)}Y`;
    expect(await verifyDataIntegrity(doc)).toEqual({ ok: false, field: "proof.proofValue" });
  });

  it("names the field when the proof is of another suite or the context differs", async () => {
    const doc = signed();
    (doc["proof"] as Record<string, string>)["cryptosuite"] = "eddsa-rdfc-2022";
    expect(await verifyDataIntegrity(doc)).toEqual({ ok: false, field: "proof.cryptosuite" });
    const other = signed();
    other["@context"] = ["https://www.w3.org/ns/credentials/v2"];
    expect(await verifyDataIntegrity(other)).toEqual({ ok: false, field: "proof.@context" });
  });

  it("creates the vector's proof byte for byte from its key pair", async () => {
    const pair = readVector<{ publicKeyMultibase: string; privateKeyMultibase: string }>("oracles/vc-di-eddsa-jcs-2022/TestVectors/keyPair.json");
    const secret = base58btcDecode(pair.privateKeyMultibase.slice(1));
    expect([secret[0], secret[1]]).toEqual([0x80, 0x26]);
    const signer = signerFrom(await keyMaterialFromSeed(secret.slice(2), "noble"));
    expect(didKeyFromPublic(signer.publicKey)).toBe(`did:key:${pair.publicKeyMultibase}#${pair.publicKeyMultibase}`);
    const unsigned = readVector<Record<string, unknown>>("oracles/vc-di-eddsa-jcs-2022/TestVectors/unsigned.json");
    const made = await createDataIntegrityProof(unsigned, signer, "2023-02-24T23:36:38Z");
    expect((made["proof"] as Record<string, string>)["proofValue"]).toBe(text("sigBTC58JCS.txt"));
    expect(made).toEqual(signed());
    expect((await verifyDataIntegrity(made)).ok).toBe(true);
    expect(base58btcEncode(Uint8Array.from([0, 0, 1]))).toBe("112");
    await expect(createDataIntegrityProof(made, signer, "2023-02-24T23:36:38Z")).rejects.toThrow("proof");
  });
});

