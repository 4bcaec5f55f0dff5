/**
 * The outbox: every signed statement the device made, in capture order, until the log has
 * proved it holds it.
 *
 * Rules it keeps (each has a test in tests/outbox.test.ts):
 * - Capture order is upload order; an item waits while an item it depends on is not yet
 *   admitted (or, if that one was refused, until a correction of it is admitted).
 * - State changes are written before the network is touched (`sending` before the request),
 *   so a page killed at any moment resumes by resending, which the ledger makes harmless.
 * - Nothing is deleted but confirmed items (`pruneConfirmed`); a refused item stays, with its
 *   reason, until it is superseded by a corrected statement — and even then it stays, marked.
 * - Adding the same signed statement twice keeps one item (a double tap is not two entries).
 */
import type { IDBPDatabase } from "idb";
import type { SignedStatement } from "../crypto/statements";
import { ITEMS, MIGRATIONS, OUTBOX_DB_NAME, openOutboxDb, type Migration } from "./db";
import {
  ITEM_STATES,
  type Acceptance,
  type Confirmation,
  type ItemState,
  type OutboxItem,
  type Refusal,
  type TransientError,
} from "./types";

/** The outbox key of a signed statement: `actor:nonce`. */
export function itemKey(signed: SignedStatement): string {
  return `${signed.statement.actor}:${signed.statement.nonce}`;
}

export interface AddOptions {
  readonly dependsOn?: readonly string[];
  readonly meta?: Readonly<Record<string, unknown>>;
}

export interface OutboxOptions {
  readonly dbName?: string;
  /** Schema steps; only tests pass more, to play a newer app version. */
  readonly migrations?: readonly Migration[];
}

type NewItem = Omit<OutboxItem, "order">;
type Listener = () => void;

function now(): string {
  return new Date().toISOString();
}

export class Outbox {
  private db: IDBPDatabase | undefined;
  private readonly listeners = new Set<Listener>();

  private constructor(
    private readonly name: string,
    private readonly migrations: readonly Migration[],
  ) {}

  /** Open the outbox (creating or upgrading its database). */
  static async open(options: OutboxOptions = {}): Promise<Outbox> {
    const outbox = new Outbox(options.dbName ?? OUTBOX_DB_NAME, options.migrations ?? MIGRATIONS);
    await outbox.connection();
    return outbox;
  }

