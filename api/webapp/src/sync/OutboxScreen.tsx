/**
 * Envío / Outbox: what this phone still has to send, what reached the server (and was proved
 * to be in the log), and what the server refused, with the reason in the user's language.
 * Also the phone's short code and its request to be enrolled, the pinned log key, the sync
 * button and the progress of the run going on.
 */
import { useEffect, useState } from "preact/hooks";
import { mxDate, mxNumber, t, useLanguage } from "../i18n";
import type { OutboxItem } from "../outbox/types";
import { online } from "../shell/status";
import { useStore } from "../shell/store";
import { reasonMessageKey } from "./messages";
import { shortCode } from "../crypto/keys";
import { correctionScreen, startCorrection } from "../field/correction";
import { navigate } from "../shell/router";
import { lastReport, pinnedOperatorKey, requestEnrolment, session, syncNow, syncProgress } from "./session";

/** Items shown per list; the counts above always cover everything. */
const SHOWN = 50;

function useOutboxItems(): OutboxItem[] | null {
  const [items, setItems] = useState<OutboxItem[] | null>(null);
  useEffect(() => {
    let unsubscribe: (() => void) | undefined;
    let pending = false;
    let alive = true;
    void session().then(({ outbox }) => {
      const read = (): void => {
        if (pending) return;
        pending = true;
        // One read per burst of changes (a request of 1,000 results is one change).
        setTimeout(() => {
          pending = false;
          void outbox.list().then((list) => alive && setItems(list));
        }, 100);
      };
      void outbox.list().then((list) => alive && setItems(list));
      unsubscribe = outbox.subscribe(read);
    });
    return () => {
      alive = false;
      unsubscribe?.();
    };
  }, []);
  return items;
}

/** Refusals that a new statement cannot fix from this phone: a dependent item goes back to the
 * queue by itself once the item it depends on is corrected; a revoked phone signs nothing. */
const NOT_CORRECTABLE = new Set(["dependency_refused", "device_revoked"]);

/** Whether the item gets a "Corregir" button: refused, not corrected yet, made by a field form. */
export function correctable(item: Pick<OutboxItem, "state" | "refusal" | "supersededBy" | "signed">): boolean {
  return item.state === "refused" && item.supersededBy === null && !NOT_CORRECTABLE.has(item.refusal?.code ?? "") && correctionScreen(item) !== null;
}

function Item({ item }: { item: OutboxItem }) {
  const refusal = item.refusal;
  return (
    <li class="card outbox-item" data-state={item.state} data-key={item.key} data-code={refusal?.code ?? ""}>
      <p class="card-title">{item.signed.statement.type}</p>
      <p class="muted">{t("sync.outbox.captured", { date: mxDate(item.capturedAt) })}</p>
      <p>{t(`sync.state.${item.state}`)}</p>
      {item.acceptance && <p class="muted">{t("sync.outbox.seq", { seq: mxNumber(item.acceptance.seq) })}</p>}
      {refusal && (
        <div class="refusal">
          <p class="reason">{t(reasonMessageKey(refusal.code))}</p>
          {refusal.field && <p class="muted">{t("sync.outbox.field", { field: refusal.field })}</p>}
          <p class="muted">{t("sync.outbox.server_says", { reason: refusal.reason })}</p>
          {item.supersededBy && <p>{t("sync.corrected")}</p>}
          {correctable(item) && (
            <button type="button" class="button correct" onClick={() => navigate(startCorrection(item))}>
              {t("sync.action.correct")}
            </button>
          )}
        </div>
      )}
    </li>
  );
}

function List({ id, title, items }: { id: string; title: string; items: OutboxItem[] }) {
  return (
    <>
      <h2>{title}</h2>
      {items.length === 0 ? (
        <p class="muted">{t("sync.outbox.none")}</p>
      ) : (
        <ul class="cards" id={id}>
          {items.slice(0, SHOWN).map((item) => (
            <Item key={item.key} item={item} />
          ))}
          {items.length > SHOWN && <li class="muted">{t("sync.outbox.more", { count: items.length - SHOWN })}</li>}
        </ul>
      )}
    </>
  );
}

