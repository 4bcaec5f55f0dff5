/**
 * The office's list of lots, read from `GET /api/v1/lots`. The service worker answers it
 * network-first and keeps the last good copy, so offline the list still shows, marked with
 * the day it was stored (`X-Biotraza-Stored-At`).
 */
import { useEffect, useState } from "preact/hooks";
import { mxDate, mxKg, t, useLanguage } from "../i18n";
import { useStore } from "./store";
import { online } from "./status";

interface Lot {
  lot_id: string;
  product: string;
  form: string;
  quantity_g: number;
  remaining_g: number;
  status: string;
  lot_number?: string | null;
}

type State =
  | { kind: "loading" }
  | { kind: "failed" }
  | { kind: "ready"; lots: Lot[]; storedAt: string | null };

/** A ledger word through the catalog; the ledger's own word when the catalog lacks it. */
function term(kind: string, value: string): string {
  const key = `shell.term.${kind}.${value}`;
  const text = t(key);
  return text === key ? value : text;
}

async function fetchLots(): Promise<State> {
  try {
    const response = await fetch("/api/v1/lots", { headers: { Accept: "application/json" } });
    if (!response.ok) return { kind: "failed" };
    const body = (await response.json()) as { data: Lot[] };
    return { kind: "ready", lots: body.data, storedAt: response.headers.get("X-Biotraza-Stored-At") };
  } catch {
    return { kind: "failed" };
  }
}

export function LotsScreen() {
  useLanguage();
  const isOnline = useStore(online);
  const [state, setState] = useState<State>({ kind: "loading" });
  const load = () => {
    setState({ kind: "loading" });
    void fetchLots().then(setState);
  };
  useEffect(load, [isOnline]);

  return (
    <section class="screen">
      <h1 tabIndex={-1}>{t("shell.lots.title")}</h1>
      <p class="lead">{t("shell.lots.intro")}</p>
      {state.kind === "loading" && <p role="status">{t("shell.lots.loading")}</p>}
      {state.kind === "failed" && (
        <div class="notice" role="status">
          <p>{t("shell.lots.unavailable")}</p>
          <button type="button" class="button" onClick={load}>
            {t("shell.lots.retry")}
          </button>
        </div>
      )}
      {state.kind === "ready" && (
        <>
          {state.storedAt && (
            <p class="notice" role="status" id="lots-stored">
              {t("shell.lots.stored", { date: mxDate(state.storedAt) })}
            </p>
          )}
          {state.lots.length === 0 ? (
            <p>{t("shell.lots.empty")}</p>
          ) : (
            <>
              <p class="count">{t("shell.lots.count", { count: state.lots.length })}</p>
              <ul class="cards" id="lots">
                {state.lots.map((lot) => (
                  <li class="card" key={lot.lot_id}>
                    <p class="card-title">{lot.lot_number ?? lot.lot_id}</p>
                    <p>
                      {term("product", lot.product)} · {term("form", lot.form)}
                    </p>
                    <p class="figure">
                      {t("shell.lots.quantity", {
                        remaining: mxKg(lot.remaining_g),
                        total: mxKg(lot.quantity_g),
                      })}
                    </p>
                    <p class="muted">{term("status", lot.status)}</p>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}
