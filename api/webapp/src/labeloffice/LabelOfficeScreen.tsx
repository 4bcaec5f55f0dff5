/**
 * Etiquetas / Labels (office): the lots that may carry the biolabel with the eligibility
 * API's reasons, what the mass balance leaves to label, the issuances already made; issue
 * (signed here with the label-issuer key), preview, print a PDF sheet on A4, Letter or a
 * thermal roll, revoke a print run with a reason, see scans and copied-label alarms, and
 * download the trust list for offline verifiers. Offline it shows what it last read.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { language, mxDate, mxKg, mxNumber, t, useLanguage } from "../i18n";
import { KeyImport } from "../office/DevicesScreen";
import type { AssociationKey } from "../office/associationKey";
import { keysChanged } from "../shell/roles";
import { online } from "../shell/status";
import { useStore } from "../shell/store";
import type { SubmitOutcome } from "../sync/outcomes";
import { STOCKS, issuances, issue, labellableLots, preview, revokeRun, scans, sheet, type Issuance, type LabellableLot, type LotsAnswer, type Reason, type Scans, type Stock } from "./api";
import { forgetIssuerKey, importIssuerKey, isActiveIssuer, loadIssuerKey } from "./issuerKey";
import { signIssuance } from "./labelSign";
import { summarize } from "./summary";
import "./labels.css";

/** Labels per PDF: the server takes at most 500 label texts a request (128 KiB bodies). */
const SHEET_CHUNK = 400;

const reasonText = (r: Reason): string => (language() === "es" ? r.message_es : r.message_en);

function outcomeText(outcome: SubmitOutcome): string | null {
  if (outcome.kind === "accepted") return null;
  if (outcome.kind === "refused") return t("labels.refused", { reason: outcome.reason });
  return t("labels.failed", { reason: outcome.message });
}

function positive(text: string): number | null {
  return /^[1-9][0-9]{0,9}$/.test(text.trim()) ? Number(text.trim()) : null;
}

/** Why a lot may not carry the label: a short line per root failure, the eligibility API's
 * full sentences behind "Detalles" (`summary.ts`). */
