/** Form pieces shared by the field screens: labelled inputs with their error in the user's
 * language, the member picker, the sign/discard bar with its confirmation, the notices. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { t } from "../i18n";
import { linkTo } from "../shell/router";
import { useStore } from "../shell/store";
import { deviceContext } from "./device";
import type { FieldErrors } from "./bodies";
import type { Member, Reference } from "./reference";
import { mxDate } from "../i18n";

interface InputProps {
  name: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  errors?: FieldErrors;
  type?: "text" | "date" | "email" | "tel";
  inputMode?: "text" | "decimal" | "numeric" | "email" | "tel";
  optional?: boolean;
  help?: string;
  multiline?: boolean;
}

export function Input(p: InputProps) {
  const error = p.errors?.[p.name];
  const id = `f-${p.name}`;
  const common = {
    id,
    name: p.name,
    value: p.value,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": error ? `${id}-error` : undefined,
    onInput: (e: Event) => p.onInput((e.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class={error ? "field invalid" : "field"}>
      <label for={id}>
        {p.label} {p.optional && <span class="muted">{t("field.optional")}</span>}
      </label>
      {p.multiline ? <textarea rows={3} {...common} /> : <input type={(p.type ?? "text") as "text"} inputMode={p.inputMode} {...common} />}
      {p.help && <p class="muted help">{p.help}</p>}
      {error && <p class="error" id={`${id}-error`} data-field={p.name}>{t(error)}</p>}
    </div>
  );
}

interface SelectProps {
  name: string;
  label: string;
  value: string;
  options: readonly { value: string; text: string }[];
  onChange: (value: string) => void;
  errors?: FieldErrors;
  placeholder?: boolean;
}

export function Select(p: SelectProps) {
  const error = p.errors?.[p.name];
  const id = `f-${p.name}`;
  return (
    <div class={error ? "field invalid" : "field"}>
      <label for={id}>{p.label}</label>
      <select id={id} name={p.name} value={p.value} aria-invalid={error ? true : undefined}
        onChange={(e) => p.onChange((e.currentTarget as HTMLSelectElement).value)}>
        {p.placeholder !== false && <option value="">{t("field.pick")}</option>}
        {p.options.map((o) => <option key={o.value} value={o.value}>{o.text}</option>)}
      </select>
      {error && <p class="error" id={`${id}-error`} data-field={p.name}>{t(error)}</p>}
    </div>
  );
}

export function Check(p: { name: string; label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <div class="field check">
      <input type="checkbox" id={`f-${p.name}`} name={p.name} checked={p.checked}
        onChange={(e) => p.onChange((e.currentTarget as HTMLInputElement).checked)} />
      <label for={`f-${p.name}`}>{p.label}</label>
    </div>
  );
}

export function memberOptions(members: readonly Member[]): { value: string; text: string }[] {
  return members.map((m) => ({
    value: m.id,
    text: `${m.id}${m.community ? ` · ${m.community}` : ""}${m.pending ? ` (${t("field.pending")})` : ""}`,
  }));
}

/** "Sign and save" plus "Discard" with an inline confirmation (no browser dialog). */
export function Actions({ busy, onSave, onDiscard }: { busy: boolean; onSave: () => void; onDiscard: () => void }) {
  const [confirming, setConfirming] = useState(false);
  if (confirming) {
    return (
      <div class="notice confirm" role="alertdialog" aria-labelledby="discard-q">
        <p id="discard-q">{t("field.discard.confirm")}</p>
        <div class="actions">
          <button type="button" class="button danger discard-yes" onClick={() => { setConfirming(false); onDiscard(); }}>{t("field.discard.yes")}</button>
          <button type="button" class="button secondary discard-no" onClick={() => setConfirming(false)}>{t("field.discard.no")}</button>
        </div>
      </div>
    );
  }
  return (
    <div class="actions">
      <button type="submit" class="button save" disabled={busy} onClick={(e) => { e.preventDefault(); onSave(); }}>
        {t(busy ? "field.saving" : "field.save")}
      </button>
      <button type="button" class="button secondary discard" onClick={() => setConfirming(true)}>{t("field.discard")}</button>
    </div>
  );
}

/** Why this phone may not capture: not enrolled yet (or never checked), revoked, expired. */
export function NeedsSetup() {
  const context = useStore(deviceContext);
  const status = context?.status ?? "not_enrolled";
  const key = status === "revoked" || status === "expired" ? `field.needs_setup.${status}` : "field.needs_setup";
  return (
    <div class="notice" role="status" id="needs-setup" data-status={status}>
      <p>{t(key)}</p>
      <a class="button" {...linkTo("setup")}>{t("field.needs_setup.link")}</a>
    </div>
  );
}

export function ReferenceNotice({ reference }: { reference: Reference | null }) {
  if (!reference) return null;
  if (reference.partial) return <p class="notice" role="status">{t("field.ref.partial")}</p>;
  if (reference.storedAt) return <p class="notice" role="status">{t("field.ref.stored", { date: mxDate(reference.storedAt) })}</p>;
  return null;
}

export function Saved({ message, children }: { message: string | null; children?: ComponentChildren }) {
  if (!message) return null;
  return (
    <div class="notice saved" role="status" id="saved">
      <p>{message}</p>
      {children}
    </div>
  );
}
