/**
 * Leaf bytes and entry hash, as `ledger/entries.py`: the leaf is
 * `JCS({"log_time", "seq", "prev", "statement", "sig"})` (a legacy leaf has no `log_time`),
 * and `entry_hash = SHA-256(0x00 ‖ leaf)`. The server chooses `seq`, `prev` and `log_time`;
 * everything else is the device's own signed statement, so recomputing the hash from the
 * answer's three fields proves the server recorded exactly what the device signed.
 */
import { hexDecode, hexEncode } from "./encoding";
import { leafHash } from "./hashing";
import { canonicalBytes } from "./jcs";
import type { SignedStatement } from "./statements";

/** Where the log placed a statement: the fields of an entry the device did not choose. */
export interface Placement {
  readonly seq: number;
  /** Lowercase hex of the previous entry's hash. */
  readonly prev: string;
  /** The log's admission time (fixed-width, microseconds); null only for legacy entries. */
  readonly log_time: string | null;
}

/** The canonical leaf bytes of `signed` placed at `placement`. */
export function leafBytes(signed: SignedStatement, placement: Placement): Uint8Array {
  if (!Number.isSafeInteger(placement.seq) || placement.seq < 0) throw new Error("seq: not a non-negative safe integer");
  hexDecode(placement.prev, 32);
  const leaf: Record<string, unknown> = {
    prev: placement.prev,
    seq: placement.seq,
    sig: signed.sig,
    statement: signed.statement,
  };
  if (placement.log_time !== null) leaf["log_time"] = placement.log_time;
  return canonicalBytes(leaf);
}

/** The entry hash (lowercase hex) of `signed` placed at `placement`. */
export async function entryHashHex(signed: SignedStatement, placement: Placement): Promise<string> {
  return hexEncode(await leafHash(leafBytes(signed, placement)));
}
