/**
 * The inspector's screen: enrol the browser as a certifier key, download an inspection plan,
 * record evidence per subject offline (values, a photo, GPS and time), see the findings the
 * ledger will compute and what it would refuse, then sign the verification — offline too: it
 * lists its evidence by id (findings version 2) and waits in the outbox behind that evidence
 * — or revoke one with a reason.
 *
 * Shown to every device, acting only for a certifier key: a device whose key is not one sees
 * how to be enrolled (docs/certifier-app.md). Every write is a statement signed on the
 * device key and queued in the outbox (`capture`); the ledger decides.
 */
import { truncateCoordinate } from "../geo/truncate";
import { useEffect, useState } from "preact/hooks";
import { shortCode } from "../crypto/keys";
import type { DeviceKey } from "../crypto/keystore";
import { deviceKey } from "../field/device";
import { language, mxDate, mxNumber, t, useLanguage } from "../i18n";
import { online } from "../shell/status";
import { useStore } from "../shell/store";
import { capture } from "../sync/corrections";
import { reasonMessageKey } from "../sync/messages";
import { requestEnrolment, session, syncNow } from "../sync/session";
import type { Criterion, Evaluation, Finding, SubjectKind } from "./evaluate";
import {
  evidenceBody,
  evidenceIdsFor,
  findingGroups,
  findingsFor,
  inspectedSubject,
  observationFile,
  preSign,
  readValue,
  revocationBody,
  verificationBody,
  type Attachment,
  type FindingGroup,
  type Plan,
  type Problem,
} from "./inspection";
import { certifierRole, refreshCertifierRole } from "./role";
import { CertifierStore, downloadPlan, PlanError, uploadBlobs, type StoredObservation, type StoredPlan } from "./store";
import "./certifier.css";

const today = (): string => new Date().toISOString().slice(0, 10);
const addYear = (day: string): string => `${Number(day.slice(0, 4)) + 1}${day.slice(4)}`;

/** Observations in capture order (the time, then the id, which carries the millisecond):
 * the order a verification lists them in, so on the same day the later one decides. */
function captureOrder(list: readonly StoredObservation[]): StoredObservation[] {
  return [...list].sort((a, b) => (a.observedAt < b.observedAt ? -1 : a.observedAt > b.observedAt ? 1 : a.evidence_id < b.evidence_id ? -1 : a.evidence_id > b.evidence_id ? 1 : 0));
}

/** Files first, then the outbox (evidence before the verification that lists it): what
 * "Sign" does with signal and what returning signal does by itself. Failures stay pending. */
async function sendNow(store: CertifierStore): Promise<void> {
  const { device } = await session();
  await uploadBlobs(store, device, device.keyId).catch(() => undefined);
  await syncNow().catch(() => undefined);
}

let storePromise: Promise<CertifierStore> | null = null;
function certifierStore(): Promise<CertifierStore> {
  storePromise ??= CertifierStore.open();
  return storePromise;
}

/** A criterion's unit as written after a number (`" %"`, `" kg"`), none for counts, yes/no,
 * lists and dates. */
function unitSuffix(c: Criterion): string {
  return c.unit === "%" ? " %" : ["count", "bool", "list", "date", "-"].includes(c.unit) ? "" : ` ${c.unit}`;
}

/** The threshold of a criterion in words: `≥ 40 %`, `sí`, `ninguno de: …`. */
function rule(c: Criterion): string {
  const unit = unitSuffix(c);
  const th = c.threshold;
  const symbols: Record<string, string> = { gte: "≥", gt: ">", lte: "≤", lt: "<", eq: "=" };
  const symbol = symbols[c.operator];
  if (symbol !== undefined) return `${symbol} ${typeof th === "number" ? mxNumber(th) : String(th)}${unit}`;
  if (c.operator === "is_true") return t("certifier.rule.yes");
  if (c.operator === "is_false") return t("certifier.rule.no");
  if (Array.isArray(th)) return t(`certifier.rule.${c.operator}`, { items: th.join(", ") });
  return t(`certifier.rule.${c.operator}`, { items: typeof th === "object" && th !== null ? Object.values(th).join(" – ") : String(th) });
}

