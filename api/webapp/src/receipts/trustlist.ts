/**
 * The parts of a trust list (`labels/trustlist.py`) that receipts need, and its signature.
 *
 * The list is signed by a root key over `"biotraza:trustlist:v1\n" ‖ JCS(document without
 * "signature")`; the receipt lists (`associations`, `devices`) are left out of the document
 * while empty, as Python does. The app pins the root public keys it got at enrolment and
 * checks the list once when it loads it. Only lists signed directly by a pinned root are
 * accepted here (the Python side also follows a root-signed delegation to the operator key;
 * `trustlist export` signs with a root key).
 */
import { verifyEd25519 } from "../crypto/ed25519";
import { b64urlDecode, concatBytes, utf8 } from "../crypto/encoding";
import { canonicalBytes } from "../crypto/jcs";
import { keyId } from "../crypto/keys";

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

/** Check the list's signature against pinned root public keys (raw 32 bytes); throws. */
export async function verifyTrustList(trustList: TrustList, rootPublicKeys: readonly Uint8Array[]): Promise<void> {
  const signature = trustList.signature;
  if (signature === null || signature === undefined) throw new TrustListError("the trust list is not signed");
  let root: Uint8Array | undefined;
  for (const candidate of rootPublicKeys) {
    if ((await keyId(candidate)) === signature.key_id) root = candidate;
  }
  if (root === undefined) throw new TrustListError(`signed by ${signature.key_id}, not a pinned root key`);
  const { signature: _omitted, ...document } = trustList;
  let sig: Uint8Array;
  try {
    sig = b64urlDecode(signature.sig, 64);
  } catch (error) {
    throw new TrustListError(`trust list signature: ${(error as Error).message}`);
  }
  const message = concatBytes(utf8(TRUST_LIST_DOMAIN), canonicalBytes(document));
  if (!(await verifyEd25519(root, message, sig))) throw new TrustListError("trust list signature does not verify");
}
