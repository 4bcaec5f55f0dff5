/**
 * Plots: pick the member and crop, capture the boundary with `PlotCapture` (walk, corners,
 * typed, point), then sign `plot.registered`. The geometry and area go into the body exactly
 * as the component hands them back (already what the server stores); the raw GPS track stays
 * with the outbox item on the phone (`meta.track`).
 */
import type { JsonObject } from "../crypto/statements";
import type { OtherPlot } from "../geo/overlap";
import type { PlotGeometry } from "../geo/types";
import { mxNumber, t, useLanguage } from "../i18n";
import { PlotCapture, type CapturedPlot } from "../plots";
import { plotBody, PRODUCTS, type CapturedShape, type Product } from "./bodies";
import { CaptureForm, findMember, MemberSelect, NotEnrolled, RecordList, Screen, useCapture } from "./capture";
import { Input, Select } from "./Form";
import { canCapture } from "./hooks";
import { pendingKeys } from "./reference";

interface Draft {
  plotId: string;
  producerId: string;
  product: Product | "";
  municipality: string;
  shape: (CapturedShape & { track: unknown[] }) | null;
}

export function PlotsScreen() {
  const lang = useLanguage();
  const c = useCapture<Draft>("plots", () => ({ plotId: "", producerId: "", product: "", municipality: "", shape: null }), { field: "plotId", prefix: "pl" });
  const { field, draft, update, errors } = c;

  if (!canCapture(field.context)) return <NotEnrolled title={t("shell.plots.title")} />;
  const context = field.context;
  const products = context.products.length ? context.products.filter((p) => PRODUCTS.includes(p) && p !== "honey") : ["coffee", "cacao"];
  const product = (draft.product || (products.length === 1 ? products[0] : "")) as Product | "";
  const sites = field.reference?.sites ?? [];
  const plots = sites.filter((s) => s.kind === "plot");
  const others: OtherPlot[] = plots.map((p) => ({ id: p.id, geometry: p.geometry as PlotGeometry }));
  const member = findMember(field.reference, draft.producerId);

  const onCaptured = (plot: CapturedPlot) => {
    update({ shape: { geometry: plot.geometry as unknown as JsonObject, area_ha: plot.area_ha, state: plot.state, track: plot.track } });
  };

  const save = async () => {
    // A shape reopened by "Corregir" from a statement without its state takes the association's.
    const shape = draft.shape && { ...draft.shape, state: draft.shape.state || context.orgState };
    const built = plotBody({ plotId: draft.plotId, producerId: draft.producerId, product: product as Product, municipality: draft.municipality }, shape);
    if (!built.ok || !product) {
      c.setErrors({ ...(built.ok ? {} : built.errors), ...(product ? {} : { product: "field.error.required" }) });
      return;
    }
    await c.sign(async () => {
      await c.record("plot.registered", built.value, { dependsOn: pendingKeys(member), meta: { track: draft.shape?.track ?? [] } });
      return t("field.saved", { what: t("field.plots.what", { id: draft.plotId }) });
    });
  };

  return (
    <Screen title={t("shell.plots.title")}>
      <CaptureForm id="plot-form" legend={t("field.plots.new")} busy={c.busy} saved={c.saved} failure={c.failure} correcting={c.correcting} correctingWhy={c.correctingWhy}
        onSave={() => void save()} onDiscard={c.discard}>
        <Input name="plot_id" label={t("field.plots.id")} value={draft.plotId} errors={errors} onInput={(v) => update({ plotId: v })} />
        <MemberSelect label={t("field.plots.member")} value={draft.producerId} errors={errors} reference={field.reference}
          onChange={(v) => update({ producerId: v })} />
        <Select name="product" label={t("field.plots.product")} value={product} errors={errors}
          options={products.map((p) => ({ value: p, text: t(`shell.term.product.${p}`) }))} onChange={(v) => update({ product: v as Product })} />
        <Input name="municipality" label={t("field.plots.municipality")} optional value={draft.municipality} errors={errors} onInput={(v) => update({ municipality: v })} />
        <h2>{t("field.plots.boundary")}</h2>
        {draft.shape ? (
          <div class="notice" id="plot-captured">
            <p>{t("field.plots.captured", { area: mxNumber(draft.shape.area_ha) })}</p>
            <button type="button" class="button secondary" onClick={() => update({ shape: null })}>{t("field.plots.recapture")}</button>
          </div>
        ) : (
          <>
            <PlotCapture state={context.orgState} lang={lang} others={others} onDone={onCaptured} draftKey="plots" />
            {errors["geometry"] && <p class="error" data-field="geometry">{t(errors["geometry"])}</p>}
          </>
        )}
      </CaptureForm>
      <RecordList title={t("field.plots.list")} none={t("field.plots.none")} id="plots" reference={field.reference} records={plots}
        card={(p) => (
          <li class="card" key={p.id} data-id={p.id}>
            <p class="card-title">{p.id}</p>
            <p>
              {p.producerId} · {t(`shell.term.product.${p.product}`)}
              {p.areaHa !== null && ` · ${mxNumber(p.areaHa)} ha`}
            </p>
            {p.pending && <p class="muted">{t("field.pending")}</p>}
          </li>
        )} />
    </Screen>
  );
}
