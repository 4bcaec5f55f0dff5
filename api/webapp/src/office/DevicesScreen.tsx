/**
 * Dispositivos / Devices (office): import the association's key once, enrol a phone by the
 * short code it shows, revoke one, and see what each phone synced and what the server
 * refused from it and why (in the user's language, with the server's own words below).
 */
import { useEffect, useState } from "preact/hooks";
import { mxDate, mxNumber, t, useLanguage } from "../i18n";
import { online } from "../shell/status";
import { useStore } from "../shell/store";
import { reasonMessageKey } from "../sync/messages";
import type { SubmitOutcome } from "../sync/outcomes";
import { shortCode } from "../crypto/keys";
import { keysChanged } from "../shell/roles";
import { DEVICE_TYPES, devices, enrol, findRequest, refusals, revoke, type Device, type DeviceRequest, type Org, type Refusal } from "./api";
import { KeyFileError, importAssociationKey, type AssociationKey } from "./associationKey";
import { ForgetKeyButton, KeyLoaded, NoOrgNotice, useAssociation } from "./associationGate";

const CODE = /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/;

function failure(outcome: SubmitOutcome): string | null {
  if (outcome.kind === "accepted") return null;
  const reason = outcome.kind === "refused" ? `${t(reasonMessageKey(outcome.code))} (${outcome.reason})` : t(reasonMessageKey(outcome.code));
  return reason;
}

/** Import a browser key file (`biotraza keys export-for-browser`); `importKey` decides where the
 * key is kept (the association's by default; the label office keeps the label issuer's). */
