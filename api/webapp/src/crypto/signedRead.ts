/**
 * The signed read (`ledger/read_auth.py`): how an office screen asks for non-public data with
 * its key, as the CLI does. The key signs `{"v":1,"key","method":"GET","path","ts","nonce"}`
 * as `"biotraza:read:v1\n" + JCS(request)` and sends
 * `Authorization: Biotraza-Read <b64url(JCS(request))>.<b64url(signature)>`; the signature binds
 * the exact path and query, and the server accepts it for five minutes around `ts`.
 * Pinned to the Python side by tests/vectors/signed_read.json.
 */
import type { Signer } from "./ed25519";
import { b64urlEncode, concatBytes, utf8 } from "./encoding";
import { canonicalBytes } from "./jcs";
import { keyId } from "./keys";
import { formatTs, newNonce, type SignOptions } from "./statements";

export const READ_DOMAIN = "biotraza:read:v1\n";

/** The `Authorization` header value for `GET path` (path and query, exactly as sent). */
export async function signRead(signer: Signer, path: string, options: SignOptions = {}): Promise<string> {
  const request = {
    v: 1,
    key: await keyId(signer.publicKey),
    method: "GET",
    path,
    ts: options.ts ?? formatTs(new Date()),
    nonce: options.nonce ?? newNonce(),
  };
  const body = canonicalBytes(request);
  const signature = await signer.sign(concatBytes(utf8(READ_DOMAIN), body));
  return `Biotraza-Read ${b64urlEncode(body)}.${b64urlEncode(signature)}`;
}
