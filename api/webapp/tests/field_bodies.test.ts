/** The field app builds exactly the bodies the server admits (tests/vectors/field_bodies.json;
 * the Python half admits each one), and refuses bad input naming the field. */
import { describe, expect, it } from "vitest";
import { canonicalText } from "../src/crypto/jcs";
import { shortCode } from "../src/crypto/keys";
import {
  apiaryBody,
  isCurp,
  deliveryBody,
  memberParts,
  newId,
  parseKg,
  plotBody,
  purchaseBody,
  type ApiaryInput,
  type Built,
  type CapturedShape,
  type DeliveryInput,
  type MemberInput,
  type PlotInput,
  type PurchaseInput,
} from "../src/field/bodies";
import { personalDataHash } from "../src/field/personal";
import { CATALOG } from "../src/i18n/catalog";
import { readVector } from "./vectors";

interface Case {
  name: string;
  builder: "member" | "plot" | "apiary" | "delivery" | "purchase";
  input: unknown;
  shape?: CapturedShape | null;
  salt?: string | null;
  personal_data?: unknown;
  body?: Record<string, unknown>;
  jcs?: string;
  errors?: Record<string, string>;
}
interface Vectors {
  today: string;
  cases: Case[];
  refused: Case[];
}
const V = readVector<Vectors>("field_bodies.json");

function build(c: Case): Built<unknown> {
  switch (c.builder) {
    case "member":
      return memberParts(c.input as MemberInput, V.today);
    case "plot":
      return plotBody(c.input as PlotInput, c.shape ?? null);
    case "apiary":
      return apiaryBody(c.input as ApiaryInput);
    case "delivery":
      return deliveryBody(c.input as DeliveryInput, V.today);
    case "purchase":
      return purchaseBody(c.input as PurchaseInput);
  }
}

describe("field bodies", () => {
  it.each(V.cases.map((c) => [c.name, c] as const))("builds %s as the server admits it", async (_name, c) => {
    const built = build(c);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    if (c.builder === "member") {
      const { body, personal } = built.value as { body: Record<string, unknown>; personal: unknown };
      expect(personal).toEqual(c.personal_data ?? null);
      if (c.salt) body["pii_hash"] = await personalDataHash(c.salt, personal as never);
      expect(body).toEqual(c.body);
      expect(canonicalText(body)).toBe(c.jcs);
      expect(JSON.stringify(body)).not.toContain("María");
    } else {
      expect(built.value).toEqual(c.body);
      expect(canonicalText(built.value)).toBe(c.jcs);
    }
  });

  it.each(V.refused.map((c) => [c.name, c] as const))("refuses %s, naming each field", (_name, c) => {
    const built = build(c);
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(built.errors).toEqual(c.errors);
    for (const key of Object.values(built.errors)) {
      expect(CATALOG.es[key], key).toBeTruthy();
      expect(CATALOG.en[key], key).toBeTruthy();
    }
  });
});

describe("typed numbers and ids", () => {
  it("reads kilograms the Mexican way, exact to the gram", () => {
    expect(parseKg("1,250.5")).toBe(1250.5);
    expect(parseKg(" 80 ")).toBe(80);
    expect(parseKg("12.250")).toBe(12.25);
    expect(parseKg("1,234,567.125")).toBe(1234567.125);
    for (const bad of ["12,5", "1.2345", "0", "-3", "1,23", "abc", "", "1e3", "12,50.5"]) expect(parseKg(bad), bad).toBeNull();
  });

  it("checks a CURP as the server does: pattern, birth date, check digit", () => {
    expect(isCurp("HEGG560427MVZRRL04")).toBe(true);
    expect(isCurp("HEGG560427MVZRRL05")).toBe(false); // check digit (the server's test case)
    expect(isCurp("HEGG561327MVZRRL04")).toBe(false); // month 13
    expect(isCurp("HEGG560427MXXRRL04")).toBe(false); // no such state
    expect(isCurp("hegg560427mvzrrl04")).toBe(false); // upper case only (the form upper-cases)
  });

  it("makes ids the server accepts, different per device and moment", () => {
    const a = newId("h", "a1b2c3d4e5f6", new Date(Date.UTC(2026, 2, 1)));
    expect(a).toMatch(/^h-a1b2c3-[0-9a-z]+$/);
    expect(a).not.toBe(newId("h", "a1b2c3d4e5f6", new Date(Date.UTC(2026, 2, 1, 0, 0, 1))));
    expect(newId("h", "ffffff000000")).not.toBe(newId("h", "a1b2c3000000"));
  });

  it("writes the short code as three groups of the key id's first 12 hex digits", () => {
    expect(shortCode("a1b2c3d4e5f60718293a4b5c6d7e8f90")).toBe("a1b2-c3d4-e5f6");
    expect(() => shortCode("A1B2C3D4E5F6")).toThrow();
    expect(() => shortCode("a1b2")).toThrow();
  });
});

describe("farm-gate purchase amounts", () => {
  it("rounds price × kg half up to the centavo, exactly (no floats)", async () => {
    const { decimalText, decimalUnits, purchaseCents } = await import("../src/field/bodies");
    expect(decimalUnits("1,250.5", 3)).toBe(1_250_500n);
    expect(decimalUnits("7.35", 4)).toBe(73_500n);
    expect(decimalUnits("1.23456", 4)).toBeNull();
    expect(decimalUnits("12,5", 3)).toBeNull();
    expect(purchaseCents(1_000n, 50n, [], [])).toBe(1n); // 1 kg × 0.005 = 0.005 → 0.01 (half up)
    expect(purchaseCents(1_000n, 49n, [], [])).toBe(0n); // 0.0049 → 0.00
    expect(purchaseCents(3_000n, 1_000n, [], [])).toBe(30n); // 3 × 0.1: 0.30, where floats give 0.30000000000000004
    expect(decimalText(1_250_500n, 3)).toBe("1250.5");
    expect(decimalText(100_000n, 2, 2)).toBe("1000.00");
    expect(decimalText(5n, 2, 2)).toBe("0.05");
  });
});
