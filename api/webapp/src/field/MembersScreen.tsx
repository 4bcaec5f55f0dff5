/**
 * Members: register a producer. Consent decides what is kept: with it, the name, CURP and
 * contact go to the server's side table (never the ledger) and only their salted hash is
 * signed; without it, only the pseudonymous member code and community are recorded. Sex, year of
 * birth and Indigenous language are personal data: asked only with consent, kept off the ledger.
 */
import { isoToday, t, useLanguage } from "../i18n";
import { memberParts, type Gender, GENDERS, type MemberInput, type Speaker } from "./bodies";
import { CaptureForm, NotEnrolled, RecordList, Screen, useCapture } from "./capture";
import { Check, Input, Select } from "./Form";
import { canCapture } from "./hooks";
import { itemKey } from "../outbox";
import { EMPTY_MEMBER } from "./memberDraft";
import { newSalt, personalDataHash, PersonalStore } from "./personal";

export function MembersScreen() {
  useLanguage();
  const c = useCapture<MemberInput>("members", () => ({ ...EMPTY_MEMBER }), { field: "producerId", prefix: "p" });
  const { field, draft, update, errors } = c;

  if (!canCapture(field.context)) return <NotEnrolled title={t("shell.members.title")} />;

  const save = async () => {
    const built = memberParts(draft, isoToday());
    if (!built.ok) {
      c.setErrors(built.errors);
      return;
    }
    await c.sign(async () => {
      const { body, personal } = built.value;
      let salt: string | null = null;
      if (personal) {
        salt = newSalt();
        body["pii_hash"] = await personalDataHash(salt, personal);
      }
      const { item } = await c.record("producer.registered", body);
      if (personal && salt) {
        const store = await PersonalStore.open();
        try {
          await store.put({ key: itemKey(item.signed), entry: item.signed, personal_data: personal, salt, refusal: null });
        } finally {
          store.close();
        }
      }
      return t("field.saved", { what: t("field.members.what", { id: String(body["producer_id"]) }) });
    });
  };

  const members = field.reference?.members ?? [];
  return (
    <Screen title={t("shell.members.title")}>
      <CaptureForm id="member-form" legend={t("field.members.new")} busy={c.busy} saved={c.saved} failure={c.failure} correcting={c.correcting} correctingWhy={c.correctingWhy}
        onSave={() => void save()} onDiscard={c.discard}>
        <Input name="producer_id" label={t("field.members.id")} value={draft.producerId} errors={errors} onInput={(v) => update({ producerId: v })} />
        <Input name="community" label={t("field.members.community")} optional value={draft.community} errors={errors} onInput={(v) => update({ community: v })} />
        <Input name="member_since" type="date" label={t("field.members.since")} optional value={draft.memberSince} errors={errors} onInput={(v) => update({ memberSince: v })} />
        <Check name="consent" label={t("field.members.consent")} checked={draft.consentData} onChange={(v) => update({ consentData: v })} />
        {draft.consentData && (
          <>
            <Input name="name" label={t("field.members.name")} value={draft.name} errors={errors} onInput={(v) => update({ name: v })} />
            <Input name="curp" label={t("field.members.curp")} optional value={draft.curp} errors={errors} onInput={(v) => update({ curp: v })} />
            <Input name="phone" type="tel" inputMode="tel" label={t("field.members.phone")} optional value={draft.phone} errors={errors} onInput={(v) => update({ phone: v })} />
            <Input name="email" type="email" inputMode="email" label={t("field.members.email")} optional value={draft.email} errors={errors} onInput={(v) => update({ email: v })} />
            <Check name="publish" label={t("field.members.publish")} checked={draft.consentPublishName} onChange={(v) => update({ consentPublishName: v })} />
            <Select name="gender" label={t("field.members.gender")} value={draft.gender} errors={errors} placeholder={false}
              options={GENDERS.map((g) => ({ value: g, text: t(`field.members.gender.${g}`) }))} onChange={(v) => update({ gender: v as Gender })} />
            <Input name="birth_year" inputMode="numeric" label={t("field.members.birth_year")} optional value={draft.birthYear} errors={errors} onInput={(v) => update({ birthYear: v })} />
            <Select name="speaker" label={t("field.members.speaker")} value={draft.speaker} errors={errors} placeholder={false}
              options={(["", "yes", "no"] as const).map((s) => ({ value: s, text: t(`field.members.speaker.${s || "unasked"}`) }))} onChange={(v) => update({ speaker: v as Speaker })} />
            <Check name="statistics" label={t("field.members.statistics")} checked={draft.consentStatistics} onChange={(v) => update({ consentStatistics: v })} />
          </>
        )}
      </CaptureForm>
      <RecordList title={t("field.members.list")} none={t("field.members.none")} id="members" reference={field.reference} records={members}
        card={(m) => (
          <li class="card" key={m.id} data-id={m.id}>
            <p class="card-title">{m.id}</p>
            {m.community && <p>{m.community}</p>}
            {m.pending && <p class="muted">{t("field.pending")}</p>}
          </li>
        )} />
    </Screen>
  );
}