function isBool(c: Criterion): boolean {
  return c.operator === "is_true" || c.operator === "is_false" || (c.operator === "eq" && typeof c.threshold === "boolean");
}

function position(): Promise<{ lat: number; lon: number; accuracy_m: number | null } | null> {
  return new Promise((resolve) => {
    if (!("geolocation" in navigator)) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      // Truncated to 6 decimals as the EU system does, never rounded (`geo/truncate.ts`).
      (p) => resolve({ lat: truncateCoordinate(p.coords.latitude), lon: truncateCoordinate(p.coords.longitude), accuracy_m: Math.round(p.coords.accuracy) }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 5000, maximumAge: 60_000 },
    );
  });
}

function problemText(p: Problem): string {
  switch (p.code) {
    case "not_accredited":
      return t("certifier.problem.not_accredited", { certifier: p.certifier });
    case "accreditation_status":
      return t("certifier.problem.accreditation_status", { status: p.status });
    case "accreditation_window":
      return t("certifier.problem.accreditation_window", { from: mxDate(p.from), until: mxDate(p.until) });
    case "accreditation_standard":
      return t("certifier.problem.accreditation_standard", { standard: p.standard });
    case "accreditation_product":
      return t("certifier.problem.accreditation_product", { product: p.product });
    case "outside_scope":
      return t("certifier.problem.outside_scope", { subject: p.subject });
    case "empty_scope":
      return t("certifier.problem.empty_scope");
    case "as_of_future":
      return t("certifier.problem.as_of_future", { day: mxDate(p.asOf) });
    case "missing_evidence":
      return t("certifier.problem.missing_evidence", { subject: p.subject, criterion: p.criterion });
  }
}

function Enrol({ device }: { device: DeviceKey }) {
  const isOnline = useStore(online);
  const [label, setLabel] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const ask = () => {
    if (label.trim().length < 1) return setMessage(t("certifier.enrol.label_needed"));
    void requestEnrolment(label.trim()).then(
      () => setMessage(t("certifier.enrol.sent")),
      () => setMessage(t("certifier.enrol.failed")),
    );
  };
  return (
    <div class="notice" id="certifier-not-enrolled">
      <p>{t("certifier.enrol.not_certifier")}</p>
      <p class="code-label">{t("certifier.enrol.code")}</p>
      <p class="short-code" id="certifier-code">{shortCode(device.keyId)}</p>
      <label>
        {t("certifier.enrol.label")}
        <input id="certifier-label" value={label} onInput={(e) => setLabel(e.currentTarget.value)} />
      </label>
      <button type="button" class="button" id="certifier-request" disabled={!isOnline} onClick={ask}>
        {t("certifier.enrol.request")}
      </button>
      <button type="button" class="button secondary" id="certifier-recheck" disabled={!isOnline} onClick={() => void refreshCertifierRole(device.keyId)}>
        {t("certifier.enrol.check")}
      </button>
      {message && <p role="status" id="certifier-enrol-message">{message}</p>}
    </div>
  );
}