function Enrolment() {
  const [code, setCode] = useState<string | null>(null);
  const [label, setLabel] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const isOnline = useStore(online);
  useEffect(() => void session().then(({ device }) => setCode(shortCode(device.keyId))), []);
  const ask = async (event: Event): Promise<void> => {
    event.preventDefault();
    try {
      setMessage(t("sync.outbox.requested", { code: await requestEnrolment(label.trim() || (code ?? "")) }));
    } catch {
      setMessage(t("sync.outbox.request_failed"));
    }
  };
  const pinned = pinnedOperatorKey();
  return (
    <div class="notice">
      <h2>{t("sync.outbox.device")}</h2>
      <p class="device-code" id="device-code">{code === null ? "…" : t("sync.outbox.code", { code })}</p>
      <p class="muted">{t("sync.outbox.code_help")}</p>
      <form onSubmit={(e) => void ask(e)} class="stack">
        <label>
          {t("sync.outbox.label")}
          <input id="device-label" class="input" value={label} maxLength={100} onInput={(e) => setLabel((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="button" id="request-enrolment" disabled={!isOnline}>
          {t("sync.outbox.request")}
        </button>
      </form>
      {message && <p role="status" id="enrolment-status">{message}</p>}
      <p class="muted" id="operator-key">{pinned === null ? t("sync.outbox.not_pinned") : t("sync.outbox.pinned", { key: pinned.split("+").slice(0, 2).join("+") })}</p>
    </div>
  );
}

export function OutboxScreen() {
  useLanguage();
  const isOnline = useStore(online);
  const progress = useStore(syncProgress);
  const report = useStore(lastReport);
  const items = useOutboxItems();
  const [running, setRunning] = useState(false);
  const sync = (): void => {
    setRunning(true);
    void syncNow()
      .catch(() => undefined)
      .finally(() => setRunning(false));
  };
  const by = (states: readonly string[]) => (items ?? []).filter((i) => states.includes(i.state));
  const pending = by(["queued", "sending"]);
  const refused = by(["refused"]).reverse();
  const sent = by(["accepted", "confirmed"]).reverse();
  const stopped = report?.stoppedBy;
  return (
    <section class="screen">
      <h1 tabIndex={-1}>{t("shell.outbox.title")}</h1>
      <p class="lead">{t("shell.outbox.about")}</p>
      {!isOnline && <p class="notice" role="status">{t("sync.outbox.offline")}</p>}
      <p>
        <button type="button" class="button" id="sync-now" disabled={!isOnline || running || progress !== null} onClick={sync}>
          {t("sync.action.sync")}
        </button>
      </p>
      {progress !== null && (
        <div role="status" id="sync-progress">
          <progress max={Math.max(progress.total, 1)} value={progress.sent} />
          <p>{t("sync.outbox.progress", { sent: progress.sent, total: progress.total, proved: progress.proved })}</p>
        </div>
      )}
      {report && progress === null && (
        <p role="status" id="sync-report">
          {t("sync.outbox.done", { accepted: report.accepted, confirmed: report.confirmed, refused: report.refused })}
        </p>
      )}
      {stopped && (
        <p class="notice warning" role="alert" id="sync-stopped" data-code={stopped.code}>
          {t("sync.outbox.stopped", { reason: t(reasonMessageKey(stopped.code)) })}
        </p>
      )}
      <ul class="counts" id="outbox-counts">
        <li data-count="queued">{t("sync.outbox.count.queued")}: <strong>{mxNumber(pending.length)}</strong></li>
        <li data-count="accepted">{t("sync.outbox.count.accepted")}: <strong>{mxNumber(by(["accepted"]).length)}</strong></li>
        <li data-count="confirmed">{t("sync.outbox.count.confirmed")}: <strong>{mxNumber(by(["confirmed"]).length)}</strong></li>
        <li data-count="refused">{t("sync.outbox.count.refused")}: <strong>{mxNumber(refused.length)}</strong></li>
      </ul>
      <List id="outbox-refused" title={t("sync.outbox.refused")} items={refused} />
      <List id="outbox-pending" title={t("sync.outbox.pending")} items={pending} />
      <List id="outbox-sent" title={t("sync.outbox.sent")} items={sent} />
      <Enrolment />
    </section>
  );
}
