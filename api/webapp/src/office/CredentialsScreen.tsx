/**
 * Constancias / Credentials (office): for each member, issue the "Constancia de producción y
 * entregas" with the association's key (imported once, as on the Devices screen), download it
 * as JSON (what the producer shows a lender) or as the printable PDF, and revoke it with a
 * reason. Issuing takes a few seconds (the server computes the history and its inclusion
 * proofs): a progress bar names each step.
 */
import { useEffect, useState } from "preact/hooks";
import { mxDate, mxNumber, t, useLanguage } from "../i18n";
import { online } from "../shell/status";
import { useStore } from "../shell/store";
import { reasonMessageKey } from "../sync/messages";
import { type AssociationKey } from "./associationKey";
import { ForgetKeyButton, KeyLoaded, NoOrgNotice, useAssociation } from "./associationGate";
import {
  CredentialRequestError,
  ISSUE_STEPS,
  issue,
  issuedHere,
  markRevoked,
  members,
  pdf,
  remember,
  revokeCredential,
  type Issued,
  type IssueStep,
  type Member,
} from "./credentials";
import { KeyImport } from "./DevicesScreen";

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A message said again in the current language at each render (the language may switch). */
interface Say {
  readonly say: () => string;
}
const say = (text: () => string): Say => ({ say: text });

function explain(error: unknown): Say {
  if (error instanceof CredentialRequestError) {
    const reason = error.field ? `${error.field}: ${error.reason}` : error.reason;
    return say(() => t("office.credential.failed", { reason }));
  }
  return say(() => t("office.credential.unreachable"));
}

function fileName(issued: Issued, ext: string): string {
  return `constancia-${issued.producer_id}-${issued.credential_id.slice(-8)}.${ext}`;
}

function IssuedCard({ issued, keyPair, onChange }: { issued: Issued; keyPair: AssociationKey; onChange: () => void }) {
  const [reason, setReason] = useState("");
  const [message, setMessage] = useState<Say | null>(null);
  const [busy, setBusy] = useState(false);
  const downloadPdf = async (): Promise<void> => {
    setBusy(true);
    setMessage(say(() => t("office.credential.pdf_making")));
    try {
      save(await pdf(issued.credential), fileName(issued, "pdf"));
      setMessage(null);
    } catch (error) {
      setMessage(explain(error));
    } finally {
      setBusy(false);
    }
  };
  const doRevoke = async (): Promise<void> => {
    const why = reason.trim();
    if (why.length < 3 || why.length > 200) return setMessage(say(() => t("office.credential.reason_length")));
    setBusy(true);
    const outcome = await revokeCredential(keyPair, issued.credential_id, why);
    setBusy(false);
    if (outcome.kind === "accepted") {
      markRevoked(issued.credential_id, why, outcome.entry.seq);
      const seq = outcome.entry.seq;
      setMessage(say(() => t("office.credential.revoked_done", { seq: mxNumber(seq) })));
      onChange();
    } else {
      const detail = (): string => (outcome.kind === "refused" ? `${t(reasonMessageKey(outcome.code))} (${outcome.reason})` : t(reasonMessageKey(outcome.code)));
      setMessage(say(() => t("office.credential.revoke_failed", { reason: detail() })));
    }
  };
  const json = (): void =>
    save(new Blob([`${JSON.stringify(issued.credential, null, 2)}\n`], { type: "application/json" }), fileName(issued, "json"));
  return (
    <li class="card issued" data-credential-id={issued.credential_id} data-status={issued.revoked ? "revoked" : "active"}>
      <p class="card-title">{t("office.credential.issued_on", { date: mxDate(issued.issued_at.slice(0, 10)), seq: mxNumber(issued.seq) })}</p>
      <p class="muted">{issued.credential_id}</p>
      {issued.revoked ? (
        <p class="credential-status">{t("office.credential.revoked", { reason: issued.revoked.reason })}</p>
      ) : (
        <p class="credential-status">{t("office.credential.active")}</p>
      )}
      <div class="actions">
        <button type="button" class="button secondary download-json" onClick={json}>{t("office.credential.json")}</button>
        <button type="button" class="button secondary download-pdf" disabled={busy} onClick={() => void downloadPdf()}>{t("office.credential.pdf")}</button>
      </div>
      {!issued.revoked && (
        <div class="stack">
          <label>
            {t("office.credential.reason")}
            <input class="input revoke-reason" maxLength={200} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          </label>
          <button type="button" class="button danger revoke" disabled={busy} onClick={() => void doRevoke()}>
            {t("office.credential.revoke")}
          </button>
        </div>
      )}
      {message && <p role="status" class="credential-message">{message.say()}</p>}
    </li>
  );
}

