/**
 * Deliveries: a harvest handed over at the farm gate or the collection centre becomes a
 * `lot.harvested` signed on the phone: producer, the plot or apiary it came from (which fixes
 * the product and its harvest form), weight, date. Notes stay on the phone (`meta.notes`:
 * the ledger's harvest has no free text, and free text invites personal data). Once signed,
 * the receipt is one tap away.
 *
 * The farm-gate purchase may be recorded with it: price per kg, a quality deduction and the
 * biodiversity-friendly premium, in MXN; the phone signs a `purchase.recorded` for the whole
 * delivery (amount computed exactly, as the server checks it) that the outbox sends after the
 * delivery it depends on.
 */
import { isoToday, mxDate, mxKg, mxNumber, t, useLanguage } from "../i18n";
import { linkTo } from "../shell/router";
import { decimalUnits, deliveryBody, HARVEST_FORMS, purchaseBody, type PurchaseInput } from "./bodies";
import { CaptureForm, findMember, MemberSelect, NotEnrolled, RecordList, Screen, useCapture } from "./capture";
import { Check, Input, Select } from "./Form";
import { canCapture } from "./hooks";
import { pendingKeys } from "./reference";
import { capture } from "../sync/corrections";
import type { Site } from "./reference";

interface Draft {
  lotId: string;
  producerId: string;
  origin: string;
  weightKg: string;
  date: string;
  notes: string;
  buy: boolean;
  price: string;
  deduction: string;
  premium: string;
}

function purchaseInput(draft: Draft): PurchaseInput {
  return {
    purchaseId: `c-${draft.lotId}`.slice(0, 64),
    lotId: draft.lotId,
    producerId: draft.producerId,
    weightKg: draft.weightKg,
    priceMxn: draft.price,
    deductions: [{ kind: "quality", amount: draft.deduction }],
    premiums: [{ kind: "biodiversity", amount: draft.premium }],
  };
}

function originText(site: Site): string {
  return site.kind === "plot"
    ? t("field.deliveries.origin.plot", { id: site.id, product: t(`shell.term.product.${site.product}`), area: mxNumber(site.areaHa ?? 0) })
    : t("field.deliveries.origin.apiary", { id: site.id, count: site.hiveCount ?? 0 });
}

/** The amount the purchase would record, in Mexican format, or "" while the input is
 * incomplete. */
function amountText(draft: Draft): string {
  const built = purchaseBody(purchaseInput(draft));
  if (!built.ok) return "";
  const cents = decimalUnits(String(built.value["amount_mxn"]), 2) ?? 0n;
  return `$ ${mxNumber(Number(cents / 100n))}.${(cents % 100n).toString().padStart(2, "0")}`;
}

/** The UTC day: a harvest may not end after the statement's own (UTC) date. */
const utcToday = () => new Date().toISOString().slice(0, 10);

