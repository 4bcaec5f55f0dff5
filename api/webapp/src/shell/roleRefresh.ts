/**
 * Asks the server which roles this browser's keys hold (`roles.ts` says how roles are read
 * from the trust list) and keeps the answer for offline starts. Loaded after the first paint:
 * it needs the keys (IndexedDB, WebCrypto), which the first screen does not wait for.
 */
import { deviceKey } from "../field/device";
import { loadIssuerKey } from "../labeloffice/issuerKey";
import { loadAssociationKey } from "../office/associationKey";
import { STORED_ROLES, heldRoles, rolesFrom, type Role, type RoleLists } from "./roles";

/** Ask the trust list again (at start, when a key is imported or removed, when back online);
 * on failure keep what is known. */
export async function refreshRoles(fetcher: typeof fetch = fetch): Promise<readonly Role[]> {
  try {
    const [device, association, issuer] = await Promise.all([
      deviceKey().then((k) => k.keyId),
      loadAssociationKey().then((k) => k?.keyId),
      loadIssuerKey().then((k) => k?.keyId),
    ]);
    const response = await fetcher("/api/v1/trustlist", { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) return heldRoles.get();
    const roles = rolesFrom((await response.json()) as RoleLists, { device, association, issuer });
    try {
      globalThis.localStorage?.setItem(STORED_ROLES, JSON.stringify(roles));
    } catch {
      // Shown now, not remembered for an offline start.
    }
    heldRoles.set(roles);
    return roles;
  } catch {
    return heldRoles.get();
  }
}
