/**
 * RFC 9162 §2.1.3.2 inclusion-proof verification, step for step as `ledger/merkle.py`
 * (`verify_inclusion`), with the same input checks (tests/vectors/oracles/merkle/README.md).
 */
import { bytesEqual, hexEncode } from "./encoding";
import { nodeHash } from "./hashing";

const HASH_SIZE = 32;

/** A proof that does not verify, or malformed proof input. */
export class ProofError extends Error {
  override readonly name = "ProofError";
}

function bitLength(n: number): number {
  return n === 0 ? 0 : Math.floor(Math.log2(n)) + 1;
}

function popcount(n: number): number {
  let count = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) count += v % 2;
  return count;
}

/** The number of hashes in the inclusion proof of `index` in a tree of `treeSize`. */
export function inclusionProofSize(index: number, treeSize: number): number {
  // Sizes up to 2**53: use BigInt for the XOR so large indexes stay exact.
  const inner = bitLength(Number(BigInt(index) ^ BigInt(treeSize - 1)));
  return inner + popcount(Math.floor(index / 2 ** inner));
}

/** How an interior node is hashed: `nodeHash`, or a memo of it (`memoNodeHash`). */
export type NodeHasher = (left: Uint8Array, right: Uint8Array) => Promise<Uint8Array>;

/** `nodeHash` remembering its answers: proofs of many neighbouring leaves against one tree
 * share most of their nodes (1,000 consecutive entries: about 1,000 distinct nodes instead of
 * 11,000 hashes). One memo per tree; it only saves work, the hashes are the same. */
export function memoNodeHash(): NodeHasher {
  const seen = new Map<string, Promise<Uint8Array>>();
  return (left, right) => {
    const key = hexEncode(left) + hexEncode(right);
    let found = seen.get(key);
    if (found === undefined) {
      found = nodeHash(left, right);
      seen.set(key, found);
    }
    return found;
  };
}

/** Check that `leaf` is leaf `index` of the tree `(treeSize, root)`; throws ProofError.
 *
 * The proof does not bind the size: the caller takes `(treeSize, root)` from one verified
 * checkpoint (see `verifyInclusionDocument`). */
export async function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
  node: NodeHasher = nodeHash,
): Promise<void> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || treeSize < 0) {
    throw new ProofError(`expected non-negative index and size, found ${index} and ${treeSize}`);
  }
  if (index >= treeSize) throw new ProofError(`expected index < tree_size, found index=${index} size=${treeSize}`);
  if (leaf.length !== HASH_SIZE) throw new ProofError(`expected a 32-byte leaf hash, found ${leaf.length} bytes`);
  if (root.length !== HASH_SIZE) throw new ProofError(`expected a 32-byte root, found ${root.length} bytes`);
  proof.forEach((p, i) => {
    if (p.length !== HASH_SIZE) throw new ProofError(`expected 32-byte proof hashes, found ${p.length} at ${i}`);
  });
  const expected = inclusionProofSize(index, treeSize);
  if (proof.length !== expected) {
    throw new ProofError(
      `expected an inclusion proof of ${expected} hashes for index ${index} in a tree of ${treeSize}, found ${proof.length}`,
    );
  }
  // BigInt: the shifts below must stay exact beyond 2**31.
  let fn = BigInt(index);
  let sn = BigInt(treeSize - 1);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new ProofError("inclusion proof is longer than the path to the root");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await node(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await node(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new ProofError("inclusion proof is shorter than the path to the root");
  if (!bytesEqual(r, root)) {
    throw new ProofError(`inclusion proof does not lead to the root: expected ${hexEncode(root)}, found ${hexEncode(r)}`);
  }
}
