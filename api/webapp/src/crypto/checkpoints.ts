/**
 * C2SP signed notes and tlog checkpoints, verified as `ledger/checkpoints.py` does, and the
 * inclusion-proof document check of `ledger/transparency.py` (`verify_inclusion_document`).
 *
 * The device trusts one thing it did not compute: the log operator's verifier key string
 * (`origin+<8 hex>+base64(0x01 ‖ public key)`, from `GET /api/v1/log` at enrolment). With it,
 * a checkpoint and an inclusion proof show that the device's entry is in the log, unchanged.
 * Parsing is as strict as the Python side (one spelling per value), so both sides accept the
 * same notes.
 */
import { verifyEd25519 } from "./ed25519";
import { b64Decode, bytesEqual, concatBytes, hexDecode, hexEncode, sha256, utf8 } from "./encoding";
import { ProofError, verifyInclusion, type NodeHasher } from "./merkle";

/** A malformed note or checkpoint, or one not signed by the expected key. */
export class CheckpointError extends Error {
  override readonly name = "CheckpointError";
}

export interface VerifierKey {
  readonly name: string;
  /** The 4-byte note key id. */
  readonly keyId: Uint8Array;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

export interface Checkpoint {
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
  readonly extensions: readonly string[];
}

/** An inclusion proof document, as `GET /api/v1/proofs/inclusion` returns it. */
export interface InclusionProofDocument {
  readonly type: "inclusion";
  readonly leaf_index: number;
  readonly tree_size: number;
  readonly leaf_hash: string;
  readonly hashes: readonly string[];
}

const SIG_PREFIX = "\u2014 ";
const ED25519_TYPE = 0x01;
const MAX_SIGNATURES = 100;
const MAX_TREE_SIZE = 2n ** 63n - 1n;
const TREE_SIZE = /^(?:0|[1-9][0-9]*)$/;
const KEY_ID_HEX = /^[0-9a-f]{8}$/;

function badChar(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const lone =
      (code >= 0xd800 && code <= 0xdbff && !(text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff)) ||
      (code >= 0xdc00 && code <= 0xdfff && !(text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff));
    if ((code < 0x20 && code !== 0x0a) || lone) return `U+${code.toString(16).toUpperCase().padStart(4, "0")} at offset ${i}`;
  }
  return undefined;
}

function isValidKeyName(name: string): boolean {
  return name.length > 0 && !name.includes("+") && !/\s/u.test(name) && badChar(name) === undefined;
}

/** SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]. */
export async function noteKeyId(name: string, publicKey: Uint8Array): Promise<Uint8Array> {
  if (!isValidKeyName(name)) throw new Error(`invalid key name ${JSON.stringify(name)}`);
  return (await sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, ED25519_TYPE), publicKey))).slice(0, 4);
}

/** Parse `name+hex(key id)+base64(0x01 ‖ public key)`; the key id must match name and key. */
export async function parseVerifierKey(vkey: string): Promise<VerifierKey> {
  const first = vkey.indexOf("+");
  const second = first < 0 ? -1 : vkey.indexOf("+", first + 1);
  if (second < 0) throw new Error(`expected 'name+keyid+base64key', found ${JSON.stringify(vkey)}`);
  const name = vkey.slice(0, first);
  const keyIdHex = vkey.slice(first + 1, second);
  if (!isValidKeyName(name)) throw new Error(`invalid key name ${JSON.stringify(name)}`);
  if (!KEY_ID_HEX.test(keyIdHex)) throw new Error(`expected 8 lowercase hex digits of key ID, found ${JSON.stringify(keyIdHex)}`);
  const material = b64Decode(vkey.slice(second + 1));
  if (material.length !== 33) throw new Error(`expected 33 bytes of key material, found ${material.length}`);
  if (material[0] !== ED25519_TYPE) throw new Error(`expected signature type 0x01 (ed25519), found ${material[0]}`);
  const publicKey = material.slice(1);
  const keyId = await noteKeyId(name, publicKey);
  if (hexEncode(keyId) !== keyIdHex) throw new Error(`expected key ID ${hexEncode(keyId)} for ${name}, found ${keyIdHex}`);
  return { name, keyId, publicKey };
}

/** Check a signed note against trusted keys; return its text and the names that signed.
 * Same rules as `open_note`: unknown signers are ignored, a known key's bad signature rejects
 * the whole note, at least one known key must have signed. */