export function KeyImport({
  onKey,
  importKey = importAssociationKey,
  title = t("office.key.title"),
  help = t("office.key.help"),
}: {
  onKey: (key: AssociationKey) => void;
  importKey?: (text: string, passphrase: string) => Promise<AssociationKey>;
  title?: string;
  help?: string;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [passphrase, setPassphrase] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (file === null) return setMessage(t("office.key.error.no_file"));
    setMessage(t("office.key.importing"));
    try {
      onKey(await importKey(await file.text(), passphrase));
      keysChanged();
      setMessage(null);
    } catch (error) {
      setMessage(t(`office.key.error.${error instanceof KeyFileError ? error.code : "not_a_key_file"}`));
    }
  };
  return (
    <form class="notice stack" id="key-import" onSubmit={(e) => void submit(e)}>
      <h2>{title}</h2>
      <p class="muted">{help}</p>
      <label>
        {t("office.key.file")}
        <input type="file" id="key-file" accept=".json,application/json" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
      </label>
      <label>
        {t("office.key.passphrase")}
        <input type="password" class="input" id="key-passphrase" autoComplete="off" value={passphrase} onInput={(e) => setPassphrase((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit" class="button" id="key-import-submit">{t("office.key.import")}</button>
      {message && <p role="status" id="key-status">{message}</p>}
    </form>
  );
}

function Enrol({ keyPair, org, onDone }: { keyPair: AssociationKey; org: Org; onDone: () => void }) {
  const [code, setCode] = useState("");
  const [request, setRequest] = useState<DeviceRequest | null>(null);
  const [label, setLabel] = useState("");
  const [types, setTypes] = useState<string[]>([...DEVICE_TYPES]);
  const [message, setMessage] = useState<string | null>(null);
  const find = async (event: Event): Promise<void> => {
    event.preventDefault();
    setRequest(null);
    const wanted = code.trim().toLowerCase();
    if (!CODE.test(wanted)) return setMessage(t("office.enrol.bad_code"));
    const found = await findRequest(wanted).catch(() => null);
    if (found === null) return setMessage(t("office.enrol.not_found"));
    setRequest(found);
    setLabel(found.label);
    setMessage(t("office.enrol.found", { code: found.short_code, label: found.label }));
  };
  const submit = async (): Promise<void> => {
    if (request === null) return;
    const outcome = await enrol(keyPair, org.org_id, request, label.trim(), types);
    const failed = failure(outcome);
    setMessage(failed ?? t("office.enrol.done", { label: label.trim(), seq: outcome.kind === "accepted" ? mxNumber(outcome.entry.seq) : "" }));
    if (failed === null) {
      setRequest(null);
      setCode("");
      onDone();
    }
  };
  return (
    <div class="stack" id="enrol">
      <h2>{t("office.enrol.title")}</h2>
      <form class="stack" onSubmit={(e) => void find(e)}>
        <label>
          {t("office.enrol.code")}
          <input class="input" id="enrol-code" inputMode="text" autoComplete="off" placeholder="a1b2-c3d4-e5f6" value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="button" id="enrol-find">{t("office.enrol.find")}</button>
      </form>
      {message && <p role="status" id="enrol-status">{message}</p>}
      {request && (
        <div class="stack">
          <label>
            {t("office.enrol.label")}
            <input class="input" id="enrol-label" maxLength={100} value={label} onInput={(e) => setLabel((e.target as HTMLInputElement).value)} />
          </label>
          <fieldset>
            <legend>{t("office.enrol.types")}</legend>
            {DEVICE_TYPES.map((type) => (
              <label class="check" key={type}>
                <input
                  type="checkbox"
                  checked={types.includes(type)}
                  onChange={(e) => setTypes((e.target as HTMLInputElement).checked ? [...types, type] : types.filter((x) => x !== type))}
                />
                {t(`office.type.${type}`)}
              </label>
            ))}
          </fieldset>
          <button type="button" class="button" id="enrol-submit" disabled={types.length === 0 || label.trim() === ""} onClick={() => void submit()}>
            {t("office.enrol.submit")}
          </button>
        </div>
      )}
    </div>
  );
}

function DeviceCard({ device, keyPair, org, refused, onDone }: { device: Device; keyPair: AssociationKey; org: Org; refused: Refusal[]; onDone: () => void }) {
  const [reason, setReason] = useState<"lost" | "stolen" | "retired">("lost");
  const [message, setMessage] = useState<string | null>(null);
  const doRevoke = async (): Promise<void> => {
    const outcome = await revoke(keyPair, org.org_id, device.key_id, reason);
    const failed = failure(outcome);
    setMessage(failed === null ? t("office.revoke.done", { seq: outcome.kind === "accepted" ? mxNumber(outcome.entry.seq) : "" }) : t("office.revoke.failed", { reason: failed }));
    if (failed === null) onDone();
  };
  return (
    <li class="card device" data-key-id={device.key_id} data-status={device.status}>
      <p class="card-title">{device.label}</p>
      <p class="figure">{shortCode(device.key_id)}</p>
      <p class="device-status">{t(`office.devices.status.${device.status}`)}</p>
      {device.revoked && <p>{t("office.devices.revoked", { reason: t(`office.revoke.${device.revoked.reason}`) === `office.revoke.${device.revoked.reason}` ? device.revoked.reason : t(`office.revoke.${device.revoked.reason}`) })}</p>}
      <p class="device-entries">{t("office.devices.entries", { count: device.entries.total })}</p>
      <p class="muted">{device.last_synced_at ? t("office.devices.last", { date: mxDate(device.last_synced_at) }) : t("office.devices.never")}</p>
      <p class="device-refusals">{t("office.devices.refusals", { count: device.refusals })}</p>
      {refused.length > 0 && (
        <ul class="refusals">
          {refused.map((r) => (
            <li key={r.nonce} class="refusal" data-code={r.code} data-nonce={r.nonce}>
              <p class="reason">{t(reasonMessageKey(r.code))}</p>
              <p class="muted">{t("office.refusals.item", { type: r.type, date: mxDate(r.last_at), attempts: r.attempts })}</p>
              <p class="muted">{r.field ? `${r.field}: ` : ""}{r.reason}</p>
              {r.admitted_seq !== null && <p>{t("office.refusals.admitted", { seq: mxNumber(r.admitted_seq) })}</p>}
            </li>
          ))}
        </ul>
      )}
      {device.status !== "revoked" && (
        <div class="stack">
          <label>
            {t("office.revoke.reason")}
            <select class="input revoke-reason" value={reason} onChange={(e) => setReason((e.target as HTMLSelectElement).value as typeof reason)}>
              <option value="lost">{t("office.revoke.lost")}</option>
              <option value="stolen">{t("office.revoke.stolen")}</option>
              <option value="retired">{t("office.revoke.retired")}</option>
            </select>
          </label>
          <button type="button" class="button danger revoke" onClick={() => void doRevoke()}>
            {t("office.revoke.submit")}
          </button>
        </div>
      )}
      {message && <p role="status" class="device-message">{message}</p>}
    </li>
  );
}

export function DevicesScreen() {
  useLanguage();
  const isOnline = useStore(online);
  const { keyPair, setKeyPair, org, forget } = useAssociation(isOnline);
  const [list, setList] = useState<Device[]>([]);
  const [refused, setRefused] = useState<Refusal[]>([]);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!org || !isOnline) return;
    void devices(org.org_id).then(setList).catch(() => undefined);
    void refusals(org.org_id).then(setRefused).catch(() => undefined);
  }, [org, isOnline, tick]);
  const refresh = (): void => setTick((n) => n + 1);
  return (
    <section class="screen">
      <h1 tabIndex={-1}>{t("shell.devices.title")}</h1>
      <p class="lead">{t("shell.devices.about")}</p>
      {!isOnline && <p class="notice" role="status">{t("office.offline")}</p>}
      {keyPair === null && <KeyImport onKey={setKeyPair} />}
      <NoOrgNotice keyPair={keyPair} org={org} />
      {keyPair && org && (
        <>
          <KeyLoaded keyPair={keyPair} org={org} />
          <Enrol keyPair={keyPair} org={org} onDone={refresh} />
          <h2>{t("office.devices.title")}</h2>
          {list.length === 0 ? (
            <p class="muted">{t("office.devices.none")}</p>
          ) : (
            <ul class="cards" id="devices">
              {list.map((d) => (
                <DeviceCard key={d.key_id} device={d} keyPair={keyPair} org={org} refused={refused.filter((r) => r.key_id === d.key_id)} onDone={refresh} />
              ))}
            </ul>
          )}
        </>
      )}
      <ForgetKeyButton keyPair={keyPair} forget={forget} />
    </section>
  );
}
