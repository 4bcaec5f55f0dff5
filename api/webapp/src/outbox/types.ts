/** The outbox's records: what the UI lists and the sync loop moves through its states. */
import type { SignedStatement } from "../crypto/statements";

/**
 * - `queued`: signed on the device, not yet sent (or a retry after a network failure).
 * - `sending`: handed to the server; if the page dies now the item is simply sent again
 *   (the ledger answers an identical signed statement with the entry it already became).
 * - `accepted`: the server answered with seq + entry hash and the hash equals the device's
 *   own computation; waiting for a signed checkpoint that covers it.
 * - `confirmed`: inclusion proof verified against a checkpoint signed by the log operator.
 * - `refused`: the server said no, with a reason; stays until the user supersedes it.
 */
export type ItemState = "queued" | "sending" | "accepted" | "confirmed" | "refused";

export const ITEM_STATES: readonly ItemState[] = ["queued", "sending", "accepted", "confirmed", "refused"];

/** Why the server refused an item: its stable error code, the first field it names, and
 * the server's reason text (the UI translates `code`, shows `field`). */
export interface Refusal {
  readonly code: string;
  readonly field: string | null;
  readonly reason: string;
  /** HTTP status, or 0 for a refusal decided on the device (e.g. `answer_mismatch`). */
  readonly status: number;
  readonly at: string;
}

/** A failure worth retrying (offline, server down, rate limited): the item stays queued. */
export interface TransientError {
  readonly code: string;
  readonly message: string;
  readonly at: string;
}

/** The server's placement of the statement, checked against the local computation. */
export interface Acceptance {
  readonly seq: number;
  readonly entryHash: string;
  readonly prev: string;
  readonly logTime: string | null;
  /** True when the server answered 200 (this signed statement was already entry `seq`). */
  readonly replay: boolean;
  readonly at: string;
}

/** The verified proof that the entry is in the log, unchanged. */
export interface Confirmation {
  readonly treeSize: number;
  readonly rootHash: string;
  /** The operator-signed checkpoint note the proof was checked against (kept so the device
   * can show it, offline, later). */
  readonly checkpoint: string;
  readonly proof: readonly string[];
  readonly at: string;
}

export interface OutboxItem {
  /** Capture order (IndexedDB auto-increment): the upload order. */
  readonly order: number;
  /** `actor:nonce`, unique per statement (the server refuses a reused nonce). */
  readonly key: string;
  readonly signed: SignedStatement;
  readonly capturedAt: string;
  /** Keys of items that must be admitted first (a plot before the harvest on it). */
  readonly dependsOn: readonly string[];
  /** Free data for the UI (a title, the screen it came from); never sent. */
  readonly meta: Readonly<Record<string, unknown>>;
  readonly state: ItemState;
  readonly attempts: number;
  readonly lastError: TransientError | null;
  readonly acceptance: Acceptance | null;
  readonly confirmation: Confirmation | null;
  readonly refusal: Refusal | null;
  /** The refused item this one corrects, and the item that corrected this one. */
  readonly supersedes: string | null;
  readonly supersededBy: string | null;
}
