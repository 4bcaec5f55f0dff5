/** The sync module's public surface. */
export { syncOnce, startAutoSync, type AutoSync, type AutoSyncOptions, type SyncOptions, type SyncProblem, type SyncReport } from "./sync";
export { httpTransport, provisionalBatchCodec, TransportError, type BatchCodec, type HttpTransportOptions, type LogInfo, type Transport } from "./transport";
export { outcomeFrom, type EntryAnswer, type RetryCode, type SubmitOutcome } from "./outcomes";
export { messages, reasonMessageKey } from "./messages";
