/**
 * Members: register a producer. Consent decides what is kept: with it, the name, CURP and
 * contact go to the server's side table (never the ledger) and only their salted hash is
 * signed; without it, only the pseudonymous member code, community and sex are recorded.
 */
import { useState } from "preact/hooks";
import { isoToday, t, useLanguage } from "../i18n";
import { memberParts, newId, type FieldErrors, type Gender, GENDERS } from "./bodies";
import { capture } from "../sync/corrections";
import { Actions, Check, Input, NeedsSetup, ReferenceNotice, Saved, Select } from "./Form";
import { canCapture, useField } from "./hooks";
import { itemKey } from "../outbox";
import { newSalt, personalDataHash, PersonalStore } from "./personal";
import { useDraft } from "./drafts";

interface Draft {
  producerId: string;
  community: string;
  gender: Gender;
  memberSince: string;
  consentData: boolean;
  name: string;
  curp: string;
  phone: string;
  email: string;
  consentPublishName: boolean;
}

const EMPTY: Draft = {
  producerId: "",
  community: "",
  gender: "undisclosed",
  memberSince: "",
  consentData: false,
  name: "",
  curp: "",
  phone: "",
  email: "",
  consentPublishName: false,
};

export function MembersScreen() {
  useLanguage();
  const field = useField();
  const [draft, update, reset] = useDraftWithId(field.key?.keyId ?? null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  if (!canCapture(field.context)) {
    return (
      <section class="screen">
        <h1 tabIndex={-1}>{t("shell.members.title")}</h1>
        <NeedsSetup />
      </section>
    );
  }

  const save = async () => {
    const built = memberParts(draft, isoToday());
    if (!built.ok) {
      setErrors(built.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    setFailure(null);
    try {
      const { body, personal } = built.value;
      let salt: string | null = null;
      if (personal) {
        salt = newSalt();
        body["pii_hash"] = await personalDataHash(salt, personal);
      }
      const { item } = await capture("producer.registered", body);
      if (personal && salt) {
        const store = await PersonalStore.open();
        try {
          await store.put({ key: itemKey(item.signed), entry: item.signed, personal_data: personal, salt, refusal: null });
        } finally {
          store.close();
        }
      }
      setSaved(t("field.saved", { what: t("field.members.what", { id: String(body["producer_id"]) }) }));
      reset();
      field.reload();
    } catch (error) {
      setFailure(t("field.failed", { reason: (error as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  const members = field.reference?.members ?? [];
  return (
    <section class="screen">
      <h1 tabIndex={-1}>{t("shell.members.title")}</h1>
      <Saved message={saved} />
      {failure && <p class="notice error" role="alert">{failure}</p>}
      <form class="capture" id="member-form" onSubmit={(e) => e.preventDefault()}>
        <fieldset class="form">
          <legend>{t("field.members.new")}</legend>
          <Input name="producer_id" label={t("field.members.id")} value={draft.producerId} errors={errors} onInput={(v) => update({ producerId: v })} />
          <Input name="community" label={t("field.members.community")} optional value={draft.community} errors={errors} onInput={(v) => update({ community: v })} />
          <Select name="gender" label={t("field.members.gender")} value={draft.gender} errors={errors} placeholder={false}
            options={GENDERS.map((g) => ({ value: g, text: t(`field.members.gender.${g}`) }))} onChange={(v) => update({ gender: v as Gender })} />
          <Input name="member_since" type="date" label={t("field.members.since")} optional value={draft.memberSince} errors={errors} onInput={(v) => update({ memberSince: v })} />
          <Check name="consent" label={t("field.members.consent")} checked={draft.consentData} onChange={(v) => update({ consentData: v })} />
          {draft.consentData && (
            <>
              <Input name="name" label={t("field.members.name")} value={draft.name} errors={errors} onInput={(v) => update({ name: v })} />
              <Input name="curp" label={t("field.members.curp")} optional value={draft.curp} errors={errors} onInput={(v) => update({ curp: v })} />
              <Input name="phone" type="tel" inputMode="tel" label={t("field.members.phone")} optional value={draft.phone} errors={errors} onInput={(v) => update({ phone: v })} />
              <Input name="email" type="email" inputMode="email" label={t("field.members.email")} optional value={draft.email} errors={errors} onInput={(v) => update({ email: v })} />
              <Check name="publish" label={t("field.members.publish")} checked={draft.consentPublishName} onChange={(v) => update({ consentPublishName: v })} />
            </>
          )}
          <p class="muted">{t("field.draft.kept")}</p>
          <Actions busy={busy} onSave={() => void save()} onDiscard={() => { setErrors({}); reset(); }} />
        </fieldset>
      </form>
      <h2>{t("field.members.list")}</h2>
      <ReferenceNotice reference={field.reference} />
      {members.length === 0 ? (
        <p>{t("field.members.none")}</p>
      ) : (
        <ul class="cards" id="members">
          {members.map((m) => (
            <li class="card" key={m.id} data-id={m.id}>
              <p class="card-title">{m.id}</p>
              {m.community && <p>{m.community}</p>}
              {m.pending && <p class="muted">{t("field.pending")}</p>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The member draft, its code suggested once the device key is known. */
function useDraftWithId(keyIdHex: string | null) {
  const result = useDraft("members", () => ({ ...EMPTY, producerId: keyIdHex ? newId("p", keyIdHex) : "" }));
  const [draft, update] = result;
  if (keyIdHex && draft.producerId === "") update({ producerId: newId("p", keyIdHex) });
  return result;
}
