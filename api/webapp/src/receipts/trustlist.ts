/**
 * The parts of a trust list (`labels/trustlist.py`) that receipts need, and its signature.
 *
 * The list is signed by a root key over `"biotraza:trustlist:v1\n" ‖ JCS(document without
 * "signature")`; the receipt lists (`associations`, `devices`) are left out of the document
 * while empty, as Python does. The app pins the root public keys it got at enrolment and
 * checks the list once when it loads it. Like Python's `verify_trust_list`, a list signed by
 * a pinned root is accepted, and so is one signed by a key a pinned root delegated to in a
 * root-signed statement carried as `signature.delegation` (the genesis naming the operator
 * key, or `key.added` of an operator or root key): that is how `GET /api/v1/trustlist` comes,
 * signed by the log operator. Pinned on `tests/vectors/trustlist_delegated.json`.
 */
import { verifyEd25519 } from "../crypto/ed25519";
import { b64urlDecode, concatBytes, utf8 } from "../crypto/encoding";
import { canonicalBytes } from "../crypto/jcs";
import { keyId } from "../crypto/keys";
import { signedMessage, type SignedStatement } from "../crypto/statements";

export const TRUST_LIST_DOMAIN = "biotraza:trustlist:v1\n";

export interface TrustedAssociation {
  readonly key_id: string;
  readonly public_key: string;
  readonly org_id: string;
  readonly name: string;
  readonly added_seq: number;
  readonly revoked_seq: number | null;
}

export interface TrustedDevice {
  readonly key_id: string;
  readonly public_key: string;
  readonly org_id: string;
  readonly label: string;
  readonly entry_types: readonly string[];
  readonly enrolled_by: string | null;
  readonly added_seq: number;
  readonly added_ts: string | null;
  readonly valid_until: string | null;
  readonly revoked_seq: number | null;
  readonly revoked_at: string | null;
  readonly revoked_reason: string | null;
}

/** A trust list document as JSON (fields receipts do not read stay opaque). */
export interface TrustList {
  readonly version: 1;
  readonly origin: string;
  readonly issued_at: string;
  readonly checkpoint: { readonly tree_size: number; readonly root_hash: string; readonly note: string | null };
  readonly associations?: readonly TrustedAssociation[];
  readonly devices?: readonly TrustedDevice[];
  readonly signature: { readonly key_id: string; readonly sig: string; readonly delegation: unknown } | null;
  readonly [field: string]: unknown;
}

/** A trust list that is malformed or not signed by a pinned root key. */
export class TrustListError extends Error {
  override readonly name = "TrustListError";
}

function publicKeyText(value: unknown): Uint8Array | null {
  if (typeof value !== "string") return null;
  try {
    return b64urlDecode(value, 32);
  } catch {
    return null;
  }
}

async function verifiesUnder(publicKey: Uint8Array, signed: SignedStatement): Promise<boolean> {
  try {
    return await verifyEd25519(publicKey, signedMessage(signed.statement), b64urlDecode(signed.sig, 64));
  } catch {
    return false;
  }
}

/** The signer's public key, from a statement a pinned root signed naming it (as Python's
 * `_delegated_key`); throws. */
async function delegatedKey(delegation: unknown, roots: ReadonlyMap<string, Uint8Array>, signer: string): Promise<Uint8Array> {
  const signed = delegation as SignedStatement;
  const statement = signed?.statement;
  if (typeof statement !== "object" || statement === null || typeof signed.sig !== "string") {
    throw new TrustListError("delegation is not a signed statement");
  }
  const root = roots.get(statement.actor);
  if (root === undefined) throw new TrustListError(`delegation is signed by ${statement.actor}, not a pinned root key`);
  if (!(await verifiesUnder(root, signed))) throw new TrustListError("delegation signature does not verify");
  const body = statement.body as Record<string, unknown>;
  let named: unknown[] = [];
  if (statement.type === "ledger.genesis") named = [(body["operator_key"] as Record<string, unknown> | undefined)?.["public_key"]];
  else if (statement.type === "key.added" && (body["role"] === "operator" || body["role"] === "root")) named = [body["public_key"]];
  for (const text of named) {
    const raw = publicKeyText(text);
    if (raw !== null && (await keyId(raw)) === signer) return raw;
  }
  throw new TrustListError(`delegation does not name the signing key ${signer}`);
}

/**
 * The root keys a genesis statement names, if it is a genesis signed by one of them (raw 32
 * bytes each); null otherwise. What a device pins on first contact from the served list's
 * delegation: trust on first use, as the operator key (`sync/session.ts`).
 */
export async function genesisRootKeys(delegation: unknown): Promise<Uint8Array[] | null> {
  const signed = delegation as SignedStatement | null;
  if (!signed || typeof signed.statement !== "object" || signed.statement === null || signed.statement.type !== "ledger.genesis") return null;
  const listed = (signed.statement.body as Record<string, unknown>)["root_keys"];
  if (!Array.isArray(listed)) return null;
  const keys: Uint8Array[] = [];
  for (const entry of listed) {
    const raw = publicKeyText((entry as Record<string, unknown> | null)?.["public_key"]);
    if (raw === null) return null;
    keys.push(raw);
  }
  for (const raw of keys) {
    if ((await keyId(raw)) === signed.statement.actor && (await verifiesUnder(raw, signed))) return keys;
  }
  return null;
}

/** Check the list's signature against pinned root public keys (raw 32 bytes); throws. */
export async function verifyTrustList(trustList: TrustList, rootPublicKeys: readonly Uint8Array[]): Promise<void> {
  const roots = new Map<string, Uint8Array>();
  for (const raw of rootPublicKeys) roots.set(await keyId(raw), raw);
  // Step 1.
  if (roots.size === 0) throw new TrustListError("no pinned root key to check the trust list against");
  const signature = trustList.signature;
  if (signature === null || signature === undefined) throw new TrustListError("the trust list is not signed");
  // Step 2.
  let signer = roots.get(signature.key_id);
  if (signer === undefined) {
    if (signature.delegation === null || signature.delegation === undefined) {
      throw new TrustListError(`signed by ${signature.key_id}: neither a pinned root nor delegated`);
    }
    signer = await delegatedKey(signature.delegation, roots, signature.key_id);
  }
  // Step 3.
  const { signature: _omitted, ...document } = trustList;
  let sig: Uint8Array;
  try {
    sig = b64urlDecode(signature.sig, 64);
  } catch (error) {
    throw new TrustListError(`trust list signature: ${(error as Error).message}`);
  }
  const message = concatBytes(utf8(TRUST_LIST_DOMAIN), canonicalBytes(document));
  if (!(await verifyEd25519(signer, message, sig))) throw new TrustListError("trust list signature does not verify");
}
