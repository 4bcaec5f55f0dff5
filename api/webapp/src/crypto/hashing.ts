/**
 * RFC 9162 hashes, as `ledger/hashing.py`: an entry's hash IS its Merkle leaf hash, so the
 * value the server returns for an append is the value the inclusion proof starts from.
 */
import { concatBytes, sha256 } from "./encoding";

/** SHA-256(0x00 ‖ data): the leaf hash (an entry's `entry_hash`). */
export function leafHash(data: Uint8Array): Promise<Uint8Array> {
  return sha256(concatBytes(new Uint8Array([0]), data));
}

/** SHA-256(0x01 ‖ left ‖ right): an interior Merkle node. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(concatBytes(new Uint8Array([1]), left, right));
}
