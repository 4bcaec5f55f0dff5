/**
 * Turning numbers and problems into words, the Mexican way: numbers through
 * `Intl.NumberFormat("es-MX")` in both languages (1,234.5 — the format producers and the
 * office read on every Mexican document), so the same figure looks the same in es and en.
 */
import type { Problem } from "../geo/types";
import { type Lang, type MessageKey, messages } from "./messages";

const formatters = new Map<number, Intl.NumberFormat>();

/** A number with at most `decimals` decimals, Mexican grouping and decimal point. */
export function mxNumber(value: number, decimals: number): string {
  let f = formatters.get(decimals);
  if (!f) {
    f = new Intl.NumberFormat("es-MX", { maximumFractionDigits: decimals, minimumFractionDigits: 0 });
    formatters.set(decimals, f);
  }
  return f.format(value);
}

/** Hectares to 2 decimals above 10 ha, 4 below (a 0.05 ha plot must not read "0.05" ≈ "0"). */
export const formatHa = (lang: Lang, ha: number): string =>
  translate(lang, "plots.unit.ha", { value: mxNumber(ha, ha >= 10 ? 2 : 4) });

/** Metres to whole metres, kilometres to 2 decimals above 10 km. */
export const formatLength = (lang: Lang, m: number): string =>
  m >= 10_000 ? translate(lang, "plots.unit.km", { value: mxNumber(m / 1000, 2) }) : translate(lang, "plots.unit.m", { value: mxNumber(m, m < 10 ? 1 : 0) });

/** The message for `key` in `lang` with `{name}` placeholders filled in. */
export function translate(lang: Lang, key: MessageKey, params: Record<string, string | number> = {}): string {
  const template: string = messages[lang][key];
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    return value === undefined ? "" : String(value);
  }).trim();
}

const DECIMALS: Record<string, number> = { area_ha: 4, min_ha: 4, max_ha: 2, overlap_ha: 4, width_m: 1, min_m: 1, percent: 0 };

/** A validation problem (or warning) in plain words. */
export function describeProblem(lang: Lang, problem: Problem): string {
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(problem.params ?? {})) {
    params[name] = typeof value === "number" ? mxNumber(value, DECIMALS[name] ?? 0) : value;
  }
  if (problem.code === "outside_mexico") {
    params["hint"] = translate(lang, `plots.hint.${String(problem.params?.["hint"] ?? "none")}` as MessageKey);
  }
  let key = `plots.problem.${problem.code}` as MessageKey;
  if (problem.code === "outside_state" && params["actual"] !== undefined) key = "plots.problem.outside_state.actual";
  if (problem.code === "overlap" && params["overlap_ha"] !== undefined) key = "plots.problem.overlap.area";
  return translate(lang, key, params);
}
