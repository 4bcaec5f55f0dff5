/**
 * The sync loop: send what the outbox holds, check every answer against the device's own
 * computation, then prove each admitted entry is in the log before calling it confirmed.
 *
 * 1. Proofs for items already admitted (a previous run may have ended before the log signed a
 *    checkpoint covering them).
 * 2. Send: `takeBatch` in capture order (a dependency earlier in the same request, or
 *    already admitted), marked `sending` *before* the request in the same IndexedDB
 *    transaction, up to 1,000 statements and 4 MiB − 64 KiB a request (`codec.ts`), through
 *    `POST /api/v1/batches`, else one by one. The whole request's results are written in one
 *    transaction (one per item made 1,000 items take minutes). An answer counts
 *    only if it echoes the very statement and signature and its `entry_hash` equals
 *    SHA-256(0x00 ‖ leaf) computed here from our own statement and the server's seq, prev and
 *    log_time. A transient failure stops the run; the rest stays queued.
 * 3. Proofs for what was just admitted: the latest checkpoint, verified with the operator key,
 *    then the inclusion proofs (`POST /api/v1/proofs/inclusion`, up to 1,000 a request; one
 *    `GET` each, 8 at a time, on a server without it), each checked here from the locally
 *    computed leaf hash; the verified ones are written in one transaction.
 *
 * Refusals: an item refused while something it depends on was refused (in the same request,
 * or before: then it is not even sent) is refused as `dependency_refused`; a correction of
 * the dependency puts it back in the queue. A device whose key was revoked gets
 * `device_revoked` on every item and the run stops.
 *
 * A page killed at any point loses nothing and duplicates nothing: state is written before
 * each network step, `sending` items are sent again, and the ledger answers an identical
 * signed statement with the entry it already became (HTTP 200, same seq).
 */
import { parseVerifierKey, verifyCheckpoint, verifyInclusionAgainst, type Checkpoint, type InclusionProofDocument, type VerifierKey } from "../crypto/checkpoints";
import { hexDecode } from "../crypto/encoding";
import { memoNodeHash } from "../crypto/merkle";
import { entryHashHex } from "../crypto/entries";
import { canonicalText } from "../crypto/jcs";
import { DEPENDENCY_REFUSED, type ItemResult, type Outbox } from "../outbox/outbox";
import type { Confirmation, OutboxItem } from "../outbox/types";
import { MAX_BATCH_STATEMENTS, batchSizer } from "./codec";
import type { EntryAnswer, SubmitOutcome } from "./outcomes";
import { TransportError, type Transport } from "./transport";

export interface SyncOptions {
  /** The log operator's C2SP verifier key string (`GET /api/v1/log` → `verifier_key`, pinned
   * at enrolment, `session.ts`): the one thing the device trusts without computing it. */
  readonly operatorKey: string;
  /** Statements per request, at most the server's 1,000 (and 4 MiB − 64 KiB of body,
   * `codec.ts`). */
  readonly batchSize?: number;
  /** Told after each request and each round of proofs (the Envío screen's progress bar). */
  readonly onProgress?: (progress: SyncProgress) => void;
}

/** How far a run is: `sent` of `total` statements handed to the server, `proved` of the
 * admitted ones verified in the log. */
export interface SyncProgress {
  readonly phase: "sending" | "proving" | "done";
  readonly total: number;
  readonly sent: number;
  readonly proved: number;
}

/** Something that needs attention but is not a refusal by the ledger's rules. */
export interface SyncProblem {
  readonly key: string | null;
  /** `answer_mismatch` (the server's answer is not what we signed), `checkpoint_invalid`,
   * `proof_invalid`: none happens with an honest server. */
  readonly code: "answer_mismatch" | "checkpoint_invalid" | "proof_invalid";
  readonly message: string;
}

