/**
 * "This phone": the device's public key as a QR code and a short code for the office to
 * enrol it, whether it is enrolled, for which association, and the ledger it writes to.
 */
import { useEffect, useState } from "preact/hooks";
import { shortCode } from "../crypto/keys";
import type { DeviceKey } from "../crypto/keystore";
import { mxDate, t, useLanguage } from "../i18n";
import { linkTo } from "../shell/router";
import { online } from "../shell/status";
import { useStore } from "../shell/store";
import { deviceContext, deviceKey, refreshDeviceContext } from "./device";
import { Qr } from "./Qr";

export function SetupScreen() {
  useLanguage();
  const isOnline = useStore(online);
  const context = useStore(deviceContext);
  const [key, setKey] = useState<DeviceKey | null>(null);
  const [busy, setBusy] = useState(false);
  const refresh = () => {
    setBusy(true);
    void refreshDeviceContext().finally(() => setBusy(false));
  };
  useEffect(() => {
    void deviceKey().then(setKey);
  }, []);
  useEffect(() => {
    if (isOnline) refresh();
  }, [isOnline]);

  const mine = context !== null && key !== null && context.keyId === key.keyId ? context : null;
  const status = mine?.status ?? "unknown";
  return (
    <section class="screen">
      <h1 tabIndex={-1}>{t("field.setup.title")}</h1>
      <p class="lead">{t("field.setup.intro")}</p>
      {key && (
        <div class="enrol">
          <Qr id="device-qr" text={key.publicKeyText} label={t("field.setup.qr")} />
          <p class="code-label">{t("field.setup.code")}</p>
          <p class="short-code" id="short-code">{shortCode(key.keyId)}</p>
          <p class="muted key-text">
            {t("field.setup.key")}: <code id="public-key">{key.publicKeyText}</code>
          </p>
        </div>
      )}
      <dl class="facts" id="enrolment" data-status={status}>
        <dt>{t("field.setup.status")}</dt>
        <dd id="enrolment-status" class={`status-${status}`}>{t(`field.setup.status.${status}`)}</dd>
        {mine?.orgId && (
          <>
            <dt>{t("field.setup.association")}</dt>
            <dd id="association">{mine.orgName ? `${mine.orgName} (${mine.orgId})` : mine.orgId}</dd>
            <dt>{t("field.setup.label")}</dt>
            <dd>{mine.label}</dd>
            <dt>{t("field.setup.types")}</dt>
            <dd>{mine.entryTypes.map((type) => t(`field.type.${type}`)).join(", ")}</dd>
            {mine.validUntil && (
              <>
                <dt>{t("field.setup.valid_until")}</dt>
                <dd>{mxDate(mine.validUntil)}</dd>
              </>
            )}
          </>
        )}
        {mine?.operator && (
          <>
            <dt>{t("field.setup.operator")}</dt>
            <dd id="operator">
              {mine.operator.origin} · <code>{/^[0-9a-f]{12,}$/.test(mine.operator.keyId) ? shortCode(mine.operator.keyId) : mine.operator.keyId}</code>
            </dd>
          </>
        )}
      </dl>
      {status !== "active" && (
        <>
          <p class="note">{t("field.setup.show_office")}</p>
          <p>
            <a {...linkTo("outbox")} id="request-enrolment">{t("field.setup.request")}</a>
          </p>
        </>
      )}
      {mine && <p class="muted">{t("field.setup.checked", { date: mxDate(mine.checkedAt) })}</p>}
      {!isOnline && <p class="notice" role="status">{t("field.setup.offline")}</p>}
      <button type="button" class="button secondary" id="refresh-enrolment" disabled={busy || !isOnline} onClick={refresh}>
        {t(busy ? "field.setup.refreshing" : "field.setup.refresh")}
      </button>
    </section>
  );
}
