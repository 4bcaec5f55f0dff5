/**
 * The app's words in Spanish and English: `t(key, params)`, the chosen language (Spanish
 * unless the user switched; remembered in localStorage) and `<html lang>` kept in step.
 *
 * Texts hold `{name}` placeholders like the server's catalog (`api/i18n.py`). A number given
 * as a parameter is written the Mexican way (`mxNumber`); anything else as its string.
 * The catalogs are merged from every module in `catalog.ts`; a test checks that both
 * languages have the same keys and placeholders, so a screen never shows a raw key.
 */
import { useEffect, useState } from "preact/hooks";
import { CATALOG } from "./catalog";
import { mxNumber } from "./format";

export { isoToday, mxDate, mxKg, mxNumber } from "./format";
export { LANGUAGES, type Language } from "./catalog";
import type { Language } from "./catalog";

export const DEFAULT_LANGUAGE: Language = "es";
export const STORAGE_KEY = "biotraza.lang";

function stored(): Language {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (value === "es" || value === "en") return value;
  } catch {
    // Storage can be refused (private mode); the default language still works.
  }
  return DEFAULT_LANGUAGE;
}

let current: Language = stored();
const listeners = new Set<(language: Language) => void>();

/** The language the app is shown in. */
export function language(): Language {
  return current;
}

/** Switch language, remember it for the next start, and tell every screen. */
export function setLanguage(next: Language): void {
  current = next;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered, but still switched for this visit.
  }
  if (typeof document !== "undefined") document.documentElement.lang = next;
  for (const listener of listeners) listener(next);
}

/** Preact hook: the current language; re-renders the caller when it changes. */
export function useLanguage(): Language {
  const [value, setValue] = useState(current);
  useEffect(() => {
    listeners.add(setValue);
    return () => void listeners.delete(setValue);
  }, []);
  return value;
}

/** Fill `{name}` placeholders; numbers in the Mexican format. */
export function format(text: string, params?: Record<string, string | number>): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? mxNumber(value) : value;
  });
}

/** The text of `key` in `lang` (default: the current language), placeholders filled. */
export function t(key: string, params?: Record<string, string | number>, lang: Language = current): string {
  const text = CATALOG[lang][key];
  return text === undefined ? key : format(text, params);
}