  /** The connection, reopened after a newer version (a service-worker update) closed it. */
  private async connection(): Promise<IDBPDatabase> {
    this.db ??= await openOutboxDb(this.name, this.migrations, () => {
      this.db = undefined;
    });
    return this.db;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  /** Be told after every change made through this object (the UI re-reads `list()`). */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** Queue a signed statement. The same signed statement again returns the existing item;
   * another statement under an existing key (same actor and nonce) is an error. */
  async add(signed: SignedStatement, options: AddOptions = {}): Promise<OutboxItem> {
    return this.insert(signed, options, null);
  }

  /** Queue `signed` as the correction of the refused item `refusedKey`; items that depended
   * on the refused one now wait for the correction. */
  async supersede(refusedKey: string, signed: SignedStatement, options: AddOptions = {}): Promise<OutboxItem> {
    return this.insert(signed, options, refusedKey);
  }

  private async insert(signed: SignedStatement, options: AddOptions, supersedes: string | null): Promise<OutboxItem> {
    const key = itemKey(signed);
    const db = await this.connection();
    const tx = db.transaction(ITEMS, "readwrite");
    const store = tx.objectStore(ITEMS);
    const existing = (await store.index("key").get(key)) as OutboxItem | undefined;
    if (existing !== undefined) {
      await tx.done;
      if (existing.signed.sig !== signed.sig) throw new Error(`outbox: another statement already uses nonce ${key}`);
      return existing;
    }
    if (supersedes !== null) {
      const old = (await store.index("key").get(supersedes)) as OutboxItem | undefined;
      if (old?.state !== "refused" || old.supersededBy !== null) {
        abort(tx);
        throw new Error(`outbox: ${supersedes} is not a refused item awaiting correction`);
      }
      await store.put({ ...old, supersededBy: key });
      // Items refused only because they depended on the refused one wait for the correction.
      for (let c = await store.index("state").openCursor("refused"); c; c = await c.continue()) {
        const dependent = c.value as OutboxItem;
        if (dependent.refusal?.code === DEPENDENCY_REFUSED && dependent.supersededBy === null && dependent.dependsOn.includes(supersedes)) {
          await c.update({ ...dependent, state: "queued", refusal: null });
        }
      }
    }
    for (const dep of options.dependsOn ?? []) {
      if ((await store.index("key").count(dep)) === 0) {
        abort(tx);
        throw new Error(`outbox: dependency ${dep} is not in the outbox`);
      }
    }
    const item: NewItem = {
      key,
      signed,
      capturedAt: now(),
      dependsOn: [...(options.dependsOn ?? [])],
      meta: { ...(options.meta ?? {}) },
      state: "queued",
      attempts: 0,
      lastError: null,
      acceptance: null,
      confirmation: null,
      refusal: null,
      supersedes,
      supersededBy: null,
    };
    const order = (await store.add(item)) as number;
    await tx.done;
    this.changed();
    return { ...item, order };
  }

  async get(key: string): Promise<OutboxItem | undefined> {
    return (await (await this.connection()).getFromIndex(ITEMS, "key", key)) as OutboxItem | undefined;
  }

  /** Every item in capture order. */
  async list(): Promise<OutboxItem[]> {
    return (await (await this.connection()).getAll(ITEMS)) as OutboxItem[];
  }

  /** How many items are in each state. */
  async counts(): Promise<Record<ItemState, number>> {
    const db = await this.connection();
    const entries = await Promise.all(ITEM_STATES.map(async (s) => [s, await db.countFromIndex(ITEMS, "state", s)] as const));
    return Object.fromEntries(entries) as Record<ItemState, number>;
  }

  /**
   * The next items to send, in capture order, at most `limit`: queued items and items left
   * `sending` by an interrupted run. An item goes once every item it depends on is admitted
   * by the server (through its latest correction, if it was refused) or goes earlier in the
   * same request (the server admits a batch in order, so a harvest may follow its plot).
   * Later independent items still go. Reads only.
   */
  async nextBatch(limit: number): Promise<OutboxItem[]> {
    const db = await this.connection();
    const tx = db.transaction(ITEMS, "readonly");
    const plan = await planNext(tx.store as unknown as ItemStore, limit, () => true);
    await tx.done;
    return plan.ready;
  }

  /**
   * Take the next request's items, in one transaction: `nextBatch`'s choice, cut by `fits`
   * (the request's size limits, given the chosen items so far), marked `sending` with one
   * more attempt *before* the request leaves; and items whose dependency is refused (and
   * not corrected) are marked refused with the code `dependency_refused` instead of being
   * sent. One transaction, not one per item: 1,000 queued items are one read and one write.
   */
  async takeBatch(limit: number, fits: (chosen: readonly OutboxItem[], next: OutboxItem) => boolean = () => true): Promise<TakenBatch> {
    const db = await this.connection();
    const tx = db.transaction(ITEMS, "readwrite");
    const store = tx.store as unknown as ItemStore;
    const plan = await planNext(store, limit, fits);
    const at = now();
    const sending = plan.ready.map((i) => ({ ...i, state: "sending" as const, attempts: i.attempts + 1 }));
    const refused = plan.dependencyRefused.map(({ item, dependency }) => ({
      ...item,
      state: "refused" as const,
      refusal: { code: DEPENDENCY_REFUSED, field: null, reason: `depends on ${dependency}, which was refused`, status: 0, at },
    }));
    for (const item of [...sending, ...refused]) await store.put(item);
    await tx.done;
    if (sending.length + refused.length > 0) this.changed();
    return { items: sending, dependencyRefused: refused };
  }

  /** Record a whole request's outcomes in one transaction (see `ItemResult`). Items that are
   * no longer `queued`/`sending` (another tab got there first) are left as they are. */
  async applyResults(results: readonly ItemResult[]): Promise<void> {
    if (results.length === 0) return;
    const db = await this.connection();
    const tx = db.transaction(ITEMS, "readwrite");
    const index = tx.store.index("key");
    const at = now();
    const current = await Promise.all(results.map((r) => index.get(r.key) as Promise<OutboxItem | undefined>));
    for (const [i, result] of results.entries()) {
      const item = current[i];
      if (item === undefined || (item.state !== "queued" && item.state !== "sending")) continue;
      if (result.kind === "accepted") await tx.store.put({ ...item, state: "accepted", acceptance: result.acceptance, lastError: null });
      else if (result.kind === "refused") await tx.store.put({ ...item, state: "refused", refusal: result.refusal });
      else await tx.store.put({ ...item, state: "queued", lastError: { ...result.error, at } });
    }
    await tx.done;
    this.changed();
  }

  /** Record verified proofs in one transaction. */
  async confirmAll(confirmed: readonly { key: string; confirmation: Confirmation }[]): Promise<void> {
    if (confirmed.length === 0) return;
    const db = await this.connection();
    const tx = db.transaction(ITEMS, "readwrite");
    const index = tx.store.index("key");
    const current = await Promise.all(confirmed.map((c) => index.get(c.key) as Promise<OutboxItem | undefined>));
    for (const [i, c] of confirmed.entries()) {
      const item = current[i];
      if (item?.state === "accepted") await tx.store.put({ ...item, state: "confirmed", confirmation: c.confirmation });
    }
    await tx.done;
    this.changed();
  }

  /** Items the server admitted whose inclusion proof is not verified yet. */
  async awaitingProof(): Promise<OutboxItem[]> {
    return (await (await this.connection()).getAllFromIndex(ITEMS, "state", "accepted")) as OutboxItem[];
  }

  /** Items refused because something they depend on was refused, and not yet corrected:
   * a correction of that dependency puts them back in the queue by themselves. */
  async blocked(): Promise<OutboxItem[]> {
    const refused = (await (await this.connection()).getAllFromIndex(ITEMS, "state", "refused")) as OutboxItem[];
    return refused.filter((i) => i.refusal?.code === DEPENDENCY_REFUSED && i.supersededBy === null);
  }

  private async update(key: string, from: readonly ItemState[], change: (item: OutboxItem) => OutboxItem): Promise<OutboxItem> {
    const db = await this.connection();
    const tx = db.transaction(ITEMS, "readwrite");
    const item = (await tx.store.index("key").get(key)) as OutboxItem | undefined;
    if (item === undefined || !from.includes(item.state)) {
      abort(tx);
      throw new Error(`outbox: ${key} is ${item?.state ?? "missing"}, expected ${from.join(" or ")}`);
    }
    const next = change(item);
    await tx.store.put(next);
    await tx.done;
    this.changed();
    return next;
  }

  /** Record that these items are about to be sent (before the request leaves), in one
   * transaction. */
  async markSending(keys: readonly string[]): Promise<void> {
    const db = await this.connection();
    const tx = db.transaction(ITEMS, "readwrite");
    const index = tx.store.index("key");
    const items = await Promise.all(keys.map((k) => index.get(k) as Promise<OutboxItem | undefined>));
    for (const [i, item] of items.entries()) {
      if (item === undefined || (item.state !== "queued" && item.state !== "sending")) {
        abort(tx);
        throw new Error(`outbox: ${keys[i] ?? ""} is ${item?.state ?? "missing"}, expected queued or sending`);
      }
      await tx.store.put({ ...item, state: "sending", attempts: item.attempts + 1 });
    }
    await tx.done;
    this.changed();
  }

  async markAccepted(key: string, acceptance: Acceptance): Promise<OutboxItem> {
    return this.update(key, ["queued", "sending"], (i) => ({ ...i, state: "accepted", acceptance, lastError: null }));
  }

  async markConfirmed(key: string, confirmation: Confirmation): Promise<OutboxItem> {
    return this.update(key, ["accepted"], (i) => ({ ...i, state: "confirmed", confirmation }));
  }

  async markRefused(key: string, refusal: Refusal): Promise<OutboxItem> {
    return this.update(key, ["queued", "sending", "accepted"], (i) => ({ ...i, state: "refused", refusal }));
  }

  /** A transient failure: back to `queued`, the error kept for the UI. */
  async markRetry(key: string, error: Omit<TransientError, "at">): Promise<OutboxItem> {
    return this.update(key, ["queued", "sending"], (i) => ({ ...i, state: "queued", lastError: { ...error, at: now() } }));
  }

  /** Delete confirmed items confirmed before `before`; nothing else is ever deleted.
   * Returns how many were deleted. */
  async pruneConfirmed(before: Date): Promise<number> {
    const db = await this.connection();
    const tx = db.transaction(ITEMS, "readwrite");
    let deleted = 0;
    for (let cursor = await tx.store.index("state").openCursor("confirmed"); cursor; cursor = await cursor.continue()) {
      const item = cursor.value as OutboxItem;
      if (item.confirmation !== null && Date.parse(item.confirmation.at) < before.getTime()) {
        await cursor.delete();
        deleted++;
      }
    }
    await tx.done;
    if (deleted > 0) this.changed();
    return deleted;
  }
}

/** Abort a transaction whose `done` nobody awaits (its rejection is expected, not an error). */
function abort(tx: { abort(): void; done: Promise<void> }): void {
  tx.done.catch(() => undefined);
  tx.abort();
}

/** The refusal code of an item whose dependency was refused (decided on the device). */
export const DEPENDENCY_REFUSED = "dependency_refused";

/** What one request came to for one item (`Outbox.applyResults`). */
export type ItemResult =
  | { readonly key: string; readonly kind: "accepted"; readonly acceptance: Acceptance }
  | { readonly key: string; readonly kind: "refused"; readonly refusal: Refusal }
  | { readonly key: string; readonly kind: "retry"; readonly error: Omit<TransientError, "at"> };

export interface TakenBatch {
  /** Marked `sending`, in upload order. */
  readonly items: OutboxItem[];
  /** Marked refused (`dependency_refused`) in the same transaction. */
  readonly dependencyRefused: OutboxItem[];
}

/** The part of an object store `planNext` reads (readonly or readwrite transaction). */
interface ItemStore {
  index(name: "key" | "state"): {
    get(key: string): Promise<unknown>;
    getAll(query: string): Promise<unknown[]>;
  };
  put(value: OutboxItem): Promise<unknown>;
}

interface Plan {
  ready: OutboxItem[];
  dependencyRefused: { item: OutboxItem; dependency: string }[];
}

/**
 * Choose the next items: pending ones (queued, sending) in capture order whose dependencies
 * are admitted or chosen earlier. Reads the pending items through the state index and each
 * outside dependency by key, once: never the whole outbox, which grows with every confirmed
 * item until it is pruned.
 */
async function planNext(store: ItemStore, limit: number, fits: (chosen: readonly OutboxItem[], next: OutboxItem) => boolean): Promise<Plan> {
  const states = store.index("state");
  const [queued, sending] = await Promise.all([states.getAll("queued"), states.getAll("sending")]);
  const pending = ([...queued, ...sending] as OutboxItem[]).sort((a, b) => a.order - b.order);
  const known = new Map<string, OutboxItem | undefined>(pending.map((i) => [i.key, i]));
  const lookup = async (key: string): Promise<OutboxItem | undefined> => {
    if (!known.has(key)) known.set(key, (await store.index("key").get(key)) as OutboxItem | undefined);
    return known.get(key);
  };
  /** The item that stands for `key` now: itself or its latest correction; a dependency
   * pruned after confirmation is, by construction, admitted. */
  const resolve = async (key: string): Promise<OutboxItem | "pruned"> => {
    let item = await lookup(key);
    for (let hops = 0; item !== undefined && item.supersededBy !== null && hops < 1000; hops++) item = await lookup(item.supersededBy);
    return item ?? "pruned";
  };
  const plan: Plan = { ready: [], dependencyRefused: [] };
  const chosen = new Set<string>();
  const settled = new Set<string>();
  let full = false;
  // Passes in capture order until nothing more can go: a correction is captured after the
  // items that wait for it, so they follow it in a later pass of the same request.
  for (let progress = true; progress && !full; ) {
    progress = false;
    for (const item of pending) {
      if (settled.has(item.key)) continue;
      let go = true;
      let refusedDependency: string | null = null;
      for (const dep of item.dependsOn) {
        const current = await resolve(dep);
        if (current === "pruned" || current.state === "accepted" || current.state === "confirmed" || chosen.has(current.key)) continue;
        go = false;
        if (current.state === "refused") refusedDependency = current.key;
      }
      if (refusedDependency !== null) {
        plan.dependencyRefused.push({ item, dependency: refusedDependency });
        settled.add(item.key);
        // Its own dependents learn it is refused in the same pass.
        known.set(item.key, { ...item, state: "refused" });
        progress = true;
        continue;
      }
      if (!go || full) continue;
      if (plan.ready.length >= limit || !fits(plan.ready, item)) {
        full = true;
        continue;
      }
      plan.ready.push(item);
      chosen.add(item.key);
      settled.add(item.key);
      progress = true;
    }
  }
  return plan;
}