function MemberCard({ member, keyPair, issued, onChange }: { member: Member; keyPair: AssociationKey; issued: Issued[]; onChange: () => void }) {
  const [withName, setWithName] = useState(true);
  const [step, setStep] = useState<IssueStep | null>(null);
  const [message, setMessage] = useState<Say | null>(null);
  const run = async (): Promise<void> => {
    setMessage(null);
    try {
      const made = await issue(keyPair, member.producer_id, withName, setStep);
      remember(made);
      setMessage(say(() => t("office.credential.done", { seq: mxNumber(made.seq) })));
      onChange();
    } catch (error) {
      setMessage(explain(error));
    } finally {
      setStep(null);
    }
  };
  const position = step === null ? 0 : ISSUE_STEPS.indexOf(step) + 1;
  return (
    <li class="card member" data-id={member.producer_id}>
      <p class="card-title">{member.producer_id}</p>
      {member.community && <p>{member.community}</p>}
      <label class="check">
        <input type="checkbox" class="with-name" checked={withName} onChange={(e) => setWithName((e.target as HTMLInputElement).checked)} />
        {t("office.credential.with_name")}
      </label>
      <button type="button" class="button issue" disabled={step !== null} onClick={() => void run()}>
        {t("office.credential.issue")}
      </button>
      {step !== null && (
        <div class="stack issue-progress" role="status" aria-live="polite">
          <progress max={ISSUE_STEPS.length} value={position} aria-label={t("office.credential.progress")} />
          <p>{t(`office.credential.step.${step}`, { n: position, total: ISSUE_STEPS.length })}</p>
        </div>
      )}
      {message && <p role="status" class="issue-message">{message.say()}</p>}
      {issued.length > 0 && (
        <ul class="cards issued-list">
          {issued.map((i) => (
            <IssuedCard key={i.credential_id} issued={i} keyPair={keyPair} onChange={onChange} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function CredentialsScreen() {
  useLanguage();
  const isOnline = useStore(online);
  const { keyPair, setKeyPair, org, forget } = useAssociation(isOnline);
  const [list, setList] = useState<Member[] | null>(null);
  const [issued, setIssued] = useState<Issued[]>(issuedHere());
  const [failure, setFailure] = useState<Say | null>(null);
  useEffect(() => {
    if (!org || !isOnline) return;
    void members(org.org_id)
      .then((found) => (setList(found), setFailure(null)))
      .catch((error: unknown) => setFailure(explain(error)));
  }, [org, isOnline]);
  const refresh = (): void => setIssued(issuedHere());
  return (
    <section class="screen" id="credentials-screen">
      <h1 tabIndex={-1}>{t("shell.credentials.title")}</h1>
      <p class="lead">{t("shell.credentials.about")}</p>
      {!isOnline && <p class="notice" role="status">{t("office.credential.offline")}</p>}
      {keyPair === null && <KeyImport onKey={setKeyPair} help={t("office.credential.key_help")} />}
      <NoOrgNotice keyPair={keyPair} org={org} />
      {failure && <p class="notice" role="status">{failure.say()}</p>}
      {keyPair && org && (
        <>
          <KeyLoaded keyPair={keyPair} org={org} />
          <p class="muted">{t("office.credential.privacy")}</p>
          {list !== null && list.length === 0 && <p class="muted">{t("office.credential.no_members")}</p>}
          {list !== null && list.length > 0 && (
            <ul class="cards" id="credential-members">
              {list.map((m) => (
                <MemberCard key={m.producer_id} member={m} keyPair={keyPair} issued={issued.filter((i) => i.producer_id === m.producer_id)} onChange={refresh} />
              ))}
            </ul>
          )}
        </>
      )}
      <ForgetKeyButton keyPair={keyPair} forget={forget} />
    </section>
  );
}
