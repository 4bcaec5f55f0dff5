/**
 * Apiaries: a point (the phone's GPS, with its accuracy shown and the association's 10 m
 * gate, or typed `longitude, latitude`) and the hive count. The point is checked against the
 * association's state with the same boundaries and words as plots before it is signed.
 */
import { useEffect, useState } from "preact/hooks";
import { loadBoundaries } from "../geo/boundaries";
import { DEFAULT_TRACK } from "../geo/track";
import { roundHalfEven } from "../geo/rounding";
import { mxNumber, t, useLanguage } from "../i18n";
import { describeProblem } from "../plots";
import { apiaryBody } from "./bodies";
import { CaptureForm, findMember, MemberSelect, NotEnrolled, RecordList, Screen, useCapture } from "./capture";
import { Input } from "./Form";
import { canCapture } from "./hooks";
import { pendingKeys } from "./reference";

interface Draft {
  apiaryId: string;
  producerId: string;
  hiveCount: string;
  municipality: string;
  typed: string;
  gps: [number, number] | null;
}

/** `-89.61, 18.52` → [lon, lat], or null. */
export function parsePosition(text: string): [number, number] | null {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*[,;\s]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match) return null;
  return [Number(match[1]), Number(match[2])];
}

function useGps(active: boolean): { fix: GeolocationPosition | null; error: boolean } {
  const [fix, setFix] = useState<GeolocationPosition | null>(null);
  const [error, setError] = useState(false);
  useEffect(() => {
    if (!active || !("geolocation" in navigator)) return;
    const id = navigator.geolocation.watchPosition(
      (p) => { setFix(p); setError(false); },
      () => setError(true),
      { enableHighAccuracy: true, maximumAge: 0, timeout: 30_000 },
    );
    return () => navigator.geolocation.clearWatch(id);
  }, [active]);
  return { fix, error };
}

export function ApiariesScreen() {
  const lang = useLanguage();
  const c = useCapture<Draft>("apiaries", () => ({ apiaryId: "", producerId: "", hiveCount: "", municipality: "", typed: "", gps: null }), { field: "apiaryId", prefix: "ap" });
  const { field, draft, update, errors } = c;
  const [problem, setProblem] = useState<string | null>(null);
  const enrolled = canCapture(field.context);
  const { fix, error: gpsError } = useGps(enrolled);

  if (!canCapture(field.context)) return <NotEnrolled title={t("shell.apiaries.title")} />;
  const context = field.context;
  const goodFix = fix !== null && fix.coords.accuracy <= DEFAULT_TRACK.maxAccuracyM;
  const position = draft.typed.trim() ? parsePosition(draft.typed) : draft.gps;
  const member = findMember(field.reference, draft.producerId);
  const apiaries = (field.reference?.sites ?? []).filter((s) => s.kind === "apiary");

  const useFix = () => {
    if (!fix) return;
    const round = (x: number) => roundHalfEven(x, 7);
    update({ gps: [round(fix.coords.longitude), round(fix.coords.latitude)], typed: "" });
  };

  const save = async () => {
    setProblem(null);
    const built = apiaryBody({ ...draft, position, state: context.orgState });
    if (!built.ok) {
      c.setErrors(built.errors);
      return;
    }
    c.setErrors({});
    const boundaries = await loadBoundaries();
    const outside = boundaries.check([position as [number, number]], context.orgState);
    if (outside) {
      setProblem(describeProblem(lang, outside));
      return;
    }
    await c.sign(async () => {
      await c.record("apiary.registered", built.value, { dependsOn: pendingKeys(member) });
      return t("field.saved", { what: t("field.apiaries.what", { id: draft.apiaryId }) });
    });
  };

  return (
    <Screen title={t("shell.apiaries.title")}>
      <CaptureForm id="apiary-form" legend={t("field.apiaries.new")} busy={c.busy} saved={c.saved} failure={c.failure} correcting={c.correcting} correctingWhy={c.correctingWhy}
        onSave={() => void save()} onDiscard={() => { setProblem(null); c.discard(); }}>
        <Input name="apiary_id" label={t("field.apiaries.id")} value={draft.apiaryId} errors={errors} onInput={(v) => update({ apiaryId: v })} />
        <MemberSelect label={t("field.plots.member")} value={draft.producerId} errors={errors} reference={field.reference}
          onChange={(v) => update({ producerId: v })} />
        <Input name="hive_count" inputMode="numeric" label={t("field.apiaries.hives")} value={draft.hiveCount} errors={errors} onInput={(v) => update({ hiveCount: v })} />
        <Input name="municipality" label={t("field.plots.municipality")} optional value={draft.municipality} errors={errors} onInput={(v) => update({ municipality: v })} />
        <h2>{t("field.apiaries.location")}</h2>
        <p class="gps-accuracy" aria-live="polite">
          {fix ? t("field.apiaries.accuracy", { metres: mxNumber(Math.round(fix.coords.accuracy)) }) : t(gpsError ? "field.apiaries.gps_error" : "field.apiaries.gps_wait")}
        </p>
        <div class="actions">
          <button type="button" class="button apiary-use-gps" disabled={!goodFix} onClick={useFix}>{t("field.apiaries.use_gps")}</button>
        </div>
        <Input name="location" label={t("field.apiaries.typed")} optional value={draft.typed} errors={errors} onInput={(v) => update({ typed: v })} />
        {position && <p class="figure" id="apiary-position">{t("field.apiaries.position", { lon: String(position[0]), lat: String(position[1]) })}</p>}
        {problem && <p class="error" role="alert" data-field="location">{problem}</p>}
      </CaptureForm>
      <RecordList title={t("field.apiaries.list")} none={t("field.apiaries.none")} id="apiaries" reference={field.reference} records={apiaries}
        card={(a) => (
          <li class="card" key={a.id} data-id={a.id}>
            <p class="card-title">{a.id}</p>
            <p>{a.producerId}{a.hiveCount !== null && ` · ${t("field.apiaries.hive_count", { count: a.hiveCount })}`}</p>
            {a.pending && <p class="muted">{t("field.pending")}</p>}
          </li>
        )} />
    </Screen>
  );
}