export function DeliveriesScreen() {
  useLanguage();
  const c = useCapture<Draft, { message: string; lot: string }>(
    "deliveries",
    () => ({ lotId: "", producerId: "", origin: "", weightKg: "", date: isoToday(), notes: "", buy: false, price: "", deduction: "", premium: "" }),
    { field: "lotId", prefix: "h" },
  );
  const { field, draft, update, errors } = c;

  if (!canCapture(field.context)) return <NotEnrolled title={t("shell.deliveries.title")} />;
  const sites = (field.reference?.sites ?? []).filter((s) => s.producerId === draft.producerId);
  const site = sites.find((s) => `${s.kind}:${s.id}` === draft.origin) ?? null;
  const deliveries = field.items.filter((i) => i.signed.statement.type === "lot.harvested").reverse();

  const save = async () => {
    const built = deliveryBody(
      { lotId: draft.lotId, origin: site ? { kind: site.kind, id: site.id, product: site.product } : null, weightKg: draft.weightKg, date: draft.date },
      utcToday(),
    );
    const bought = draft.buy ? purchaseBody(purchaseInput(draft)) : null;
    const purchaseErrors = bought && !bought.ok ? bought.errors : {};
    if (!built.ok || (bought && !bought.ok)) {
      c.setErrors({ ...purchaseErrors, ...(built.ok ? {} : built.errors), ...(draft.producerId ? {} : { producer_id: "field.error.pick_member" }) });
      return;
    }
    await c.sign(async () => {
      const member = findMember(field.reference, draft.producerId);
      const notes = draft.notes.trim();
      const harvested = await c.record("lot.harvested", built.value, {
        dependsOn: pendingKeys(site, member),
        meta: { producer_id: draft.producerId, ...(notes ? { notes } : {}) },
      });
      let what = t("field.deliveries.what", { id: draft.lotId });
      if (bought && bought.ok) {
        await capture("purchase.recorded", bought.value, { dependsOn: [harvested.item.key] });
        what = `${what}, ${t("field.deliveries.purchase.what", { id: draft.lotId })}`;
      }
      return { message: t("field.saved", { what }), lot: draft.lotId };
    });
  };

  return (
    <Screen title={t("shell.deliveries.title")}>
      <CaptureForm id="delivery-form" legend={t("field.deliveries.new")} busy={c.busy} saved={c.saved?.message ?? null} failure={c.failure} correcting={c.correcting} correctingWhy={c.correctingWhy}
        savedExtra={c.saved && <a class="button show-receipt" {...linkTo(`receipts?lot=${encodeURIComponent(c.saved.lot)}`)}>{t("field.deliveries.receipt")}</a>}
        onSave={() => void save()} onDiscard={c.discard}>
        <Input name="lot_id" label={t("field.deliveries.lot")} value={draft.lotId} errors={errors} onInput={(v) => update({ lotId: v })} />
        <MemberSelect label={t("field.deliveries.member")} value={draft.producerId} errors={errors} reference={field.reference}
          onChange={(v) => update({ producerId: v, origin: "" })} />
        {draft.producerId && sites.length === 0 && <p class="notice">{t("field.deliveries.no_origin")}</p>}
        <Select name="origin" label={t("field.deliveries.origin")} value={draft.origin} errors={errors}
          options={sites.map((s) => ({ value: `${s.kind}:${s.id}`, text: originText(s) }))} onChange={(v) => update({ origin: v })} />
        {site && (
          <p class="figure" id="delivery-product">
            {t("field.deliveries.product", { product: t(`shell.term.product.${site.product}`), form: t(`shell.term.form.${HARVEST_FORMS[site.product]}`) })}
          </p>
        )}
        <Input name="quantity_kg" inputMode="decimal" label={t("field.deliveries.weight")} value={draft.weightKg} errors={errors} onInput={(v) => update({ weightKg: v })} />
        <Check name="buy" label={t("field.deliveries.purchase")} checked={draft.buy} onChange={(v) => update({ buy: v })} />
        {draft.buy && (
          <>
            <p class="muted">{t("field.deliveries.purchase.help")}</p>
            <Input name="price_per_kg_mxn" inputMode="decimal" label={t("field.deliveries.price")} value={draft.price} errors={errors} onInput={(v) => update({ price: v })} />
            <Input name="deductions.0.amount_mxn" inputMode="decimal" label={t("field.deliveries.deduction")} optional value={draft.deduction} errors={errors} onInput={(v) => update({ deduction: v })} />
            <Input name="premiums.0.amount_mxn" inputMode="decimal" label={t("field.deliveries.premium")} optional value={draft.premium} errors={errors} onInput={(v) => update({ premium: v })} />
            {amountText(draft) && <p class="figure" id="purchase-amount">{t("field.deliveries.amount", { amount: amountText(draft) })}</p>}
            {errors["deductions"] && <p class="error" role="alert">{t(errors["deductions"])}</p>}
          </>
        )}
        <Input name="harvested_from" type="date" label={t("field.deliveries.date")} value={draft.date} errors={errors} onInput={(v) => update({ date: v })} />
        <Input name="notes" multiline label={t("field.deliveries.notes")} optional help={t("field.deliveries.notes.help")} value={draft.notes} onInput={(v) => update({ notes: v })} />
      </CaptureForm>
      <RecordList title={t("field.deliveries.list")} none={t("field.deliveries.none")} id="deliveries" reference={field.reference} records={deliveries}
        card={(item) => {
          const body = item.signed.statement.body as { lot_id: string; product: string; form: string; quantity_kg: number; harvested_from: string };
          return (
            <li class="card" key={item.key} data-id={body.lot_id}>
              <p class="card-title">{body.lot_id}</p>
              <p class="figure">
                {mxKg(Math.round(body.quantity_kg * 1000))} · {t(`shell.term.product.${body.product}`)} · {mxDate(body.harvested_from)}
              </p>
              <p class="muted">{t(`field.receipts.state.${item.state}`)}</p>
              <a class="button secondary" {...linkTo(`receipts?lot=${encodeURIComponent(body.lot_id)}`)}>{t("field.deliveries.receipt")}</a>
            </li>
          );
        }} />
    </Screen>
  );
}
