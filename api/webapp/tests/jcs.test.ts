/** RFC 8785 known answers, read from the same vector file the Python tests use. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { canonicalBytes, canonicalText } from "../src/crypto/jcs";

interface CanonCase { name: string; input: string; expected: string; expected_utf8_hex?: string }
interface SortCase { name: string; input: string; expected_value_order: string[] }
interface NumberCase { ieee754_hex: string; expected?: string; error?: boolean; comment: string }
interface Vectors {
  canonicalization_cases: CanonCase[];
  property_sorting_cases: SortCase[];
  number_serialization: { cases: NumberCase[] };
}

const vectorPath = fileURLToPath(new URL("../../../tests/vectors/rfc8785_jcs.json", import.meta.url));
const vectors = JSON.parse(readFileSync(vectorPath, "utf8")) as Vectors;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function float64(hexText: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hexText}`));
  return view.getFloat64(0);
}

describe("RFC 8785 canonicalization", () => {
  for (const c of vectors.canonicalization_cases) {
    it(c.name, () => {
      expect(canonicalText(JSON.parse(c.input))).toBe(c.expected);
      if (c.expected_utf8_hex !== undefined) {
        expect(hex(canonicalBytes(JSON.parse(c.input)))).toBe(c.expected_utf8_hex.toLowerCase());
      }
    });
  }
});

describe("RFC 8785 property sorting (UTF-16 code units)", () => {
  for (const c of vectors.property_sorting_cases) {
    it(c.name, () => {
      // Read the order off the text: a parsed JS object would move "1" to the front again.
      const text = canonicalText(JSON.parse(c.input));
      const values = Array.from(text.matchAll(/:"([^"]*)"/g), (m) => m[1]);
      expect(values).toEqual(c.expected_value_order);
    });
  }
});

describe("RFC 8785 Appendix B number serialization", () => {
  for (const c of vectors.number_serialization.cases) {
    it(`${c.ieee754_hex} ${c.comment}`, () => {
      const value = float64(c.ieee754_hex);
      if (c.error) expect(() => canonicalText(value)).toThrow();
      else expect(canonicalText(value)).toBe(c.expected);
    });
  }
});
