/** The sync module's public surface. */
export { syncOnce, startAutoSync, type AutoSync, type AutoSyncOptions, type SyncOptions, type SyncProblem, type SyncProgress, type SyncReport } from "./sync";
export { BATCH_PATH, MAX_BATCH_BYTES, MAX_BATCH_STATEMENTS, batchCodec, batchSizer, jsonBytes, type BatchCodec } from "./codec";
export { httpTransport, TransportError, type HttpTransportOptions, type LogInfo, type Transport } from "./transport";
export { outcomeFrom, type EntryAnswer, type RetryCode, type SubmitOutcome } from "./outcomes";
export { messages, reasonMessageKey } from "./messages";
