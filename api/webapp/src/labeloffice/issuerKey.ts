/**
 * The label-issuer key in the office browser: the same browser key file and the same storage
 * as the association's key (`../office/associationKey`), kept in a database of its own so
 * that one computer can hold both and forgetting one leaves the other.
 */
import { forgetAssociationKey, importAssociationKey, loadAssociationKey, type AssociationKey } from "../office/associationKey";

export const ISSUER_DB_NAME = "biotraza-label-issuer";

export const importIssuerKey = (text: string, passphrase: string): Promise<AssociationKey> => importAssociationKey(text, passphrase, ISSUER_DB_NAME);
export const loadIssuerKey = (): Promise<AssociationKey | undefined> => loadAssociationKey(ISSUER_DB_NAME);
export const forgetIssuerKey = (): Promise<void> => forgetAssociationKey(ISSUER_DB_NAME);

/** Whether the server's trust list names `keyId` as an active label issuer (null: unknown). */
export async function isActiveIssuer(keyId: string): Promise<boolean | null> {
  try {
    const response = await fetch("/api/v1/trustlist", { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) return null;
    const list = (await response.json()) as { issuers?: { key_id: string; revoked_seq: number | null }[] };
    return (list.issuers ?? []).some((k) => k.key_id === keyId && k.revoked_seq === null);
  } catch {
    return null;
  }
}
