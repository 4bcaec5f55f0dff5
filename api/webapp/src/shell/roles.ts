/**
 * Which roles this browser's keys hold, so the navigation and the home tiles show each person
 * only the screens of their roles: field technician (an enrolled phone), association office
 * (the association's key), label issuer, certifier.
 *
 * A key holds a role when the server's trust list (`GET /api/v1/trustlist`, signed by the log)
 * names it: the device key among `devices` (field) or `certifiers` (certifier, granted to a
 * browser key), the imported association key among `associations` (office), the imported
 * label-issuer key among `issuers`. Revoked keys hold nothing. The answer is kept in
 * localStorage so that it holds offline.
 *
 * This module is light (the navigation reads it at first paint); asking the server, which
 * needs the keys, is `roleRefresh.ts`, loaded after the first paint by `main.tsx`.
 *
 * Hiding is navigation only: the UI adds no authority. Every write is a signed statement the
 * ledger judges by the key's real role, and a screen opened by its address still works (each
 * office screen asks for its own key). Until this browser holds any key the trust list names
 * (a new phone, a new office computer) every screen is shown, so that each person can reach
 * the screen where their key is set up.
 */
import { store, type Store } from "./store";

export type Role = "field" | "office" | "certifier" | "label_issuer";

interface Listed {
  readonly key_id: string;
  readonly revoked_seq?: number | null;
}

/** The parts of the trust list that name keys by role. */
export interface RoleLists {
  readonly devices?: readonly Listed[];
  readonly certifiers?: readonly Listed[];
  readonly associations?: readonly Listed[];
  readonly issuers?: readonly Listed[];
}

/** The key ids this browser holds (undefined: no such key here). */
export interface HeldKeys {
  readonly device?: string | undefined;
  readonly association?: string | undefined;
  readonly issuer?: string | undefined;
}

const active = (list: readonly Listed[] | undefined, keyId: string | undefined): boolean =>
  keyId !== undefined && (list ?? []).some((k) => k.key_id === keyId && (k.revoked_seq ?? null) === null);

/** The roles the trust list gives the keys held here, in a fixed order. */
export function rolesFrom(lists: RoleLists, keys: HeldKeys): Role[] {
  const roles: Role[] = [];
  if (active(lists.devices, keys.device)) roles.push("field");
  if (active(lists.associations, keys.association)) roles.push("office");
  if (active(lists.certifiers, keys.device)) roles.push("certifier");
  if (active(lists.issuers, keys.issuer)) roles.push("label_issuer");
  return roles;
}

/** Whether a screen for `roles` (undefined: everyone) is shown to a browser holding `held`
 * (empty: no key known yet, so everything is shown). */
export function shown(roles: readonly Role[] | undefined, held: readonly Role[]): boolean {
  return roles === undefined || held.length === 0 || roles.some((r) => held.includes(r));
}

export const STORED_ROLES = "biotraza.roles";

function stored(): Role[] {
  try {
    const text = globalThis.localStorage?.getItem(STORED_ROLES);
    return text ? (JSON.parse(text) as Role[]) : [];
  } catch {
    return [];
  }
}

/** The roles held here, last time the server could be asked. */
export const heldRoles: Store<readonly Role[]> = store<readonly Role[]>(stored());

/** The event `main.tsx` listens to: a key was imported or removed here, ask again. */
export const KEYS_CHANGED = "biotraza:keys-changed";

/** Tell the shell that a key was imported or removed here. */
export function keysChanged(): void {
  window.dispatchEvent(new Event(KEYS_CHANGED));
}
