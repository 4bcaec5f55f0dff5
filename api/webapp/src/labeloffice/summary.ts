/**
 * An ineligible lot's reasons, said briefly: the eligibility API repeats each failure down
 * the lineage ("el lote de entrada … no es elegible: …" per step, English product names, ISO
 * date ranges). The screen shows instead one line per root failure — the plots, apiaries or
 * lots at fault named together when they fail alike, the product in the reader's language,
 * dates dd/mm/aaaa — and keeps the API's full sentences behind "Detalles".
 *
 * Reads the structured `detail` and `causes` the API gives with each reason
 * (`verifiers/eligibility.py`); a reason without them falls back to its own sentence.
 */
import { language, mxDate, t } from "../i18n";
import type { Reason } from "./api";

const key = (r: Reason): string => `${r.code}|${r.lot_id ?? ""}|${r.subject}`;

/** The failures at the roots of `reasons` (an input's reason stands for its causes), once each. */
export function rootCauses(reasons: readonly Reason[]): Reason[] {
  const found = new Map<string, Reason>();
  for (const reason of reasons) {
    for (const cause of reason.causes?.length ? reason.causes : [reason]) {
      if (!found.has(key(cause))) found.set(key(cause), cause);
    }
  }
  return [...found.values()];
}

/** `plot:cs-plot14` → "parcela cs-plot14" / "plot cs-plot14". */
export function subjectName(subject: string): string {
  const colon = subject.indexOf(":");
  const kind = colon < 0 ? "" : subject.slice(0, colon);
  const id = colon < 0 ? subject : subject.slice(colon + 1);
  return ["plot", "apiary", "lot"].includes(kind) ? t(`labels.subject.${kind}`, { id }) : subject;
}

const capital = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

const product = (code: string | undefined): string => (code ? t(`shell.term.product.${code}`) : "—");

interface Group {
  subjects: string[];
  product: string;
  from: string;
  to: string;
  windows: Set<string>;
}

/** One short line per group of root failures (the sites that lack a verification for the same
 * product named together, with the span of their harvests), in the current language. */
export function summarize(reasons: readonly Reason[]): string[] {
  const groups = new Map<string, Group>();
  const lines: (string | Group)[] = [];
  for (const cause of rootCauses(reasons)) {
    const d = cause.detail;
    if (cause.code === "origin_not_certified" && d?.product && d.from && d.to) {
      const found = groups.get(d.product);
      if (found) {
        if (!found.subjects.includes(cause.subject)) found.subjects.push(cause.subject);
        if (d.from < found.from) found.from = d.from;
        if (d.to > found.to) found.to = d.to;
        found.windows.add(`${d.from}|${d.to}`);
      } else {
        const group: Group = { subjects: [cause.subject], product: d.product, from: d.from, to: d.to, windows: new Set([`${d.from}|${d.to}`]) };
        groups.set(d.product, group);
        lines.push(group);
      }
    } else if (cause.code === "unknown_lot" || cause.code === "lot_criteria_unverified") {
      lines.push(t(`labels.why.${cause.code}`, { lot: cause.lot_id ?? cause.subject.replace(/^lot:/, "") }));
    } else {
      lines.push(language() === "es" ? cause.message_es : cause.message_en);
    }
  }
  return lines.map((line) =>
    typeof line === "string"
      ? line
      : t(line.windows.size === 1 ? "labels.why.origin_not_certified" : "labels.why.origin_not_certified_span", {
          subjects: capital(line.subjects.map(subjectName).join(", ")),
          product: product(line.product),
          from: mxDate(line.from),
          to: mxDate(line.to),
        }),
  );
}
