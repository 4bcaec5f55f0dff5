/**
 * The scaffolding every capture screen (members, plots, apiaries, deliveries) shares, kept in
 * one place so the screens cannot drift apart in how a record is signed, confirmed, discarded
 * or refused: the draft with its suggested identifier, the sign-and-queue step with its busy,
 * saved and failure states, the form frame, and the member picker.
 */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { t } from "../i18n";
import type { JsonObject } from "../crypto/statements";
import { capture, correct, type CaptureOptions, type Captured } from "../sync/corrections";
import { newId, type FieldErrors } from "./bodies";
import { reasonMessageKey } from "../sync/messages";
import { correcting, stopCorrecting } from "./correction";
import { useDraft } from "./drafts";
import { Actions, memberOptions, NeedsSetup, ReferenceNotice, Saved, Select } from "./Form";
import { useField, type FieldState } from "./hooks";
import type { Member, Reference } from "./reference";

/** The draft fields that hold text (one of them is the record's identifier). */
type TextKey<T> = { [K in keyof T]: T[K] extends string ? K : never }[keyof T];

export interface Capture<T, S> {
  field: FieldState;
  draft: T;
  update: (patch: Partial<T>) => void;
  errors: FieldErrors;
  setErrors: (errors: FieldErrors) => void;
  busy: boolean;
  /** What the last signed record's notice shows (a message, or more for deliveries). */
  saved: S | null;
  failure: string | null;
  /**
   * Signs and queues one record: `run` captures it and returns what the saved notice shows;
   * then the draft is cleared and the pickers reloaded (the new record may be picked next).
   * A refusal (key missing, storage full) is shown in the user's language, the draft kept.
   */
  sign: (run: () => Promise<S>) => Promise<void>;
  /** Drops the draft and its errors (after the technician confirmed), and gives up a
   * correction in progress. */
  discard: () => void;
  /** The refused outbox item this form corrects ("Corregir" on the Envío screen), or null. */
  correcting: string | null;
  /** Why the server refused it, in the user's language (with the field it named), or null. */
  correctingWhy: string | null;
  /**
   * Signs and queues the record: a new capture, or — while correcting — a new statement that
   * supersedes the refused one (which stays in the outbox, marked). Call inside `sign`.
   */
  record: (type: string, body: JsonObject, options?: CaptureOptions) => Promise<Captured>;
}

/** The refusal of the outbox item `key` in the user's words, with the field it names. */
function refusalText(field: FieldState, key: string | null): string | null {
  const refusal = key === null ? null : field.items.find((i) => i.key === key)?.refusal ?? null;
  if (refusal === null) return null;
  const why = t(reasonMessageKey(refusal.code));
  return refusal.field ? `${why} ${t("sync.outbox.field", { field: refusal.field })} · ${refusal.reason}` : `${why} ${refusal.reason}`;
}

/**
 * A capture screen's state. The record's identifier is suggested once the device key is known
 * (`newId(prefix, key)`), so a technician rarely types one, and kept with the draft.
 */
export function useCapture<T extends object, S = string>(
  screen: string,
  empty: () => T,
  id: { field: TextKey<T>; prefix: string },
): Capture<T, S> {
  const field = useField();
  const [draft, update, reset] = useDraft<T>(screen, empty);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<S | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [fixing, setFixing] = useState<string | null>(() => correcting(screen));
  const keyIdHex = field.key?.keyId ?? null;
  if (keyIdHex && draft[id.field] === "") update({ [id.field]: newId(id.prefix, keyIdHex) } as Partial<T>);

  const sign = async (run: () => Promise<S>) => {
    setErrors({});
    setBusy(true);
    setFailure(null);
    try {
      setSaved(await run());
      reset();
      field.reload();
    } catch (error) {
      setFailure(t("field.failed", { reason: (error as Error).message }));
    } finally {
      setBusy(false);
    }
  };
  const discard = () => {
    setErrors({});
    reset();
    stopCorrecting(screen);
    setFixing(null);
  };
  const record = async (type: string, body: JsonObject, options: CaptureOptions = {}): Promise<Captured> => {
    if (fixing === null) return capture(type, body, options);
    const made = await correct(fixing, type, body, options);
    stopCorrecting(screen);
    setFixing(null);
    return made;
  };
  return { field, draft, update, errors, setErrors, busy, saved, failure, sign, discard, correcting: fixing, correctingWhy: refusalText(field, fixing), record };
}

/** A field screen's frame: its heading (focused on navigation) and content. */
export function Screen({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="screen">
      <h1 tabIndex={-1}>{title}</h1>
      {children}
    </section>
  );
}

/** The screen shown instead of a form while this phone may not capture. */
export function NotEnrolled({ title }: { title: string }) {
  return (
    <Screen title={title}>
      <NeedsSetup />
    </Screen>
  );
}

interface CaptureFormProps {
  /** The form's element id (the browser tests and the outbox screens find it by that). */
  id: string;
  legend: string;
  busy: boolean;
  saved: string | null;
  /** Shown in the saved notice under its message (the delivery's receipt link). */
  savedExtra?: ComponentChildren;
  failure: string | null;
  /** The refused item the form corrects (a notice says so, with why), or null. */
  correcting?: string | null;
  correctingWhy?: string | null;
  onSave: () => void;
  onDiscard: () => void;
  children: ComponentChildren;
}

/** The saved and failure notices, then the form with its fields, the "draft kept" note and
 * the sign/discard bar. */
export function CaptureForm(p: CaptureFormProps) {
  return (
    <>
      <Saved message={p.saved}>{p.savedExtra}</Saved>
      {p.failure && <p class="notice error" role="alert">{p.failure}</p>}
      {p.correcting && (
        <div class="notice warning" id="correcting" role="status">
          <p>{t("field.correcting")}</p>
          {p.correctingWhy && <p class="correcting-why"><strong>{p.correctingWhy}</strong></p>}
        </div>
      )}
      <form class="capture" id={p.id} onSubmit={(e) => e.preventDefault()}>
        <fieldset class="form">
          <legend>{p.legend}</legend>
          {p.children}
          <p class="muted">{t("field.draft.kept")}</p>
          <Actions busy={p.busy} onSave={p.onSave} onDiscard={p.onDiscard} />
        </fieldset>
      </form>
    </>
  );
}

/** The producer a record belongs to, picked among the association's members (pending ones
 * marked). */
export function MemberSelect(p: { label: string; value: string; errors: FieldErrors; reference: Reference | null; onChange: (id: string) => void }) {
  return (
    <Select name="producer_id" label={p.label} value={p.value} errors={p.errors}
      options={memberOptions(p.reference?.members ?? [])} onChange={p.onChange} />
  );
}

/** The picked member, for the new record to depend on while the member is still pending. */
export function findMember(reference: Reference | null, id: string): Member | null {
  return reference?.members.find((m) => m.id === id) ?? null;
}

interface RecordListProps<R> {
  title: string;
  /** Shown instead of the list while there is nothing to list. */
  none: string;
  /** The list's element id. */
  id: string;
  reference: Reference | null;
  records: readonly R[];
  /** One record's card (`<li class="card">`). */
  card: (record: R) => ComponentChildren;
}

/** The records a screen lists under its form, with the notice when the reference data is
 * partial or stored from an earlier visit (offline). */
export function RecordList<R>(p: RecordListProps<R>) {
  return (
    <>
      <h2>{p.title}</h2>
      <ReferenceNotice reference={p.reference} />
      {p.records.length === 0 ? <p>{p.none}</p> : <ul class="cards" id={p.id}>{p.records.map(p.card)}</ul>}
    </>
  );
}
