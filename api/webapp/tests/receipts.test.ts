/**
 * Receipts in the browser against the receipts Python made (tests/vectors/receipt.json):
 * the deterministic deflate and the digit groups are byte-identical, the same signed
 * statement encodes to the same text (and signing it again here with the same device key
 * gives the same signature), and every Python-made case gets the same verdict here, against
 * trust lists whose root signature is checked first.
 */
import { describe, expect, it } from "vitest";
import { keyMaterialFromSeed, signerFrom } from "../src/crypto/ed25519";
import { b64urlDecode, hexDecode, hexEncode } from "../src/crypto/encoding";
import { signStatement, type JsonObject, type SignedStatement } from "../src/crypto/statements";
import {
  bytesToDigits,
  checkReceipt,
  decodeReceipt,
  deflateRaw,
  digitsToBytes,
  encodeReceipt,
  inflateFixed,
  MalformedReceiptError,
  messages,
  receiptMessage,
  receiptPayload,
  TrustListError,
  verifyTrustList,
  type TrustList,
} from "../src/receipts";
import { readVector } from "./vectors";

interface Case {
  name: string;
  text: string;
  trust_list: string;
  association: string | null;
  status: string;
  detail: string;
}
interface Vectors {
  prefix: string;
  deflate: { input_hex: string; output_hex: string }[];
  digits: { bytes_hex: string; digits: string }[];
  device_private_key_hex: string;
  root_public_key: string;
  signed_statement: SignedStatement;
  payload_hex: string;
  text: string;
  trust_lists: Record<string, TrustList>;
  cases: Case[];
}

const vectors = readVector<Vectors>("receipt.json");
const root = b64urlDecode(vectors.root_public_key, 32);

describe("receipt encoding, byte for byte as Python", () => {
  it("deflates every vector input to the same stream, and inflates it back", () => {
    for (const v of vectors.deflate) {
      const input = hexDecode(v.input_hex);
      expect(hexEncode(deflateRaw(input))).toBe(v.output_hex);
      expect(hexEncode(inflateFixed(hexDecode(v.output_hex), 1 << 16))).toBe(v.input_hex);
    }
  });

  it("writes and reads the same digit groups", () => {
    for (const v of vectors.digits) {
      expect(bytesToDigits(hexDecode(v.bytes_hex))).toBe(v.digits);
      expect(hexEncode(digitsToBytes(v.digits))).toBe(v.bytes_hex);
    }
    expect(() => digitsToBytes("1234")).toThrow(/whole number of bytes/);
    expect(() => digitsToBytes("256")).toThrow(/exceeds 1 bytes/);
  });

  it("encodes the Python-made signed statement to the identical receipt", () => {
    expect(hexEncode(receiptPayload(vectors.signed_statement))).toBe(vectors.payload_hex);
    expect(encodeReceipt(vectors.signed_statement)).toBe(vectors.text);
    expect(decodeReceipt(vectors.text)).toEqual(vectors.signed_statement);
  });

  it("signs the same delivery with the same device key into the same receipt", async () => {
    const signer = signerFrom(await keyMaterialFromSeed(hexDecode(vectors.device_private_key_hex), "noble"));
    const { statement } = vectors.signed_statement;
    const signed = await signStatement(signer, statement.type, statement.body as JsonObject, {
      ts: statement.ts,
      nonce: statement.nonce,
    });
    expect(signed).toEqual(vectors.signed_statement);
    expect(encodeReceipt(signed)).toBe(vectors.text);
  });

  it("accepts only the canonical text and names the malformed part", () => {
    const parts: [string, string][] = [
      ["hola", "prefix"],
      [vectors.text.slice(0, -1), "digits"],
      [`BTR1:${bytesToDigits(new Uint8Array(64))}`, "digits"],
      [`BTR1:${bytesToDigits(new Uint8Array(66).fill(0xff))}`, "deflate"],
      [`BTR1:${bytesToDigits(new Uint8Array([...new Uint8Array(64), ...deflateRaw(new TextEncoder().encode('{"v":1}'))]))}`, "statement"],
    ];
    for (const [text, part] of parts) {
      expect(() => decodeReceipt(text)).toThrow(MalformedReceiptError);
      try {
        decodeReceipt(text);
      } catch (error) {
        expect((error as MalformedReceiptError).part).toBe(part);
      }
    }
    expect(decodeReceipt(`${vectors.text}\n`)).toEqual(vectors.signed_statement); // trailing newline of a scanner
  });
});

describe("receipt verification, verdict for verdict as Python", () => {
  it("checks each trust list's root signature first, and refuses a changed one", async () => {
    for (const list of Object.values(vectors.trust_lists)) await verifyTrustList(list, [root]);
    const current = vectors.trust_lists["current"] as TrustList;
    const tampered = { ...current, devices: [] } as TrustList;
    await expect(verifyTrustList(tampered, [root])).rejects.toThrow(TrustListError);
    await expect(verifyTrustList(current, [new Uint8Array(32).fill(7)])).rejects.toThrow(/neither a pinned root nor delegated/);
  });

  for (const c of vectors.cases) {
    it(`${c.name}: ${c.status} (${c.detail})`, async () => {
      const list = vectors.trust_lists[c.trust_list] as TrustList;
      const options = c.association === null ? {} : { association: c.association };
      const verdict = await checkReceipt(c.text, list, options);
      expect([verdict.status, verdict.detail]).toEqual([c.status, c.detail]);
      expect(verdict.valid).toBe(c.status === "valid");
      expect(verdict.recordedInLedger).toBe("unknown_offline");
      expect(receiptMessage(verdict, "es")).not.toBe(receiptMessage(verdict, "en"));
    });
  }

  it("has every message in both languages", () => {
    expect(Object.keys(messages.es).sort()).toEqual(Object.keys(messages.en).sort());
  });
});
