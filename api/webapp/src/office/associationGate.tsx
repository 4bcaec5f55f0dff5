/**
 * The association's key on the office screens that sign with it (Devices, Credentials): the
 * key kept in this browser, the association it speaks for, and the lines and button around
 * them. Each screen shows them the same way, so the loading and the wording live here once.
 */
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";
import { keysChanged } from "../shell/roles";
import { associationOf, type Org } from "./api";
import { forgetAssociationKey, loadAssociationKey, type AssociationKey } from "./associationKey";

export interface Association {
  /** `undefined` while loading, `null` when this browser keeps no key. */
  readonly keyPair: AssociationKey | null | undefined;
  readonly setKeyPair: (key: AssociationKey | null) => void;
  /** `undefined` until known (or offline, or the lookup failed), `null` when the key speaks for no association. */
  readonly org: Org | null | undefined;
  /** Forget the kept key: the screen goes back to the import form. */
  readonly forget: () => void;
}

/** Load the kept key once, then the association it speaks for whenever online. */
export function useAssociation(isOnline: boolean): Association {
  const [keyPair, setKeyPair] = useState<AssociationKey | null | undefined>(undefined);
  const [org, setOrg] = useState<Org | null | undefined>(undefined);
  useEffect(() => void loadAssociationKey().then((k) => setKeyPair(k ?? null)), []);
  useEffect(() => {
    if (!keyPair || !isOnline) return;
    void associationOf(keyPair.keyId)
      .then(setOrg)
      .catch(() => setOrg(undefined));
  }, [keyPair, isOnline]);
  const forget = (): void => void forgetAssociationKey().then(() => (setKeyPair(null), setOrg(undefined), keysChanged()));
  return { keyPair, setKeyPair, org, forget };
}

/** The notice that the kept key speaks for no association (shown only then). */
export function NoOrgNotice({ keyPair, org }: Pick<Association, "keyPair" | "org">) {
  if (!keyPair || org !== null) return null;
  return <p class="notice" id="key-no-org">{t("office.key.no_org", { key: keyPair.keyId })}</p>;
}

/** Which association's key is loaded (the start of its key id). */
export function KeyLoaded({ keyPair, org }: { keyPair: AssociationKey; org: Org }) {
  return <p class="muted" id="key-loaded">{t("office.key.loaded", { org: org.name, key: keyPair.keyId.slice(0, 12) })}</p>;
}

/** The button that forgets the kept key (shown only when one is kept). */
export function ForgetKeyButton({ keyPair, forget }: Pick<Association, "keyPair" | "forget">) {
  if (!keyPair) return null;
  return (
    <p>
      <button type="button" class="button secondary" id="key-forget" onClick={forget}>
        {t("office.key.forget")}
      </button>
    </p>
  );
}
