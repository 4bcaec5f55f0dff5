/**
 * Receipts: a delivery's receipt on screen — the QR (`src/receipts`: the signed
 * `lot.harvested` itself, `BTR1:` digits) and the same facts in words, with no names or
 * personal data. `?lot=<id>` opens one delivery; without it, the list.
 */
import { Fragment } from "preact";
import { encodeReceipt } from "../receipts";
import { shortCode } from "../crypto/keys";
import { mxDate, mxKg, t, useLanguage } from "../i18n";
import { linkTo, useRoute } from "../shell/router";
import type { OutboxItem } from "../outbox";
import { useField } from "./hooks";
import { Qr } from "./Qr";
import { PasteReceipt, ReceiptVerdictView } from "./ReceiptCheck";

interface HarvestBody {
  lot_id: string;
  product: string;
  form: string;
  quantity_kg: number;
  harvested_from: string;
  origins: { plot_id?: string; apiary_id?: string; quantity_kg: number }[];
}

function Receipt({ item, association, orgId }: { item: OutboxItem; association: string | null; orgId: string | undefined }) {
  const { statement } = item.signed;
  const body = statement.body as unknown as HarvestBody;
  const origins = body.origins.map((o) => o.plot_id ?? o.apiary_id ?? "").join(", ");
  const producer = typeof item.meta["producer_id"] === "string" ? item.meta["producer_id"] : null;
  const rows: [string, string, string][] = [
    ["lot", t("field.receipts.lot"), body.lot_id],
    ["product", t("field.receipts.product"), `${t(`shell.term.product.${body.product}`)}, ${t(`shell.term.form.${body.form}`)}`],
    ["weight", t("field.receipts.weight"), mxKg(Math.round(body.quantity_kg * 1000))],
    ["date", t("field.receipts.date"), mxDate(body.harvested_from)],
    ["origin", t("field.receipts.origin"), origins],
    ...(producer ? [["producer", t("field.receipts.producer"), producer] as [string, string, string]] : []),
    ["signed", t("field.receipts.signed"), `${mxDate(statement.ts)} ${statement.ts.slice(11, 16)} UTC`],
    ["device", t("field.receipts.device"), shortCode(statement.actor)],
    ...(association ? [["association", t("field.receipts.association"), association] as [string, string, string]] : []),
    ["state", t("field.receipts.state"), t(`field.receipts.state.${item.state}`)],
  ];
  const text = encodeReceipt(item.signed);
  return (
    <article class="receipt" id="receipt" data-lot={body.lot_id}>
      <h2>{t("field.receipts.heading")}</h2>
      <Qr id="receipt-qr" text={text} label={t("field.receipts.qr", { id: body.lot_id })} />
      <dl class="facts">
        {rows.map(([id, label, value]) => (
          <Fragment key={id}>
            <dt>{label}</dt>
            <dd data-fact={id}>{value}</dd>
          </Fragment>
        ))}
      </dl>
      <p class="note">{t("field.receipts.explain")}</p>
      <h3>{t("field.receipts.check.heading")}</h3>
      <ReceiptVerdictView text={text} association={orgId} id="receipt-verdict" />
      <details class="receipt-text">
        <summary>{t("field.receipts.check.text")}</summary>
        <code id="receipt-code">{text}</code>
      </details>
    </article>
  );
}

export function ReceiptsScreen() {
  useLanguage();
  useRoute();
  const field = useField();
  const wanted = new URLSearchParams(typeof location === "undefined" ? "" : location.search).get("lot");
  const deliveries = field.items.filter((i) => i.signed.statement.type === "lot.harvested").reverse();
  const chosen = wanted ? deliveries.find((i) => (i.signed.statement.body as { lot_id?: string }).lot_id === wanted) : undefined;
  const association = field.context?.orgName ?? field.context?.orgId ?? null;
  const orgId = field.context?.orgId ?? undefined;
  return (
    <section class="screen">
      <h1 tabIndex={-1}>{t("field.receipts.title")}</h1>
      {chosen ? (
        <>
          <Receipt item={chosen} association={association} orgId={orgId} />
          <a class="button secondary" {...linkTo("receipts")}>{t("field.receipts.all")}</a>
        </>
      ) : deliveries.length === 0 ? (
        <p>{t("field.receipts.none")}</p>
      ) : (
        <>
          <p class="lead">{t("field.receipts.pick")}</p>
          <ul class="cards" id="receipts">
            {deliveries.map((item) => {
              const body = item.signed.statement.body as unknown as HarvestBody;
              return (
                <li class="card" key={item.key}>
                  <a {...linkTo(`receipts?lot=${encodeURIComponent(body.lot_id)}`)} class="card-title">{body.lot_id}</a>
                  <p class="figure">{mxKg(Math.round(body.quantity_kg * 1000))} · {mxDate(body.harvested_from)}</p>
                </li>
              );
            })}
          </ul>
        </>
      )}
      <PasteReceipt association={orgId} />
    </section>
  );
}
