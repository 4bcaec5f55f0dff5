/**
 * Half-filled forms survive a reload, a closed tab or a dead battery: each screen's draft is
 * kept in localStorage under `biotraza.draft.<screen>` on every change, and cleared when the
 * record is signed or the technician discards it (after confirming).
 */
import { useRef, useState } from "preact/hooks";

const PREFIX = "biotraza.draft.";

export function loadDraft<T extends object>(screen: string, empty: T): T {
  try {
    const text = globalThis.localStorage?.getItem(PREFIX + screen);
    if (text) return { ...empty, ...(JSON.parse(text) as Partial<T>) };
  } catch {
    // A broken or refused store: start from an empty form.
  }
  return empty;
}

export function saveDraft(screen: string, value: object): void {
  try {
    globalThis.localStorage?.setItem(PREFIX + screen, JSON.stringify(value));
  } catch {
    // Storage full or refused: the form still works, only not across a reload.
  }
}

export function clearDraft(screen: string): void {
  try {
    globalThis.localStorage?.removeItem(PREFIX + screen);
  } catch {
    // Nothing to clear.
  }
}

/** A form's state, kept as the screen's draft; `reset` clears the draft too. Each change is
 * written at once (not in an effect after the next paint), so a tab closed right after a
 * keystroke still keeps it. */
export function useDraft<T extends object>(screen: string, empty: () => T): [T, (patch: Partial<T>) => void, () => void] {
  const [value, setValue] = useState<T>(() => loadDraft(screen, empty()));
  const current = useRef(value);
  current.current = value;
  const update = (patch: Partial<T>) => {
    const next = { ...current.current, ...patch };
    current.current = next;
    saveDraft(screen, next);
    setValue(next);
  };
  const reset = () => {
    clearDraft(screen);
    const fresh = empty();
    current.current = fresh;
    setValue(fresh);
  };
  return [value, update, reset];
}
