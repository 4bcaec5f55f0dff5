/**
 * The outbox database and its versioned schema.
 *
 * Each schema version is one migration step that only adds (stores, indexes, defaulted
 * fields), never deletes: a service-worker update that ships a newer app opens the database at
 * a higher version, runs the missing steps on the items already there, and continues. An open
 * older tab is told by `versionchange` and closes its connection so the upgrade is not blocked
 * (it reopens on its next operation). Nothing here ever calls `deleteDatabase`.
 */
import { openDB, type IDBPDatabase, type IDBPTransaction } from "idb";

export const OUTBOX_DB_NAME = "biotraza-outbox";
export const ITEMS = "items";

export type Migration = (
  db: IDBPDatabase,
  tx: IDBPTransaction<unknown, string[], "versionchange">,
) => void | Promise<void>;

/** Schema history: index i upgrades version i to i + 1. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  // v1: items in capture order, unique statement key, lookup by state.
  (db) => {
    const items = db.createObjectStore(ITEMS, { keyPath: "order", autoIncrement: true });
    items.createIndex("key", "key", { unique: true });
    items.createIndex("state", "state");
  },
];

/** Open (creating or upgrading) the outbox database. */
export async function openOutboxDb(
  name: string = OUTBOX_DB_NAME,
  migrations: readonly Migration[] = MIGRATIONS,
  onVersionChange?: () => void,
): Promise<IDBPDatabase> {
  const db = await openDB(name, migrations.length, {
    async upgrade(database, oldVersion, _newVersion, tx) {
      for (let version = oldVersion; version < migrations.length; version++) {
        await migrations[version]?.(database, tx);
      }
    },
  });
  db.addEventListener("versionchange", () => {
    db.close();
    onVersionChange?.();
  });
  return db;
}