export interface SyncReport {
  /** Statements handed to the server in this run. */
  sent: number;
  /** Newly admitted (201) and admitted earlier (200: a resend after an interruption). */
  accepted: number;
  replayed: number;
  refused: number;
  confirmed: number;
  /** Admitted, but no signed checkpoint covers them yet. */
  awaitingProof: number;
  /** Refused because something they depend on was refused and is not corrected yet. */
  blocked: number;
  /** Why the run stopped early (offline, server down, device not enrolled or revoked). */
  stoppedBy: { readonly code: string; readonly message: string } | null;
  problems: SyncProblem[];
}

function emptyReport(): SyncReport {
  return { sent: 0, accepted: 0, replayed: 0, refused: 0, confirmed: 0, awaitingProof: 0, blocked: 0, stoppedBy: null, problems: [] };
}

const now = (): string => new Date().toISOString();

/** Whether `entry` is exactly our statement placed in the log, by our own computation. */
async function checkAnswer(item: OutboxItem, entry: EntryAnswer): Promise<string | null> {
  if (entry.sig !== item.signed.sig) return "the server answered with another signature";
  if (canonicalText(entry.statement) !== canonicalText(item.signed.statement)) return "the server answered with another statement";
  const local = await entryHashHex(item.signed, { seq: entry.seq, prev: entry.prev, log_time: entry.log_time });
  if (local !== entry.entry_hash) return `entry hash ${entry.entry_hash} differs from the local computation ${local}`;
  return null;
}

/** The key each dependency stands for in this request: itself, or its correction sent in
 * the same request. */
function standIns(batch: readonly OutboxItem[]): (key: string) => string {
  const correctedBy = new Map<string, string>();
  for (const item of batch) if (item.supersedes !== null) correctedBy.set(item.supersedes, item.key);
  return (key) => {
    let current = key;
    for (let hops = 0; correctedBy.has(current) && hops < 1000; hops++) current = correctedBy.get(current) ?? current;
    return current;
  };
}

/** Judge one request's outcomes (in batch order) into outbox results and the report. Stops
 * at the first retry: the items from there on go back to the queue untouched. */
async function judge(batch: readonly OutboxItem[], outcomes: readonly SubmitOutcome[], report: SyncReport): Promise<ItemResult[]> {
  const results: ItemResult[] = [];
  const refusedHere = new Set<string>();
  const standsFor = standIns(batch);
  for (const [index, item] of batch.entries()) {
    const outcome = outcomes[index];
    if (outcome === undefined || outcome.kind === "retry") {
      const error = outcome?.kind === "retry" ? { code: outcome.code, message: outcome.message } : (report.stoppedBy ?? { code: "network", message: "stopped" });
      report.stoppedBy ??= error;
      results.push({ key: item.key, kind: "retry", error });
      continue;
    }
    if (outcome.kind === "accepted") {
      const mismatch = await checkAnswer(item, outcome.entry);
      if (mismatch !== null) {
        report.problems.push({ key: item.key, code: "answer_mismatch", message: mismatch });
        results.push({ key: item.key, kind: "refused", refusal: { code: "answer_mismatch", field: null, reason: mismatch, status: 0, at: now() } });
        refusedHere.add(item.key);
        report.refused++;
        continue;
      }
      const { seq, entry_hash: entryHash, prev, log_time: logTime } = outcome.entry;
      results.push({ key: item.key, kind: "accepted", acceptance: { seq, entryHash, prev, logTime, replay: outcome.replay, at: now() } });
      report.accepted++;
      if (outcome.replay) report.replayed++;
      continue;
    }
    // Refused. When something it depends on was refused in this same request, that is why.
    const dependency = item.dependsOn.map(standsFor).find((k) => refusedHere.has(k));
    const code = dependency !== undefined && outcome.code !== "device_revoked" ? DEPENDENCY_REFUSED : outcome.code;
    results.push({ key: item.key, kind: "refused", refusal: { code, field: outcome.field, reason: outcome.reason, status: outcome.status, at: now() } });
    refusedHere.add(item.key);
    report.refused++;
    if (outcome.code === "device_revoked") report.stoppedBy ??= { code: outcome.code, message: outcome.reason };
  }
  return results;
}

