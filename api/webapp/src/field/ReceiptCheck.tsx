/**
 * Verify a receipt on screen, offline, as `biotraza receipt verify` does: the served trust
 * list checked against the root keys pinned on this phone (`receipts/pinned.ts`), then the
 * receipt's seven steps (`receipts/verify.ts`, proven equal to `labels/receipt_verify.py` on
 * the shared vectors). Shows valid or not with an icon and words, the verdict's own sentence
 * in the user's language, and what the receipt says was delivered.
 *
 * `ReceiptVerdictView` checks one receipt text (the receipt shown, or one pasted);
 * `PasteReceipt` is the box to paste (or type) another phone's receipt text into.
 */
import { useEffect, useState } from "preact/hooks";
import { mxDate, mxKg, t, useLanguage } from "../i18n";
import { checkReceipt, receiptMessage, type ReceiptVerdict } from "../receipts";
import { loadTrustedList, type LoadedTrustList } from "../receipts/pinned";

type Checked = { kind: "verdict"; verdict: ReceiptVerdict } | { kind: "list"; loaded: Exclude<LoadedTrustList, { ok: true }> };

async function check(text: string, association: string | undefined): Promise<Checked> {
  const loaded = await loadTrustedList();
  if (!loaded.ok) return { kind: "list", loaded };
  return { kind: "verdict", verdict: await checkReceipt(text, loaded.trustList, association === undefined ? {} : { association }) };
}

/** The delivery a verdict's statement names (never personal data: a receipt carries none). */
function Delivered({ verdict }: { verdict: ReceiptVerdict }) {
  const statement = verdict.signed?.statement;
  if (!statement || statement.type !== "lot.harvested") return null;
  const body = statement.body as { lot_id?: string; quantity_kg?: number; harvested_from?: string };
  if (typeof body.lot_id !== "string" || typeof body.quantity_kg !== "number") return null;
  return (
    <p class="muted" data-fact="delivered">
      {t("field.receipts.check.delivered", {
        lot: body.lot_id,
        weight: mxKg(Math.round(body.quantity_kg * 1000)),
        date: typeof body.harvested_from === "string" ? mxDate(body.harvested_from) : "—",
        org: verdict.device?.org_id ?? "—",
      })}
    </p>
  );
}

/** The verdict for `text`, worked out when shown (and again when the text changes). */
export function ReceiptVerdictView({ text, association, id }: { text: string; association?: string | undefined; id: string }) {
  const lang = useLanguage();
  const [checked, setChecked] = useState<Checked | null>(null);
  useEffect(() => {
    let live = true;
    setChecked(null);
    void check(text, association).then((c) => live && setChecked(c));
    return () => {
      live = false;
    };
  }, [text, association]);
  if (checked === null) return <p class="verdict" id={id} data-status="checking" role="status">{t("field.receipts.check.checking")}</p>;
  if (checked.kind === "list") {
    return (
      <div class="verdict invalid" id={id} data-status={`list_${checked.loaded.problem}`} role="status">
        <p class="verdict-title"><span aria-hidden="true">⚠</span> {t(`field.receipts.check.list_${checked.loaded.problem}`)}</p>
      </div>
    );
  }
  const { verdict } = checked;
  return (
    <div class={`verdict ${verdict.valid ? "valid" : "invalid"}`} id={id} data-status={verdict.status} data-detail={verdict.detail} role="status">
      <p class="verdict-title">
        <span aria-hidden="true">{verdict.valid ? "✓" : "✗"}</span> {t(verdict.valid ? "field.receipts.check.valid" : "field.receipts.check.invalid")}
      </p>
      <p class="verdict-message">{receiptMessage(verdict, lang)}</p>
      <Delivered verdict={verdict} />
    </div>
  );
}

/** A box to paste a receipt's text (`BTR1:…`, as a QR reader app copies it) and check it. */
export function PasteReceipt({ association }: { association?: string | undefined }) {
  useLanguage();
  const [text, setText] = useState("");
  const [checking, setChecking] = useState<string | null>(null);
  return (
    <form class="stack receipt-paste" id="receipt-paste" onSubmit={(e) => { e.preventDefault(); setChecking(text.trim() || null); }}>
      <h2>{t("field.receipts.check.other")}</h2>
      <label>
        {t("field.receipts.check.paste")}
        <textarea id="receipt-text" class="input" rows={3} spellcheck={false} value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      </label>
      <button type="submit" class="button" id="receipt-check" disabled={text.trim() === ""}>{t("field.receipts.check.button")}</button>
      {checking !== null && <ReceiptVerdictView text={checking} association={association} id="pasted-verdict" />}
    </form>
  );
}