function Download({ onDone }: { onDone: (p: StoredPlan) => void }) {
  const isOnline = useStore(online);
  const [association, setAssociation] = useState("");
  const [standard, setStandard] = useState("coffee-ab@1");
  const [product, setProduct] = useState("coffee");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const go = async () => {
    setError(null);
    if (!association.trim()) return setError(t("certifier.plan.association_needed"));
    setBusy(true);
    try {
      const plan = await downloadPlan(fetch, association.trim(), standard.trim(), product);
      onDone(await (await certifierStore()).savePlan(plan));
    } catch (e) {
      const code = e instanceof PlanError ? (e.status === 404 ? "not_found" : e.status === 422 ? "product" : e.code) : "network";
      setError(t(`certifier.plan.error.${code}`));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" id="plan-download" onSubmit={(e) => { e.preventDefault(); void go(); }}>
      <h2>{t("certifier.plan.download")}</h2>
      <label>
        {t("certifier.plan.association")}
        <input id="plan-association" name="association" value={association} onInput={(e) => setAssociation(e.currentTarget.value)} />
      </label>
      <label>
        {t("certifier.plan.standard")}
        <input id="plan-standard" name="standard" value={standard} onInput={(e) => setStandard(e.currentTarget.value)} />
      </label>
      <label>
        {t("certifier.plan.product")}
        <select id="plan-product" value={product} onChange={(e) => setProduct(e.currentTarget.value)}>
          {["coffee", "cacao", "honey"].map((p) => (
            <option key={p} value={p}>{t(`certifier.product.${p}`)}</option>
          ))}
        </select>
      </label>
      {error && <p class="error" role="alert" id="plan-error">{error}</p>}
      <button type="submit" class="button" id="plan-submit" disabled={!isOnline || busy}>
        {t(isOnline ? "certifier.plan.get" : "certifier.plan.offline")}
      </button>
    </form>
  );
}

interface SubjectFormProps {
  plan: StoredPlan;
  kind: SubjectKind;
  subjectId: string;
  criteria: readonly Criterion[];
  observations: readonly StoredObservation[];
  onSaved: () => void;
}

function SubjectForm({ plan, kind, subjectId, criteria, observations, onSaved }: SubjectFormProps) {
  const lang = language();
  const latest = (field: string) => observations.filter((o) => o.subject_id === subjectId && o.field === field).at(-1);
  const [values, setValues] = useState<Record<string, string>>({});
  const [photo, setPhoto] = useState<File | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const done = criteria.filter((c) => latest(c.field) !== undefined).length;
  const save = async () => {
    const problems: Record<string, string> = {};
    const read: [Criterion, StoredObservation["value"]][] = [];
    for (const c of criteria) {
      const text = values[c.field];
      if (text === undefined || text === "") continue;
      const r = readValue(c, text);
      if (r.ok) read.push([c, r.value]);
      else problems[c.field] = t(`certifier.error.${r.error}`);
    }
    setErrors(problems);
    if (Object.keys(problems).length || read.length === 0) {
      if (read.length === 0 && !Object.keys(problems).length) setSaved(t("certifier.subject.nothing"));
      return;
    }
    const store = await certifierStore();
    const { device } = await session();
    const photoAttachment: Attachment | null = photo
      ? { sha256: await store.putBlob(new Uint8Array(await photo.arrayBuffer()), photo.type || "image/jpeg"), media_type: photo.type || "image/jpeg", name: photo.name.slice(0, 200) || "foto.jpg" }
      : null;
    const where = await position();
    const observedAt = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    for (const [c, value] of read) {
      const evidenceId = `ev-${device.keyId.slice(0, 6)}-${Date.now().toString(36)}-${c.field.replaceAll("_", "-")}`.slice(0, 64);
      const base = { evidence_id: evidenceId, subject_kind: kind, subject_id: subjectId, field: c.field, value, observed_on: today(), method: t("certifier.method"), seq: null };
      const fileHash = await store.putBlob(observationFile(base, where, observedAt), "application/json");
      const attachments: Attachment[] = [{ sha256: fileHash, media_type: "application/json", name: "observation.json" }];
      if (photoAttachment) attachments.push(photoAttachment);
      const observation: StoredObservation = { ...base, attachments, planKey: plan.key, observedAt, outboxKey: null };
      const captured = await capture("evidence.recorded", evidenceBody(observation), { meta: { title: `${subjectId}: ${c.title[lang]}` } });
      await store.saveObservation({ ...observation, outboxKey: captured.item.key });
    }
    setValues({});
    setPhoto(null);
    setSaved(t("certifier.subject.saved", { count: read.length }));
    onSaved();
  };
  return (
    <details class="subject card" id={`subject-${kind}-${subjectId}`}>
      <summary>
        {t(`certifier.kind.${kind}`)} {subjectId} · {t("certifier.subject.done", { done, total: criteria.length })}
      </summary>
      {criteria.map((c) => {
        const last = latest(c.field);
        const id = `v-${subjectId}-${c.field}`;
        return (
          <div class="criterion" key={c.id}>
            <label for={id}>
              <strong>{c.title[lang]}</strong> <span class="muted">({rule(c)})</span>
            </label>
            <p class="muted guidance">{c.guidance[lang]}</p>
            {isBool(c) ? (
              <select id={id} data-field={c.field} value={values[c.field] ?? ""} onChange={(e) => setValues({ ...values, [c.field]: e.currentTarget.value })}>
                <option value="">—</option>
                <option value="true">{t("certifier.yes")}</option>
                <option value="false">{t("certifier.no")}</option>
              </select>
            ) : (
              <input id={id} data-field={c.field} inputMode={["gte", "gt", "lte", "lt"].includes(c.operator) ? "decimal" : "text"} value={values[c.field] ?? ""} onInput={(e) => setValues({ ...values, [c.field]: e.currentTarget.value })} />
            )}
            {errors[c.field] && <p class="error" role="alert">{errors[c.field]}</p>}
            {last && <p class="muted recorded">{t("certifier.subject.recorded", { value: JSON.stringify(last.value), day: mxDate(last.observed_on) })}</p>}
          </div>
        );
      })}
      <label>
        {t("certifier.subject.photo")}
        <input type="file" accept="image/*" capture="environment" id={`photo-${subjectId}`} onChange={(e) => setPhoto(e.currentTarget.files?.[0] ?? null)} />
      </label>
      <button type="button" class="button" id={`save-${subjectId}`} onClick={() => void save()}>
        {t("certifier.subject.save")}
      </button>
      {saved && <p role="status">{saved}</p>}
    </details>
  );
}

/** What was measured for a finding, in the user's words and number format (`25 %`, `sí`,
 * `—` when no evidence). */
export function measured(f: Finding, c: Criterion | undefined): string {
  const v = f.value;
  if (v === null || v === undefined) return "—";
  if (typeof v === "boolean") return t(v ? "certifier.value.yes" : "certifier.value.no");
  if (typeof v === "number") return `${mxNumber(v)}${c ? unitSuffix(c) : ""}`;
  if (Array.isArray(v)) return v.length ? v.map(String).join(", ") : t("certifier.value.none");
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) return mxDate(v);
  return String(v);
}

