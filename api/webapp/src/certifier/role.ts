/** Whether this device's key is a certifier key, and for which certification body.
 *
 * Read from the served trust list (`GET /api/v1/trustlist`, `certifiers`: keys with role
 * `certifier` and their `certifier_id`), remembered in localStorage so that a device that
 * once saw its role knows it offline in the field. The UI adds no authority: the ledger
 * checks every statement the key signs.
 */
import { store, type Store } from "../shell/store";

export interface CertifierRole {
  readonly keyId: string;
  readonly certifierId: string | null;
  readonly name: string | null;
  readonly checkedAt: string;
}

const STORAGE = "biotraza.certifier";

function remembered(): CertifierRole | null {
  try {
    const text = globalThis.localStorage?.getItem(STORAGE);
    return text ? (JSON.parse(text) as CertifierRole) : null;
  } catch {
    return null;
  }
}

export const certifierRole: Store<CertifierRole | null> = store(remembered());

interface TrustedKey {
  key_id: string;
  name: string;
  certifier_id: string | null;
  revoked_seq: number | null;
}

/** Ask the server; on failure keep what was known. */
export async function refreshCertifierRole(keyIdHex: string, fetcher: typeof fetch = fetch): Promise<CertifierRole | null> {
  try {
    const response = await fetcher("/api/v1/trustlist", { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) return certifierRole.get();
    const list = (await response.json()) as { certifiers?: TrustedKey[] };
    const mine = (list.certifiers ?? []).find((k) => k.key_id === keyIdHex && k.revoked_seq === null);
    const role: CertifierRole = {
      keyId: keyIdHex,
      certifierId: mine?.certifier_id ?? null,
      name: mine?.name ?? null,
      checkedAt: new Date().toISOString(),
    };
    try {
      globalThis.localStorage?.setItem(STORAGE, JSON.stringify(role));
    } catch {
      // Shown now, not remembered offline.
    }
    certifierRole.set(role);
    return role;
  } catch {
    return certifierRole.get();
  }
}