function Reasons({ reasons }: { reasons: readonly Reason[] }) {
  return (
    <>
      <ul class="why">
        {summarize(reasons).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <details class="why-details">
        <summary>{t("labels.why.details")}</summary>
        <ul class="reasons">
          {reasons.map((r) => (
            <li key={`${r.code}:${r.subject}`} data-code={r.code}>
              {reasonText(r)}
            </li>
          ))}
        </ul>
      </details>
    </>
  );
}

function ScanTable({ found }: { found: Scans }) {
  if (found.data.length === 0) return <p class="muted scans-none">{t("labels.scans.none")}</p>;
  return (
    <div class="scans">
      <p>{t("labels.scans.summary", { scans: mxNumber(found.scans), alarms: mxNumber(found.alarms), days: found.window_days })}</p>
      <table>
        <thead>
          <tr>
            <th>{t("labels.scans.serial")}</th>
            <th>{t("labels.scans.count")}</th>
            <th>{t("labels.scans.places")}</th>
            <th>{t("labels.scans.devices")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {found.data.map((row) => (
            <tr key={row.serial ?? ""} class={row.anomalous ? "alarm" : undefined} data-serial={row.serial ?? ""}>
              <td>{row.serial ?? t("labels.scans.all")}</td>
              <td>{mxNumber(row.scans)}</td>
              <td>{mxNumber(row.places)}</td>
              <td>{mxNumber(row.devices)}</td>
              <td>{row.anomalous ? <strong>{t("labels.scans.alarm")}</strong> : t("labels.scans.ok")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RunCard({ run, keyPair, host, onDone }: { run: Issuance; keyPair: AssociationKey | null; host: string | null; onDone: () => void }) {
  const isOnline = useStore(online);
  const [stock, setStock] = useState<Stock>("a4");
  const [copies, setCopies] = useState(String(run.serial_from === null ? Math.min(run.units, SHEET_CHUNK) : 1));
  const [reason, setReason] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [pdf, setPdf] = useState<string | null>(null);
  const [previewText, setPreviewText] = useState<string | null>(null);
  const [found, setFound] = useState<Scans | null>(null);
  const mine = keyPair !== null && keyPair.keyId === run.key_id;
  const canPrint = mine && host !== null && isOnline && run.status === "active";
  const labelTexts = (): Promise<string[]> =>
    signIssuance(keyPair as AssociationKey, run.key_id, {
      host: host as string,
      gtin: run.gtin,
      lot: run.lot_number,
      seq: run.seq,
      day: run.day,
      units: run.units,
      serialFrom: run.serial_from,
    });
  const doPreview = async (): Promise<void> => {
    const [first] = await labelTexts();
    setPreviewText(first ?? null);
  };
  const doPrint = async (): Promise<void> => {
    const count = positive(copies);
    if (count === null || count > SHEET_CHUNK) return setMessage(t("labels.issue.bad_number"));
    setMessage(t("labels.run.printing", { count: mxNumber(run.serial_from === null ? count : run.units) }));
    try {
      const texts = await labelTexts();
      const copiesEach = run.serial_from === null ? count : 1;
      // One PDF per SHEET_CHUNK labels: a request carries at most 500 label texts.
      const parts: string[][] = [];
      for (let i = 0; i < texts.length; i += Math.max(1, Math.floor(SHEET_CHUNK / copiesEach))) {
        parts.push(texts.slice(i, i + Math.max(1, Math.floor(SHEET_CHUNK / copiesEach))));
      }
      if (pdf) URL.revokeObjectURL(pdf);
      let url = "";
      for (const [index, part] of parts.entries()) {
        url = URL.createObjectURL(await sheet(part, stock, copiesEach));
        const link = document.createElement("a");
        link.href = url;
        link.download = `etiquetas-${run.lot_number}-${run.seq}-${stock}${parts.length > 1 ? `-${index + 1}` : ""}.pdf`;
        link.click();
      }
      setPdf(url);
      setMessage(t("labels.run.printed", { count: mxNumber(texts.length * copiesEach) }));
    } catch (error) {
      setMessage(t("labels.failed", { reason: (error as Error).message }));
    }
  };
  const doRevoke = async (): Promise<void> => {
    if (keyPair === null) return setMessage(t("labels.issue.no_key"));
    if (reason.trim().length < 2) return setMessage(t("labels.run.reason_short"));
    if (!window.confirm(t("labels.run.revoke_confirm", { seq: run.seq }))) return;
    const outcome = await revokeRun(keyPair, run.seq, reason.trim());
    const failed = outcomeText(outcome);
    setMessage(failed ?? t("labels.run.revoked_done", { seq: outcome.kind === "accepted" ? mxNumber(outcome.entry.seq) : "" }));
    if (failed === null) onDone();
  };
  const revokedReason = language() === "es" ? run.reason_es : run.reason_en;
  return (
    <li class="card run" data-seq={run.seq} data-status={run.status}>
      <p class="card-title">{t("labels.run.title", { seq: run.seq })}</p>
      <p>{t("labels.run.detail", { units: mxNumber(run.units), unit: mxKg(run.unit_g), day: mxDate(run.day) })}</p>
      {run.serial_from !== null && <p class="muted">{t("labels.run.serials", { first: run.serial_from, last: run.serial_from + run.units - 1 })}</p>}
      <p class="run-status">{run.status === "active" ? t("labels.run.active") : t("labels.run.revoked", { reason: revokedReason ?? "" })}</p>
      {!mine && keyPair !== null && <p class="muted">{t("labels.run.other_key", { key: run.key_id.slice(0, 12) })}</p>}
      {canPrint && (
        <div class="stack">
          <button type="button" class="button secondary run-preview" onClick={() => void doPreview()}>
            {t("labels.run.preview")}
          </button>
          {previewText && <img class="label-preview" alt={previewText} src={`/api/v1/labels/printable?text=${encodeURIComponent(previewText)}`} />}
          <label>
            {t("labels.run.stock")}
            <select class="input run-stock" value={stock} onChange={(e) => setStock((e.target as HTMLSelectElement).value as Stock)}>
              {STOCKS.map((s) => (
                <option key={s} value={s}>
                  {t(`labels.stock.${s}`)}
                </option>
              ))}
            </select>
          </label>
          {run.serial_from === null && (
            <label>
              {t("labels.run.copies")}
              <input class="input run-copies" inputMode="numeric" value={copies} onInput={(e) => setCopies((e.target as HTMLInputElement).value)} />
            </label>
          )}
          <button type="button" class="button run-print" onClick={() => void doPrint()}>
            {t("labels.run.print")}
          </button>
          {pdf && (
            <a class="button secondary run-pdf" href={pdf} target="_blank" rel="noopener">
              {t("labels.run.open_pdf")}
            </a>
          )}
        </div>
      )}
      {run.status === "active" && keyPair !== null && isOnline && (
        <div class="stack">
          <label>
            {t("labels.run.reason")}
            <input class="input run-reason" maxLength={500} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          </label>
          <button type="button" class="button danger run-revoke" onClick={() => void doRevoke()}>
            {t("labels.run.revoke")}
          </button>
        </div>
      )}
      {isOnline && (
        <button type="button" class="button secondary run-scans" onClick={() => void scans(run.seq).then(setFound, (e: Error) => setMessage(t("labels.failed", { reason: e.message })))}>
          {t("labels.run.scans")}
        </button>
      )}
      {found && <ScanTable found={found} />}
      {message && (
        <p role="status" class="run-message">
          {message}
        </p>
      )}
    </li>
  );
}

function IssueForm({ lot, keyPair, onDone }: { lot: LabellableLot; keyPair: AssociationKey | null; onDone: () => void }) {
  const [units, setUnits] = useState("1");
  const [unitG, setUnitG] = useState(lot.unit_g === null ? "" : String(lot.unit_g));
  const [serials, setSerials] = useState(false);
  const [serialFrom, setSerialFrom] = useState("1");
  const [message, setMessage] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  const values = (): { units: number; unitG: number; serialFrom: number | null } | null => {
    const u = positive(units);
    const g = positive(unitG);
    const s = serials ? positive(serialFrom) : null;
    if (u === null || g === null || (serials && s === null)) return null;
    return { units: u, unitG: g, serialFrom: s };
  };
  const check = async (): Promise<void> => {
    setReady(false);
    const v = values();
    if (v === null) return setMessage(t("labels.issue.bad_number"));
    try {
      const answer = await preview(lot.lot_id, v.units, v.unitG);
      const amounts = { requested: mxKg(answer.requested_g ?? 0), available: mxKg(answer.available_g) };
      if (answer.can_issue) setMessage(t("labels.issue.ok", amounts));
      else if (!answer.fits) setMessage(t("labels.issue.too_much", amounts));
      else setMessage(t("labels.issue.cannot"));
      setReady(answer.can_issue);
    } catch (error) {
      setMessage(t("labels.failed", { reason: (error as Error).message }));
    }
  };
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (keyPair === null) return setMessage(t("labels.issue.no_key"));
    const v = values();
    if (v === null) return setMessage(t("labels.issue.bad_number"));
    const outcome = await issue(keyPair, { lot, ...v });
    const failed = outcomeText(outcome);
    setMessage(failed ?? t("labels.issue.done", { seq: outcome.kind === "accepted" ? mxNumber(outcome.entry.seq) : "" }));
    setReady(false);
    if (failed === null) onDone();
  };
  return (
    <form class="stack issue" onSubmit={(e) => void submit(e)}>
      <h3>{t("labels.issue.title")}</h3>
      <label>
        {t("labels.issue.units")}
        <input class="input" id="issue-units" inputMode="numeric" value={units} onInput={(e) => (setUnits((e.target as HTMLInputElement).value), setReady(false))} />
      </label>
      <label>
        {t("labels.issue.unit_g")}
        <input class="input" id="issue-unit-g" inputMode="numeric" value={unitG} onInput={(e) => (setUnitG((e.target as HTMLInputElement).value), setReady(false))} />
      </label>
      <label class="check">
        <input type="checkbox" id="issue-serials" checked={serials} onChange={(e) => (setSerials((e.target as HTMLInputElement).checked), setReady(false))} />
        {t("labels.issue.serials")}
      </label>
      {serials && (
        <label>
          {t("labels.issue.serial_from")}
          <input class="input" id="issue-serial-from" inputMode="numeric" value={serialFrom} onInput={(e) => (setSerialFrom((e.target as HTMLInputElement).value), setReady(false))} />
        </label>
      )}
      <button type="button" class="button secondary" id="issue-check" onClick={() => void check()}>
        {t("labels.issue.check")}
      </button>
      <button type="submit" class="button" id="issue-submit" disabled={!ready || keyPair === null}>
        {t("labels.issue.submit")}
      </button>
      {message && (
        <p role="status" id="issue-status">
          {message}
        </p>
      )}
    </form>
  );
}

function LotPanel({ lot, keyPair, host, onChange }: { lot: LabellableLot; keyPair: AssociationKey | null; host: string | null; onChange: () => void }) {
  const isOnline = useStore(online);
  const [runs, setRuns] = useState<Issuance[] | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!isOnline) return;
    void issuances(lot.lot_id).then(setRuns, () => setRuns(null));
  }, [lot.lot_id, isOnline, tick]);
  const refresh = (): void => {
    setTick((n) => n + 1);
    onChange();
  };
  return (
    <div class="stack lot-panel" id="lot-panel" data-lot-id={lot.lot_id}>
      {lot.eligibility.eligible && !lot.labels_revoked && isOnline && <IssueForm lot={lot} keyPair={keyPair} onDone={refresh} />}
      <h3>{t("labels.runs.title")}</h3>
      {runs !== null && runs.length === 0 && <p class="muted">{t("labels.runs.none")}</p>}
      {runs !== null && runs.length > 0 && (
        <ul class="cards runs">
          {[...runs].reverse().map((run) => (
            <RunCard key={`${run.seq}:${run.status}`} run={run} keyPair={keyPair} host={host} onDone={refresh} />
          ))}
        </ul>
      )}
    </div>
  );
}

function LotCard({ lot, open, onOpen, children }: { lot: LabellableLot; open: boolean; onOpen: () => void; children?: ComponentChildren }) {
  return (
    <li class="card lot" data-lot-id={lot.lot_id} data-eligible={String(lot.eligibility.eligible)}>
      <p class="card-title">{lot.lot_number}</p>
      <p class="muted">{lot.lot_id}</p>
      {lot.eligibility.eligible ? (
        <p class="pill online eligible">{t("labels.eligible")}</p>
      ) : (
        <div class="ineligible">
          <p class="pill offline">{t("labels.ineligible")}</p>
          <Reasons reasons={lot.eligibility.reasons} />
        </div>
      )}
      <p class="figure remaining">{t("labels.remaining", { available: mxKg(lot.available_g), total: mxKg(lot.quantity_g) })}</p>
      <p class="muted">{t("labels.balance", { labelled: mxKg(lot.labelled_g), consumed: mxKg(lot.consumed_g) })}</p>
      <p class="muted">{t("labels.runs", { count: mxNumber(lot.issuances) })}</p>
      {lot.labels_revoked && <p class="notice">{t("labels.revoked_lot")}</p>}
      <button type="button" class="button secondary lot-open" aria-expanded={open} onClick={onOpen}>
        {t(open ? "labels.close" : "labels.open")}
      </button>
      {open && children}
    </li>
  );
}

export function LabelOfficeScreen() {
  useLanguage();
  const isOnline = useStore(online);
  const [keyPair, setKeyPair] = useState<AssociationKey | null | undefined>(undefined);
  const [issuer, setIssuer] = useState<boolean | null>(null);
  const [lots, setLots] = useState<LotsAnswer | "failed" | null>(null);
  const [openLot, setOpenLot] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => void loadIssuerKey().then((k) => setKeyPair(k ?? null)), []);
  useEffect(() => {
    if (keyPair) void isActiveIssuer(keyPair.keyId).then(setIssuer);
  }, [keyPair, isOnline]);
  useEffect(() => void labellableLots().then(setLots, () => setLots("failed")), [isOnline, tick]);
  return (
    <section class="screen label-office">
      <h1 tabIndex={-1}>{t("shell.nav.labels")}</h1>
      <p class="lead">{t("labels.intro")}</p>
      {keyPair === null && <KeyImport onKey={setKeyPair} importKey={importIssuerKey} title={t("labels.key.title")} help={t("labels.key.help")} />}
      {keyPair && (
        <p class="muted" id="issuer-key">
          {t("labels.key.loaded", { key: keyPair.keyId.slice(0, 12) })}
        </p>
      )}
      {keyPair && issuer === false && (
        <p class="notice" id="not-issuer">
          {t("labels.key.not_issuer", { key: keyPair.keyId.slice(0, 12) })}
        </p>
      )}
      <p>
        <a class="button secondary" id="trustlist" href="/api/v1/trustlist" download="biotraza-trust-list.json">
          {t("labels.trustlist")}
        </a>
      </p>
      <p class="muted">{t("labels.trustlist.help")}</p>
      {lots === "failed" && (
        <div class="notice" role="status">
          <p>{t("labels.unavailable")}</p>
          <button type="button" class="button" onClick={() => setTick((n) => n + 1)}>
            {t("labels.retry")}
          </button>
        </div>
      )}
      {lots !== null && lots !== "failed" && (
        <>
          {lots.storedAt && (
            <p class="notice" role="status" id="labels-stored">
              {t("labels.offline", { date: mxDate(lots.storedAt) })}
            </p>
          )}
          {lots.resolver_host === null && lots.resolver_problem && <p class="notice">{t("labels.no_host", { reason: lots.resolver_problem })}</p>}
          {lots.data.length === 0 && <p>{t("labels.lots.none")}</p>}
          <ul class="cards" id="label-lots">
            {lots.data.map((lot) => (
              <LotCard key={lot.lot_id} lot={lot} open={lot.lot_id === openLot} onOpen={() => setOpenLot(lot.lot_id === openLot ? null : lot.lot_id)}>
                <LotPanel lot={lot} keyPair={keyPair ?? null} host={lots.resolver_host} onChange={() => setTick((n) => n + 1)} />
              </LotCard>
            ))}
          </ul>
        </>
      )}
      {keyPair && (
        <p>
          <button type="button" class="button secondary" id="issuer-forget" onClick={() => void forgetIssuerKey().then(() => (setKeyPair(null), keysChanged()))}>
            {t("labels.key.forget")}
          </button>
        </p>
      )}
    </section>
  );
}