const STATUS_ICON: Record<string, string> = { pass: "✓", fail: "✗", missing: "?" };

/** A finding's result: an icon and the word, never colour alone. */
function Status({ status }: { status: string }) {
  return (
    <span class={`finding-status status-${status}`}>
      <span aria-hidden="true">{STATUS_ICON[status] ?? "•"}</span> {t(`certifier.status.${status}`)}
    </span>
  );
}

/**
 * The findings: cards on a phone (each says subject, criterion, result, measured against the
 * threshold, nothing cut off at 360 px), folded per subject so a plan of many plots stays a
 * short page; a table from 768 px (`certifier.css` shows one).
 */
interface FindingsProps {
  plan: Plan;
  evaluation: Evaluation;
  problems: Problem[];
  observations: readonly StoredObservation[];
}

/** A folded subject's header: how many findings fail, lack evidence and pass, with the
 * status words of the cards (`No cumple: 1 · Cumple: 9`). */
function GroupCounts({ group }: { group: FindingGroup }) {
  const parts = (["fail", "missing", "pass"] as const)
    .filter((status) => group.counts[status] > 0)
    .map((status) => `${t(`certifier.status.${status}`)}: ${mxNumber(group.counts[status])}`);
  return <span class="finding-counts">{parts.join(" · ")}</span>;
}

