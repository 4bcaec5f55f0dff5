/**
 * The sync loop: send what the outbox holds, check every answer against the device's own
 * computation, then prove each admitted entry is in the log before calling it confirmed.
 *
 * 1. Proofs for items already admitted (a previous run may have ended before the log signed a
 *    checkpoint covering them).
 * 2. Send: `nextBatch` in capture order (dependencies first), marked `sending` *before* the
 *    request, through `submitBatch` when the server has it, else one by one. An answer counts
 *    only if it echoes the very statement and signature and its `entry_hash` equals
 *    SHA-256(0x00 ‖ leaf) computed here from our own statement and the server's seq, prev and
 *    log_time. A transient failure stops the run; the rest stays queued.
 * 3. Proofs for what was just admitted: the latest checkpoint, verified with the operator key,
 *    then each entry's inclusion proof against it, from the locally computed leaf hash.
 *
 * A page killed at any point loses nothing and duplicates nothing: state is written before
 * each network step, `sending` items are sent again, and the ledger answers an identical
 * signed statement with the entry it already became (HTTP 200, same seq).
 */
import { parseVerifierKey, verifyCheckpoint, verifyInclusionDocument, type VerifierKey } from "../crypto/checkpoints";
import { hexDecode } from "../crypto/encoding";
import { entryHashHex } from "../crypto/entries";
import { canonicalText } from "../crypto/jcs";
import type { Outbox } from "../outbox/outbox";
import type { OutboxItem } from "../outbox/types";
import type { EntryAnswer, SubmitOutcome } from "./outcomes";
import { TransportError, type Transport } from "./transport";

export interface SyncOptions {
  /** The log operator's C2SP verifier key string (`GET /api/v1/log` → `verifier_key`, kept
   * from enrolment): the one thing the device trusts without computing it. */
  readonly operatorKey: string;
  /** Statements per request (batch endpoint) or per outbox read (one by one). */
  readonly batchSize?: number;
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
  /** Held back by a refused dependency that is not corrected yet. */
  blocked: number;
  /** Why the run stopped early (offline, server down, device not enrolled), if it did. */
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

async function record(outbox: Outbox, item: OutboxItem, outcome: SubmitOutcome, report: SyncReport): Promise<boolean> {
  switch (outcome.kind) {
    case "accepted": {
      const mismatch = await checkAnswer(item, outcome.entry);
      if (mismatch !== null) {
        report.problems.push({ key: item.key, code: "answer_mismatch", message: mismatch });
        await outbox.markRefused(item.key, { code: "answer_mismatch", field: null, reason: mismatch, status: 0, at: now() });
        report.refused++;
        return true;
      }
      const { seq, entry_hash: entryHash, prev, log_time: logTime } = outcome.entry;
      await outbox.markAccepted(item.key, { seq, entryHash, prev, logTime, replay: outcome.replay, at: now() });
      report.accepted++;
      if (outcome.replay) report.replayed++;
      return true;
    }
    case "refused":
      await outbox.markRefused(item.key, { code: outcome.code, field: outcome.field, reason: outcome.reason, status: outcome.status, at: now() });
      report.refused++;
      return true;
    case "retry":
      await outbox.markRetry(item.key, { code: outcome.code, message: outcome.message });
      report.stoppedBy ??= { code: outcome.code, message: outcome.message };
      return false;
  }
}

async function send(outbox: Outbox, transport: Transport, batchSize: number, report: SyncReport): Promise<void> {
  for (;;) {
    const batch = await outbox.nextBatch(batchSize);
    if (batch.length === 0) return;
    await outbox.markSending(batch.map((i) => i.key));
    report.sent += batch.length;
    const outcomes = batch.length > 1 && transport.submitBatch ? await transport.submitBatch(batch.map((i) => i.signed)) : null;
    let go = true;
    for (const [index, item] of batch.entries()) {
      if (!go) {
        // The run stopped: the rest of the batch goes back to the queue untouched.
        await outbox.markRetry(item.key, report.stoppedBy ?? { code: "network", message: "stopped" });
        continue;
      }
      const outcome = outcomes?.[index] ?? (await transport.submitOne(item.signed));
      go = await record(outbox, item, outcome, report);
    }
    if (!go) return;
  }
}

async function prove(outbox: Outbox, transport: Transport, operator: VerifierKey, report: SyncReport): Promise<void> {
  const waiting = await outbox.awaitingProof();
  if (waiting.length === 0) return;
  const note = await transport.checkpoint();
  if (note === null) return;
  let treeSize: number;
  try {
    treeSize = (await verifyCheckpoint(note, operator)).treeSize;
  } catch (error) {
    report.problems.push({ key: null, code: "checkpoint_invalid", message: (error as Error).message });
    return;
  }
  for (const item of waiting) {
    const acceptance = item.acceptance;
    if (acceptance === null || acceptance.seq >= treeSize) continue;
    const proof = await transport.inclusionProof(acceptance.seq, treeSize);
    // The leaf is recomputed from our own statement, never taken from the server's answer.
    const leaf = await entryHashHex(item.signed, { seq: acceptance.seq, prev: acceptance.prev, log_time: acceptance.logTime });
    try {
      if (proof.leaf_index !== acceptance.seq) throw new Error(`proof is for seq ${proof.leaf_index}, not ${acceptance.seq}`);
      const checkpoint = await verifyInclusionDocument(proof, note, operator, hexDecode(leaf, 32));
      await outbox.markConfirmed(item.key, {
        treeSize: checkpoint.treeSize,
        rootHash: Array.from(checkpoint.rootHash, (b) => b.toString(16).padStart(2, "0")).join(""),
        checkpoint: note,
        proof: [...proof.hashes],
        at: now(),
      });
      report.confirmed++;
    } catch (error) {
      report.problems.push({ key: item.key, code: "proof_invalid", message: (error as Error).message });
    }
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
  try {
    await prove(outbox, transport, operator, report);
    await send(outbox, transport, options.batchSize ?? 100, report);
    await prove(outbox, transport, operator, report);
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    report.stoppedBy ??= { code: error.code, message: error.message };
  }
  report.awaitingProof = (await outbox.awaitingProof()).length;
  report.blocked = (await outbox.blocked()).length;
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