/** One request's outcomes: through the batch endpoint, or one by one when the server has
 * none (or refused the request as a whole), stopping at the first retry. */
async function submit(transport: Transport, batch: readonly OutboxItem[]): Promise<SubmitOutcome[]> {
  const signed = batch.map((i) => i.signed);
  const together = transport.submitBatch ? await transport.submitBatch(signed) : null;
  if (together !== null) return together;
  const outcomes: SubmitOutcome[] = [];
  for (const statement of signed) {
    const outcome = await transport.submitOne(statement);
    outcomes.push(outcome);
    if (outcome.kind === "retry") break;
  }
  return outcomes;
}

interface Progress {
  total: number;
  sent: number;
  proved: number;
  readonly tell: (phase: SyncProgress["phase"]) => void;
}

async function send(outbox: Outbox, transport: Transport, batchSize: number, report: SyncReport, progress: Progress): Promise<void> {
  const limit = Math.min(batchSize, MAX_BATCH_STATEMENTS);
  for (;;) {
    const fits = batchSizer(limit);
    const { items: batch, dependencyRefused } = await outbox.takeBatch(limit, (_chosen, next) => fits(next.signed));
    report.refused += dependencyRefused.length;
    if (batch.length === 0) return;
    report.sent += batch.length;
    const results = await judge(batch, await submit(transport, batch), report);
    await outbox.applyResults(results);
    progress.sent += batch.length;
    progress.tell("sending");
    if (report.stoppedBy !== null) return;
  }
}

/** Inclusion proofs fetched at once: enough to hide the round trip, few enough for a phone. */
const PROOF_CONCURRENCY = 8;

async function prove(outbox: Outbox, transport: Transport, operator: VerifierKey, report: SyncReport, progress: Progress): Promise<void> {
  const waiting = await outbox.awaitingProof();
  if (waiting.length === 0) return;
  const note = await transport.checkpoint();
  if (note === null) return;
  let signed: Checkpoint;
  try {
    signed = await verifyCheckpoint(note, operator);
  } catch (error) {
    report.problems.push({ key: null, code: "checkpoint_invalid", message: (error as Error).message });
    return;
  }
  const treeSize = signed.treeSize;
  const covered = waiting.filter((i) => i.acceptance !== null && i.acceptance.seq < treeSize);
  const confirmed: { key: string; confirmation: Confirmation }[] = [];
  const node = memoNodeHash();
  const fetched = new Map<number, InclusionProofDocument>();
  if (transport.inclusionProofs) {
    // Up to 1,000 proofs a request: a whole sync is proved in one or two requests.
    for (let i = 0; i < covered.length; i += MAX_BATCH_STATEMENTS) {
      const seqs = covered.slice(i, i + MAX_BATCH_STATEMENTS).map((c) => c.acceptance?.seq ?? -1);
      const proofs = await transport.inclusionProofs(seqs, treeSize);
      if (proofs === null) break;
      for (const [j, proof] of proofs.entries()) fetched.set(seqs[j] ?? -1, proof);
    }
  }
  const proveOne = async (item: OutboxItem): Promise<void> => {
    const acceptance = item.acceptance;
    if (acceptance === null) return;
    const proof = fetched.get(acceptance.seq) ?? (await transport.inclusionProof(acceptance.seq, treeSize));
    // The leaf is our own computation: `acceptance.entryHash` was stored only after it
    // equalled the hash computed here from our statement (`checkAnswer`).
    const leaf = acceptance.entryHash;
    try {
      if (proof.leaf_index !== acceptance.seq) throw new Error(`proof is for seq ${proof.leaf_index}, not ${acceptance.seq}`);
      const checkpoint = await verifyInclusionAgainst(proof, signed, hexDecode(leaf, 32), node);
      confirmed.push({
        key: item.key,
        confirmation: {
          treeSize: checkpoint.treeSize,
          rootHash: Array.from(checkpoint.rootHash, (b) => b.toString(16).padStart(2, "0")).join(""),
          checkpoint: note,
          proof: [...proof.hashes],
          at: now(),
        },
      });
    } catch (error) {
      report.problems.push({ key: item.key, code: "proof_invalid", message: (error as Error).message });
    }
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < covered.length) {
      const item = covered[next++];
      if (item !== undefined) await proveOne(item);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PROOF_CONCURRENCY, covered.length) }, worker));
  } finally {
    // What was verified before a failure is kept.
    await outbox.confirmAll(confirmed);
    report.confirmed += confirmed.length;
    progress.proved += confirmed.length;
    progress.tell("proving");
  }
}

