/**
 * Every module's UI strings, merged into one catalog per language.
 *
 * A feature module exports `messages = { es: {...}, en: {...} }` from its own `messages.ts`
 * and is added to `MODULES` below under its prefix (one import, one line). Keys are used as
 * `prefix.key`: a module may write its keys bare (`accuracy`) or already prefixed
 * (`plots.accuracy`); both end up as `plots.accuracy`. Two modules defining the same final
 * key is an error (thrown at start-up and caught by the unit test).
 */
import { messages as certifier } from "../certifier/messages";
import { messages as field } from "../field/messages";
import { messages as labels } from "../labeloffice/messages";
import { messages as office } from "../office/messages";
import { messages as shell } from "../shell/messages";
import { messages as sync } from "../sync/messages";

export const LANGUAGES = ["es", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
export type Messages = Record<string, string>;
export interface ModuleMessages {
  es: Messages;
  en: Messages;
}

/** Prefix → the module's messages. Feature modules add themselves here. */
export const MODULES: Readonly<Record<string, ModuleMessages>> = {
  shell,
  field,
  sync,
  office,
  labels,
  certifier,
};

/** Merge module catalogs into one per language, prefixing keys; duplicate keys throw. */
export function merge(modules: Readonly<Record<string, ModuleMessages>>): Record<Language, Messages> {
  const merged: Record<Language, Messages> = { es: {}, en: {} };
  for (const [prefix, catalog] of Object.entries(modules)) {
    for (const lang of LANGUAGES) {
      for (const [key, text] of Object.entries(catalog[lang])) {
        const full = key.startsWith(`${prefix}.`) ? key : `${prefix}.${key}`;
        if (full in merged[lang]) throw new Error(`duplicate message key ${full} (${lang})`);
        merged[lang][full] = text;
      }
    }
  }
  return merged;
}

export const CATALOG = merge(MODULES);
