/** The outbox module's public surface. */
export { DEPENDENCY_REFUSED, Outbox, itemKey, type AddOptions, type ItemResult, type OutboxOptions, type TakenBatch } from "./outbox";
export { MIGRATIONS, OUTBOX_DB_NAME, type Migration } from "./db";
export * from "./types";