const running = new WeakMap<Outbox, Promise<SyncReport>>();

/**
 * One sync run. Concurrent calls for the same outbox share one run; across tabs the Web Locks
 * API (where present) keeps runs apart, so two tabs never send the same item at once (which
 * would still be harmless, only wasteful).
 */
export function syncOnce(outbox: Outbox, transport: Transport, options: SyncOptions): Promise<SyncReport> {
  const current = running.get(outbox);
  if (current !== undefined) return current;
  const run = (async () => {
    const locks = globalThis.navigator?.locks;
    const body = () => runOnce(outbox, transport, options);
    return locks === undefined ? body() : ((await locks.request("biotraza-sync", body)) as SyncReport);
  })().finally(() => running.delete(outbox));
  running.set(outbox, run);
  return run;
}

async function runOnce(outbox: Outbox, transport: Transport, options: SyncOptions): Promise<SyncReport> {
  const report = emptyReport();
  const operator = await parseVerifierKey(options.operatorKey);
  const counts = await outbox.counts();
  const progress: Progress = {
    total: counts.queued + counts.sending,
    sent: 0,
    proved: 0,
    tell: (phase) => options.onProgress?.({ phase, total: progress.total, sent: progress.sent, proved: progress.proved }),
  };
  progress.tell("sending");
  try {
    await prove(outbox, transport, operator, report, progress);
    await send(outbox, transport, options.batchSize ?? MAX_BATCH_STATEMENTS, report, progress);
    await prove(outbox, transport, operator, report, progress);
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    report.stoppedBy ??= { code: error.code, message: error.message };
  }
  report.awaitingProof = (await outbox.awaitingProof()).length;
  report.blocked = (await outbox.blocked()).length;
  progress.tell("done");
  return report;
}

export interface AutoSync {
  /** Run now (the "Sync" button); shares a run already going. */
  trigger(): Promise<SyncReport>;
  stop(): void;
}

export interface AutoSyncOptions extends SyncOptions {
  /** Where `online` events come from (default: the page's window). */
  readonly target?: EventTarget;
  /** After a run that left items waiting (for a checkpoint, or stopped by a transient error),
   * run again after this long while online. Default 15 s: the log signs a checkpoint at most
   * about 10 s after an append. */
  readonly retryMs?: number;
  readonly onReport?: (report: SyncReport) => void;
  readonly onError?: (error: unknown) => void;
}

/** Sync when the connection returns, on demand, and again while items wait. */
export function startAutoSync(outbox: Outbox, transport: Transport, options: AutoSyncOptions): AutoSync {
  const target = options.target ?? globalThis;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const trigger = async (): Promise<SyncReport> => {
    clearTimeout(timer);
    const report = await syncOnce(outbox, transport, options);
    options.onReport?.(report);
    if (!stopped && (report.awaitingProof > 0 || report.stoppedBy !== null)) {
      timer = setTimeout(() => void trigger().catch(options.onError), options.retryMs ?? 15_000);
    }
    return report;
  };
  const onOnline = (): void => void trigger().catch(options.onError);
  target.addEventListener("online", onOnline);
  return {
    trigger,
    stop() {
      stopped = true;
      clearTimeout(timer);
      target.removeEventListener("online", onOnline);
    },
  };
}
