/**
 * What the pickers offer: the association's members, plots and apiaries as the server last
 * listed them (network first, the service worker's stored copy offline), plus what this phone
 * captured and has not seen listed yet — a member registered offline this morning can be
 * given a plot and a delivery this afternoon. A record still in the outbox carries its
 * outbox key, so what is signed on it waits for it (`dependsOn`).
 */
import type { OutboxItem } from "../outbox";
import type { Product } from "./bodies";

export interface Member {
  readonly id: string;
  readonly community: string | null;
  /** Outbox key while only on this phone; null once listed by the server. */
  readonly pending: string | null;
}

export interface Site {
  readonly kind: "plot" | "apiary";
  readonly id: string;
  readonly producerId: string;
  readonly product: Product;
  readonly areaHa: number | null;
  readonly hiveCount: number | null;
  readonly geometry: unknown;
  readonly pending: string | null;
}

export interface Reference {
  readonly members: readonly Member[];
  readonly sites: readonly Site[];
  /** `X-Biotraza-Stored-At` of the oldest stored copy used, or null when all were fresh. */
  readonly storedAt: string | null;
  /** The server could not be asked and had nothing stored: only this phone's records show. */
  readonly partial: boolean;
}

type Doc = Record<string, unknown>;

async function list(fetcher: typeof fetch, path: string, orgId: string): Promise<{ data: Doc[]; storedAt: string | null } | null> {
  try {
    const response = await fetcher(`${path}?org_id=${encodeURIComponent(orgId)}`, { headers: { Accept: "application/json" } });
    if (!response.ok) return null;
    const body = (await response.json()) as { data: Doc[] };
    return { data: body.data, storedAt: response.headers.get("X-Biotraza-Stored-At") };
  } catch {
    return null;
  }
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" ? v : null);

/** Members, plots and apiaries from the server's lists merged with the outbox items. */
export function mergeReference(
  server: { producers: Doc[]; plots: Doc[]; apiaries: Doc[] },
  items: readonly OutboxItem[],
): { members: Member[]; sites: Site[] } {
  const members = new Map<string, Member>();
  const sites = new Map<string, Site>();
  for (const p of server.producers) {
    const id = str(p["producer_id"]);
    if (id) members.set(id, { id, community: str(p["community"]), pending: null });
  }
  for (const p of server.plots) {
    const id = str(p["plot_id"]);
    if (id) sites.set(`plot:${id}`, site("plot", id, p, null));
  }
  for (const a of server.apiaries) {
    const id = str(a["apiary_id"]);
    if (id) sites.set(`apiary:${id}`, site("apiary", id, { ...a, product: "honey" }, null));
  }
  for (const item of items) {
    if (item.state === "refused") continue;
    const { type, body } = item.signed.statement;
    const doc = body as Doc;
    if (type === "producer.registered") {
      const id = str(doc["producer_id"]);
      if (id && !members.has(id)) members.set(id, { id, community: str(doc["community"]), pending: item.key });
    } else if (type === "plot.registered" || type === "apiary.registered") {
      const kind = type === "plot.registered" ? "plot" : "apiary";
      const id = str(doc[`${kind}_id`]);
      if (id && !sites.has(`${kind}:${id}`)) sites.set(`${kind}:${id}`, site(kind, id, kind === "apiary" ? { ...doc, product: "honey" } : doc, item.key));
    }
  }
  return { members: [...members.values()], sites: [...sites.values()] };
}

function site(kind: "plot" | "apiary", id: string, doc: Doc, pending: string | null): Site {
  return {
    kind,
    id,
    producerId: str(doc["producer_id"]) ?? "",
    product: (str(doc["product"]) ?? "honey") as Product,
    areaHa: num(doc["area_ha"]),
    hiveCount: num(doc["hive_count"]),
    geometry: kind === "plot" ? doc["geometry"] : doc["location"],
    pending,
  };
}

/** Load the association's reference data and merge this phone's outbox into it. */
export async function loadReference(orgId: string, items: readonly OutboxItem[], fetcher: typeof fetch = fetch): Promise<Reference> {
  const [producers, plots, apiaries] = await Promise.all([
    list(fetcher, "/api/v1/producers", orgId),
    list(fetcher, "/api/v1/plots", orgId),
    list(fetcher, "/api/v1/apiaries", orgId),
  ]);
  const merged = mergeReference(
    { producers: producers?.data ?? [], plots: plots?.data ?? [], apiaries: apiaries?.data ?? [] },
    items,
  );
  const stamps = [producers, plots, apiaries].map((r) => r?.storedAt ?? null).filter((s): s is string => s !== null).sort();
  return { ...merged, storedAt: stamps[0] ?? null, partial: !producers || !plots || !apiaries };
}

/** The outbox keys of the records a capture refers to that are still only on this phone:
 * its `dependsOn`. */
export function pendingKeys(...records: readonly ({ readonly pending: string | null } | null | undefined)[]): string[] {
  return records.map((r) => r?.pending ?? null).filter((k): k is string => k !== null);
}
