/**
 * A boundary capture in progress survives a reload, a killed tab or a dead battery: the
 * capture state (every raw fix, the walked vertices, tapped corners, typed text) is written to
 * IndexedDB on each change, and on return the screen offers "Continuar recorrido" or
 * "Descartar". IndexedDB rather than localStorage: a long walk is thousands of fixes, and
 * IndexedDB writes do not block the page (localStorage is synchronous and capped at ~5 MB).
 *
 * The draft is dropped when the boundary is handed to the form (`onDone`), when the
 * technician discards it, or when the capture is cleared back to nothing.
 */
import { openDB, type IDBPDatabase } from "idb";
import type { CaptureState } from "./capture";

export const WALK_DB_NAME = "biotraza-walk";
const STORE = "drafts";

/** What is kept: the capture state without the live GPS reading and its error. */
export type WalkDraft = Omit<CaptureState, "current" | "gpsError"> & { savedAt: string };

/** Whether a capture state holds anything worth offering back. */
export function hasProgress(state: Pick<CaptureState, "raw" | "walk" | "tapped" | "point" | "text">): boolean {
  return state.raw.length > 0 || state.walk.vertices.length > 0 || state.tapped.length > 0 || state.point !== null || state.text.trim() !== "";
}

/** The draft of `state` (plain JSON: structured clone keeps it as is). */
export function toDraft(state: CaptureState, now: Date = new Date()): WalkDraft {
  const { current: _current, gpsError: _error, ...kept } = state;
  return { ...kept, savedAt: now.toISOString() };
}

/** The capture state a draft resumes as (no GPS reading yet: the watch sends the next one). */
export function fromDraft(draft: WalkDraft): CaptureState {
  const { savedAt: _savedAt, ...state } = draft;
  return { ...state, current: null, gpsError: null };
}

export class WalkDrafts {
  private constructor(private readonly db: IDBPDatabase) {}

  static async open(name: string = WALK_DB_NAME): Promise<WalkDrafts> {
    const db = await openDB(name, 1, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) database.createObjectStore(STORE);
      },
    });
    return new WalkDrafts(db);
  }

  close(): void {
    this.db.close();
  }

  async load(key: string): Promise<WalkDraft | null> {
    return ((await this.db.get(STORE, key)) as WalkDraft | undefined) ?? null;
  }

  /** Keep `state` under `key`, or drop the draft when there is nothing in it. */
  async save(key: string, state: CaptureState): Promise<void> {
    if (hasProgress(state)) await this.db.put(STORE, toDraft(state), key);
    else await this.db.delete(STORE, key);
  }

  async clear(key: string): Promise<void> {
    await this.db.delete(STORE, key);
  }
}

let shared: Promise<WalkDrafts> | null = null;

/** The app's one connection (opened on first use). */
export function walkDrafts(): Promise<WalkDrafts> {
  shared ??= WalkDrafts.open();
  return shared;
}
