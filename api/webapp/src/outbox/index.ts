/** The outbox module's public surface. */
export { Outbox, itemKey, type AddOptions, type OutboxOptions } from "./outbox";
export { MIGRATIONS, OUTBOX_DB_NAME, type Migration } from "./db";
export * from "./types";