export async function openNote(
  note: string,
  verifiers: readonly VerifierKey[],
): Promise<{ text: string; names: string[] }> {
  const bad = badChar(note);
  if (bad !== undefined) throw new CheckpointError(`malformed note: expected no control characters, found ${bad}`);
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new CheckpointError("malformed note: expected a blank line before signatures, found none");
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (!block.endsWith("\n")) throw new CheckpointError("malformed note: expected signature lines ending in a newline");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) throw new CheckpointError(`malformed note: more than ${MAX_SIGNATURES} signatures`);
  const message = utf8(text);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const [i, line] of lines.entries()) {
    if (!line.startsWith(SIG_PREFIX)) {
      throw new CheckpointError(`malformed note: expected signature line ${i + 1} to start with an em dash and a space`);
    }
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(" ");
    const name = space < 0 ? rest : rest.slice(0, space);
    const encoded = space < 0 ? "" : rest.slice(space + 1);
    if (!isValidKeyName(name)) throw new CheckpointError(`malformed note: invalid key name on line ${i + 1}`);
    let blob: Uint8Array;
    try {
      blob = b64Decode(encoded);
    } catch (error) {
      throw new CheckpointError(`malformed note: signature line ${i + 1}: ${(error as Error).message}`);
    }
    if (blob.length <= 4) throw new CheckpointError(`malformed note: expected more than 4 signature bytes on line ${i + 1}`);
    const keyId = blob.slice(0, 4);
    const signature = blob.slice(4);
    const known = verifiers.find((v) => v.name === name && bytesEqual(v.keyId, keyId));
    const tag = `${name}+${hexEncode(keyId)}`;
    if (known === undefined || seen.has(tag)) continue;
    seen.add(tag);
    if (signature.length !== 64 || !(await verifyEd25519(known.publicKey, message, signature))) {
      throw new CheckpointError(`signature by ${tag} does not verify over the note text`);
    }
    names.push(name);
  }
  if (names.length === 0) throw new CheckpointError("no signature from a known key");
  return { text, names };
}

/** Parse checkpoint note text strictly (c2sp.org/tlog-checkpoint). */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith("\n")) throw new CheckpointError("malformed checkpoint: expected a final newline, found none");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) throw new CheckpointError(`malformed checkpoint: expected at least 3 lines, found ${lines.length}`);
  lines.forEach((line, i) => {
    if (line.length === 0) throw new CheckpointError(`malformed checkpoint: expected line ${i + 1} non-empty`);
    const bad = badChar(line);
    if (bad !== undefined) throw new CheckpointError(`malformed checkpoint: control character ${bad} on line ${i + 1}`);
  });
  const [origin = "", sizeText = "", rootText = "", ...extensions] = lines;
  if (!TREE_SIZE.test(sizeText)) throw new CheckpointError("malformed checkpoint: expected a decimal tree size without leading zeros");
  if (sizeText.length > 19 || BigInt(sizeText) > MAX_TREE_SIZE) throw new CheckpointError("malformed checkpoint: tree size too large");
  const treeSize = Number(sizeText);
  // The app keeps sizes as numbers; a log beyond 2**53 entries is not a concern for a device.
  if (!Number.isSafeInteger(treeSize)) throw new CheckpointError("malformed checkpoint: tree size beyond 2**53");
  let rootHash: Uint8Array;
  try {
    rootHash = b64Decode(rootText);
  } catch (error) {
    throw new CheckpointError(`malformed checkpoint: root hash: ${(error as Error).message}`);
  }
  if (rootHash.length !== 32) throw new CheckpointError(`malformed checkpoint: expected a 32-byte root hash, found ${rootHash.length} bytes`);
  return { origin, treeSize, rootHash, extensions };
}

/** Open a checkpoint signed by the log operator (`verifier`); the origin must equal the key
 * name unless `origin` says otherwise (`verify_checkpoint`). */
export async function verifyCheckpoint(note: string, verifier: VerifierKey, origin?: string): Promise<Checkpoint> {
  const { text } = await openNote(note, [verifier]);
  const checkpoint = parseCheckpoint(text);
  const expected = origin ?? verifier.name;
  if (checkpoint.origin !== expected) {
    throw new CheckpointError(`expected checkpoint origin ${JSON.stringify(expected)}, found ${JSON.stringify(checkpoint.origin)}`);
  }
  return checkpoint;
}

/** The whole offline check of `verify_inclusion_document`: the checkpoint is the operator's,
 * the proof is for exactly its tree, its leaf is `leafHash` (computed by the caller from its
 * own entry, so the proof cannot swap the leaf), and the path leads to the signed root. */
export async function verifyInclusionDocument(
  proof: InclusionProofDocument,
  checkpointNote: string,
  operator: VerifierKey,
  leafHash?: Uint8Array,
): Promise<Checkpoint> {
  return verifyInclusionAgainst(proof, await verifyCheckpoint(checkpointNote, operator), leafHash);
}

/** `verifyInclusionDocument` against a checkpoint already verified with `verifyCheckpoint`:
 * many proofs against one checkpoint (a sync of 1,000 entries) check its signature once. */
export async function verifyInclusionAgainst(
  proof: InclusionProofDocument,
  checkpoint: Checkpoint,
  leafHash?: Uint8Array,
  node?: NodeHasher,
): Promise<Checkpoint> {
  if (proof.type !== "inclusion") throw new ProofError("not an inclusion proof document");
  if (proof.tree_size !== checkpoint.treeSize) {
    throw new ProofError(`proof is for tree size ${proof.tree_size}, checkpoint is ${checkpoint.treeSize}`);
  }
  let claimed: Uint8Array;
  let path: Uint8Array[];
  try {
    claimed = hexDecode(proof.leaf_hash, 32);
    path = proof.hashes.map((h) => hexDecode(h, 32));
  } catch (error) {
    throw new ProofError(`malformed proof document: ${(error as Error).message}`);
  }
  if (leafHash !== undefined && !bytesEqual(leafHash, claimed)) {
    throw new ProofError(`leaf hash mismatch: entry hashes to ${hexEncode(leafHash)}, proof says ${proof.leaf_hash}`);
  }
  await verifyInclusion(claimed, proof.leaf_index, proof.tree_size, path, checkpoint.rootHash, node);
  return checkpoint;
}
