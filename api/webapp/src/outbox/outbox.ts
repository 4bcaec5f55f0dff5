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
   * `sending` by an interrupted run. An item goes only once every item it depends on is
   * admitted by the server (through its latest correction, if it was refused); so no batch
   * holds an item and its dependency, and a refused dependency never drags its dependents
   * into refusal with it. Later independent items still go.
   */
  async nextBatch(limit: number): Promise<OutboxItem[]> {
    const items = await this.list();
    const byKey = new Map(items.map((i) => [i.key, i]));
    const ready = items.filter(
      (item) =>
        (item.state === "queued" || item.state === "sending") &&
        item.dependsOn.every((dep) => admitted(resolve(byKey, dep)?.state)),
    );
    return ready.slice(0, limit);
  }

  /** Items the server admitted whose inclusion proof is not verified yet. */
  async awaitingProof(): Promise<OutboxItem[]> {
    return (await (await this.connection()).getAllFromIndex(ITEMS, "state", "accepted")) as OutboxItem[];
  }

  /** Items held back because something they depend on was refused and not yet corrected. */
  async blocked(): Promise<OutboxItem[]> {
    const items = await this.list();
    const byKey = new Map(items.map((i) => [i.key, i]));
    return items.filter(
      (i) => (i.state === "queued" || i.state === "sending") && i.dependsOn.some((d) => resolve(byKey, d)?.state === "refused"),
    );
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

  /** Record that these items are about to be sent (before the request leaves). */
  async markSending(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      await this.update(key, ["queued", "sending"], (i) => ({ ...i, state: "sending", attempts: i.attempts + 1 }));
    }
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

function admitted(state: ItemState | undefined): boolean {
  return state === "accepted" || state === "confirmed";
}

/** The item that currently stands for `key`: itself, or its latest correction. A dependency
 * that was pruned after confirmation is, by construction, admitted. */
function resolve(byKey: Map<string, OutboxItem>, key: string): OutboxItem | undefined {
  let item = byKey.get(key);
  if (item === undefined) return PRUNED;
  for (let hops = 0; item.supersededBy !== null && hops < 1000; hops++) {
    const next = byKey.get(item.supersededBy);
    if (next === undefined) return PRUNED;
    item = next;
  }
  return item;
}

const PRUNED = { state: "confirmed", key: "" } as OutboxItem;