function Findings({ plan, evaluation, problems, observations }: FindingsProps) {
  const lang = language();
  const criteria = new Map(plan.standard.criteria.map((c) => [c.id, c]));
  const shown = evaluation.findings.filter((f) => f.subject_kind !== "association" || f.status !== "pass");
  // On a phone each subject's cards fold under a header; the one being inspected opens by
  // itself, the others when the inspector says (the table from 768 px shows everything).
  const groups = findingGroups(shown);
  const inspected = inspectedSubject(groups, observations);
  const [toggled, setToggled] = useState<Record<string, boolean>>({});
  const title = (f: Finding) => criteria.get(f.criterion_id)?.title[lang] ?? f.criterion_id;
  const threshold = (f: Finding) => {
    const c = criteria.get(f.criterion_id);
    return c ? rule(c) : "—";
  };
  return (
    <div class="card" id="findings" data-result={evaluation.result}>
      <h2>{t("certifier.findings.title")}</h2>
      <p id="findings-result" class={`result-${evaluation.result}`}>
        <span aria-hidden="true">{evaluation.result === "pass" ? "✓" : "✗"}</span> {t(`certifier.findings.result.${evaluation.result}`)}
      </p>
      <ul class="finding-groups">
        {groups.map((g) => {
          const open = toggled[g.key] ?? g.key === inspected;
          const listId = `finding-group-${g.subjectKind}-${g.subjectId}`;
          return (
            <li class="finding-group" key={g.key} data-subject={g.subjectId} data-open={open ? "true" : "false"}>
              <h3 class="finding-group-head">
                <button
                  type="button"
                  class="finding-toggle"
                  id={`toggle-${g.subjectKind}-${g.subjectId}`}
                  aria-expanded={open}
                  aria-controls={listId}
                  onClick={() => setToggled({ ...toggled, [g.key]: !open })}
                >
                  <span class="finding-toggle-mark" aria-hidden="true">{open ? "▾" : "▸"}</span>
                  <span class="finding-toggle-text">
                    <strong>{t(`certifier.kind.${g.subjectKind}`)} {g.subjectId}</strong>
                    <GroupCounts group={g} />
                  </span>
                </button>
              </h3>
              <ul class="finding-cards" id={listId} hidden={!open}>
                {g.findings.map((f) => (
                  <li class="finding-card" key={`${f.subject_id}-${f.criterion_id}`} data-subject={f.subject_id} data-criterion={f.criterion_id} data-status={f.status}>
                    <p class="finding-head">
                      <strong class="finding-subject">{f.subject_id}</strong>
                      <Status status={f.status} />
                    </p>
                    <p class="finding-criterion">{title(f)}</p>
                    <dl class="finding-figures">
                      <dt>{t("certifier.findings.measured")}</dt>
                      <dd class="finding-measured">{measured(f, criteria.get(f.criterion_id))}</dd>
                      <dt>{t("certifier.findings.threshold")}</dt>
                      <dd class="finding-threshold">{threshold(f)}</dd>
                    </dl>
                  </li>
                ))}
              </ul>
            </li>
          );
        })}
      </ul>
      <table class="findings">
        <thead>
          <tr>
            <th>{t("certifier.findings.subject")}</th>
            <th>{t("certifier.findings.criterion")}</th>
            <th>{t("certifier.findings.status")}</th>
            <th>{t("certifier.findings.measured")}</th>
            <th>{t("certifier.findings.threshold")}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((f) => (
            <tr key={`${f.subject_id}-${f.criterion_id}`} data-subject={f.subject_id} data-criterion={f.criterion_id} data-status={f.status}>
              <td>{f.subject_id}</td>
              <td>{title(f)}</td>
              <td><Status status={f.status} /></td>
              <td>{measured(f, criteria.get(f.criterion_id))}</td>
              <td>{threshold(f)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t("certifier.presign.title")}</h3>
      {problems.length === 0 ? (
        <p id="presign-ok">{t("certifier.presign.ok")}</p>
      ) : (
        <ul id="presign-problems">
          {problems.map((p, i) => (
            <li key={i} data-code={p.code}>{problemText(p)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Inspection({ stored, certifierId }: { stored: StoredPlan; certifierId: string }) {
  useLanguage();
  const isOnline = useStore(online);
  const plan: Plan = stored.plan;
  const [observations, setObservations] = useState<StoredObservation[]>([]);
  // In the verification: subjects with observations, plus those ticked, minus those unticked.
  const [ticked, setTicked] = useState<Set<string>>(new Set());
  const [unticked, setUnticked] = useState<Set<string>>(new Set());
  const [evaluation, setEvaluation] = useState<Evaluation | null>(null);
  const [validFrom, setValidFrom] = useState(today());
  const [validUntil, setValidUntil] = useState(addYear(today()));
  const [verificationId, setVerificationId] = useState(`ver-${plan.association_id}-${today()}`.slice(0, 64));
  const [message, setMessage] = useState<string | null>(null);
  const [revokeId, setRevokeId] = useState("");
  const [reason, setReason] = useState("");
  const reload = async () => {
    const store = await certifierStore();
    const { outbox } = await session();
    const list = captureOrder(await store.observations(stored.key));
    // Take the ledger's seq from the outbox once the evidence was accepted.
    const withSeqs = await Promise.all(
      list.map(async (o) => {
        if (o.seq !== null || o.outboxKey === null) return o;
        const item = await outbox.get(o.outboxKey);
        const seq = item?.acceptance?.seq ?? null;
        if (seq === null) return o;
        const next = { ...o, seq };
        await store.saveObservation(next);
        return next;
      }),
    );
    setObservations(withSeqs);
  };
  useEffect(() => void reload(), [stored.key, isOnline]);
  // Signal is back: send the files the evidence cites (the outbox syncs by itself).
  useEffect(() => {
    if (isOnline) void certifierStore().then(sendNow);
  }, [isOnline]);
  const observed = new Set(observations.filter((o) => o.subject_kind !== "association").map((o) => `${o.subject_kind}:${o.subject_id}`));
  const chosen = new Set([...observed, ...ticked].filter((s) => !unticked.has(s)));
  const scope = [...chosen].sort().map((s) => s.split(":") as [SubjectKind, string]);
  useEffect(() => {
    void findingsFor(plan, observations, scope, today()).then(setEvaluation, () => setEvaluation(null));
  }, [observations, ticked, unticked]);
  const problems = evaluation ? preSign(plan, certifierId, scope, evaluation, today()) : [];

  const [signing, setSigning] = useState(false);
  const sign = async () => {
    setSigning(true);
    try {
      await signNow();
    } finally {
      setSigning(false);
    }
  };
  const signNow = async () => {
    setMessage(null);
    // Everything here runs offline: the findings name evidence by the ids chosen on this
    // device (findings version 2), the ledger evaluates exactly that list, and the outbox
    // sends the verification after the evidence it lists (capture order). A refusal comes
    // back at sync, with its reason, in the outbox and here.
    const store = await certifierStore();
    const current = captureOrder(await store.observations(stored.key));
    const evaluation = await findingsFor(plan, current, scope, today());
    const left = preSign(plan, certifierId, scope, evaluation, today());
    if (left.length) return setMessage(left.map(problemText).join(" "));
    const evidenceIds = evidenceIdsFor(plan, current, scope);
    const body = await verificationBody(plan, evaluation, { verificationId, chosen: scope, validFrom, validUntil, evidenceIds });
    const captured = await capture("verification.issued", body, { meta: { title: verificationId } });
    const result = t(`certifier.findings.result.${evaluation.result}`);
    if (!navigator.onLine) return setMessage(t("certifier.sign.queued", { id: verificationId, result }));
    await sendNow(store);
    const { outbox } = await session();
    const item = await outbox.get(captured.item.key);
    if (item?.state === "refused") {
      return setMessage(t("certifier.sign.refused", { id: verificationId, reason: t(reasonMessageKey(item.refusal?.code ?? "other")) }));
    }
    setMessage(t("certifier.sign.done", { id: verificationId, result }));
  };
  const revoke = async () => {
    const body = revocationBody(revokeId.trim(), reason);
    if (!revokeId.trim() || body === null) return setMessage(t("certifier.revoke.reason_needed"));
    await capture("verification.revoked", body, { meta: { title: revokeId } });
    await syncNow().catch(() => undefined);
    setMessage(t("certifier.revoke.done", { id: revokeId.trim() }));
  };

  return (
    <div id="inspection" data-plan={stored.key}>
      <p class="muted" id="plan-summary">
        {t("certifier.plan.summary", { association: plan.association_id, standard: `${plan.standard.id}@${plan.standard.version}`, day: mxDate(stored.downloadedAt.slice(0, 10)) })}
      </p>
      {plan.sections.map((section) => (
        <section key={section.applies_to}>
          <h2>{t(`certifier.kinds.${section.applies_to}`)}</h2>
          {section.applies_to !== "association" && <p class="muted choose-hint">{t("certifier.subject.include_hint")}</p>}
          {section.subjects.map((s) => (
            <div key={s.id} class="subject-row">
              {section.applies_to !== "association" && (
                <label class="choose">
                  <input
                    type="checkbox"
                    id={`choose-${s.id}`}
                    checked={chosen.has(`${section.applies_to}:${s.id}`)}
                    onChange={(e) => {
                      const id = `${section.applies_to}:${s.id}`;
                      const on = new Set(ticked);
                      const off = new Set(unticked);
                      if (e.currentTarget.checked) {
                        on.add(id);
                        off.delete(id);
                      } else {
                        on.delete(id);
                        off.add(id);
                      }
                      setTicked(on);
                      setUnticked(off);
                    }}
                  />
                  <span class="sr-only">{t("certifier.subject.include_one", { subject: s.id })}</span>
                </label>
              )}
              <SubjectForm plan={stored} kind={section.applies_to} subjectId={s.id} criteria={section.criteria} observations={observations} onSaved={() => void reload()} />
            </div>
          ))}
        </section>
      ))}
      {evaluation && <Findings plan={plan} evaluation={evaluation} problems={problems} observations={observations} />}
      <div class="card" id="sign">
        <h2>{t("certifier.sign.title")}</h2>
        <label>
          {t("certifier.sign.id")}
          <input id="verification-id" value={verificationId} onInput={(e) => setVerificationId(e.currentTarget.value)} />
        </label>
        <label>
          {t("certifier.sign.valid_from")}
          <input id="valid-from" value={validFrom} onInput={(e) => setValidFrom(e.currentTarget.value)} />
        </label>
        <label>
          {t("certifier.sign.valid_until")}
          <input id="valid-until" value={validUntil} onInput={(e) => setValidUntil(e.currentTarget.value)} />
        </label>
        <p class="muted">{t("certifier.sign.explain")}</p>
        <button type="button" class="button" id="sign-verification" disabled={problems.length > 0 || signing} onClick={() => void sign()}>
          {t("certifier.sign.button")}
        </button>
      </div>
      <div class="card" id="revoke">
        <h2>{t("certifier.revoke.title")}</h2>
        <label>
          {t("certifier.sign.id")}
          <input id="revoke-id" value={revokeId} onInput={(e) => setRevokeId(e.currentTarget.value)} />
        </label>
        <label>
          {t("certifier.revoke.reason")}
          <input id="revoke-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </label>
        <button type="button" class="button secondary" id="revoke-button" onClick={() => void revoke()}>
          {t("certifier.revoke.button")}
        </button>
      </div>
      {message && <p role="status" id="certifier-message" class="notice">{message}</p>}
    </div>
  );
}

export function CertifierScreen() {
  useLanguage();
  const isOnline = useStore(online);
  const role = useStore(certifierRole);
  const [device, setDevice] = useState<DeviceKey | null>(null);
  const [plans, setPlans] = useState<StoredPlan[]>([]);
  const [current, setCurrent] = useState<StoredPlan | null>(null);
  useEffect(() => {
    void deviceKey().then((key) => {
      setDevice(key);
      if (navigator.onLine) void refreshCertifierRole(key.keyId);
    });
    void certifierStore().then((s) => s.plans()).then(setPlans);
  }, [isOnline]);
  const mine = role !== null && device !== null && role.keyId === device.keyId ? role : null;
  return (
    <section class="screen certifier">
      <h1 tabIndex={-1}>{t("certifier.title")}</h1>
      <p class="lead">{t("certifier.intro")}</p>
      {device && (mine?.certifierId ? (
        <>
          <p id="certifier-body">{t("certifier.acting_for", { body: mine.certifierId, name: mine.name ?? "" })}</p>
          <Download onDone={(p) => { setCurrent(p); void certifierStore().then((s) => s.plans()).then(setPlans); }} />
          {plans.length > 0 && (
            <div class="card" id="stored-plans">
              <h2>{t("certifier.plan.stored")}</h2>
              {plans.map((p) => (
                <button type="button" class="button secondary" key={p.key} data-plan={p.key} onClick={() => setCurrent(p)}>
                  {p.key.replaceAll("|", " · ")}
                </button>
              ))}
            </div>
          )}
          {current && <Inspection key={current.key} stored={current} certifierId={mine.certifierId} />}
        </>
      ) : (
        <Enrol device={device} />
      ))}
    </section>
  );
}
