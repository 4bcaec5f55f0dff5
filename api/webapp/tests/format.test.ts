/** Mexican number and date formats: the same cases api/i18n.py is checked against. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isoToday, mxDate, mxKg, mxNumber } from "../src/i18n/format";

interface Vectors {
  mx_number: { input: number; expected: string }[];
  mx_kg: { grams: number; expected: string }[];
  mx_date: { input: string; expected: string }[];
}

const path = fileURLToPath(new URL("../../../tests/vectors/mx_format.json", import.meta.url));
const vectors = JSON.parse(readFileSync(path, "utf8")) as Vectors;

describe("mxNumber matches api.i18n.mx_number", () => {
  for (const c of vectors.mx_number) {
    it(`${c.input} → ${c.expected}`, () => expect(mxNumber(c.input)).toBe(c.expected));
  }
});

describe("mxKg matches api.i18n.mx_kg", () => {
  for (const c of vectors.mx_kg) {
    it(`${c.grams} g → ${c.expected}`, () => expect(mxKg(c.grams)).toBe(c.expected));
  }
});

describe("mxDate matches api.i18n.mx_date", () => {
  for (const c of vectors.mx_date) {
    it(`${JSON.stringify(c.input)} → ${c.expected}`, () => expect(mxDate(c.input)).toBe(c.expected));
  }
});

it("the vector file has cases for every helper", () => {
  expect(vectors.mx_number.length).toBeGreaterThan(10);
  expect(vectors.mx_kg.length).toBeGreaterThan(3);
  expect(vectors.mx_date.length).toBeGreaterThan(5);
});

it("isoToday is the local day, zero-padded", () => {
  expect(isoToday(new Date(2026, 0, 5, 23, 59))).toBe("2026-01-05");
  expect(mxDate(isoToday(new Date(2026, 11, 6)))).toBe("06/12/2026");
});
