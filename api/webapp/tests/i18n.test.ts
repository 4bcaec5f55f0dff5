/** The merged catalog, `t` and the module-merging rules the feature modules rely on. */
import { describe, expect, it } from "vitest";
import { CATALOG, merge } from "../src/i18n/catalog";
import { format, t } from "../src/i18n";
import { SCREENS } from "../src/shell/screens";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the catalog", () => {
  it("has the same keys in Spanish and English", () => {
    expect(Object.keys(CATALOG.en).sort()).toEqual(Object.keys(CATALOG.es).sort());
    expect(Object.keys(CATALOG.es).length).toBeGreaterThan(40);
  });

  it("has the same placeholders in both languages and no empty text", () => {
    for (const [key, es] of Object.entries(CATALOG.es)) {
      const en = CATALOG.en[key] ?? "";
      expect(placeholders(en), key).toEqual(placeholders(es));
      expect(es.trim(), key).not.toBe("");
      expect(en.trim(), key).not.toBe("");
    }
  });

  it("names and describes every screen of the navigation in both languages", () => {
    for (const { id, path } of SCREENS) {
      for (const lang of ["es", "en"] as const) {
        expect(CATALOG[lang][`shell.nav.${id}`], `${lang} nav ${id}`).toBeTruthy();
        // The home tiles show each screen's description.
        if (path !== "") expect(CATALOG[lang][`shell.${id}.about`], `${lang} about ${id}`).toBeTruthy();
      }
    }
  });
});

describe("t", () => {
  it("defaults to Spanish and fills placeholders, numbers the Mexican way", () => {
    expect(t("shell.nav.members")).toBe("Socios");
    expect(t("shell.nav.members", undefined, "en")).toBe("Members");
    expect(t("shell.status.outbox", { count: 1234 })).toBe("Por enviar: 1,234");
    expect(t("shell.status.outbox", { count: 1234 }, "en")).toBe("To send: 1,234");
  });

  it("shows an unknown key as itself rather than failing", () => {
    expect(t("nobody.defined.this")).toBe("nobody.defined.this");
  });

  it("leaves a placeholder without a value visible", () => {
    expect(format("{a} and {b}", { a: "x" })).toBe("x and {b}");
  });
});

describe("merge", () => {
  it("prefixes bare keys with the module and keeps prefixed ones", () => {
    const merged = merge({
      plots: { es: { accuracy: "Precisión", "plots.area": "Superficie" }, en: { accuracy: "Accuracy", "plots.area": "Area" } },
    });
    expect(merged.es).toEqual({ "plots.accuracy": "Precisión", "plots.area": "Superficie" });
    expect(merged.en["plots.accuracy"]).toBe("Accuracy");
  });

  it("refuses a key defined twice (bare and prefixed)", () => {
    expect(() => merge({ a: { es: { x: "1", "a.x": "2" }, en: { x: "1" } } })).toThrow(
      /duplicate message key a.x/,
    );
  });
});
