/**
 * Capture a plot's boundary: walk it, tap its corners, type or paste its coordinates, or
 * (up to 4 ha) mark one point. Shows the GPS accuracy, live area and perimeter, a sketch and
 * the validation result in plain words; hands back the validated geometry and the raw track
 * through `onDone`. It signs and stores nothing: that is the caller's job.
 *
 * Geolocation: `navigator.geolocation.watchPosition` with high accuracy, running while a
 * GPS mode is shown (so accuracy is visible before walking starts). Pass `geolocation` to
 * inject another source (tests, a Bluetooth GNSS bridge).
 */
import { useEffect, useMemo, useReducer, useState } from "preact/hooks";
import { type Boundaries, loadBoundaries } from "../geo/boundaries";
import type { OtherPlot } from "../geo/overlap";
import { DEFAULT_TRACK, type TrackOptions } from "../geo/track";
import { type PlotCheck, type ValidationOptions, validatePlot } from "../geo/validate";
import { type Action, type CaptureState, type CapturedPlot, type GpsError, type Mode, candidate, captured, goodFix, initialCapture, reduce } from "./capture";
import type { Lang } from "./messages";
import { Sketch } from "./Sketch";
import { describeProblem, formatHa, formatLength, mxNumber, translate } from "./text";
import { fromDraft, hasProgress, walkDrafts, type WalkDraft } from "./walkDraft";

export interface PlotCaptureProps {
  /** Declared INEGI state code of the plot ("07" Chiapas). */
  state: string;
  lang: Lang;
  onDone: (plot: CapturedPlot) => void;
  onCancel?: () => void;
  /** The association's other plots, to flag overlaps. */
  others?: readonly OtherPlot[];
  /** The association's walk settings (accuracy gate, spacing); defaults: DEFAULT_TRACK. */
  track?: Partial<TrackOptions>;
  /** The association's plausibility settings; defaults: DEFAULT_VALIDATION. */
  validation?: Partial<ValidationOptions>;
  initialMode?: Mode;
  geolocation?: Geolocation | null;
  /** Already loaded boundaries; by default the bundled ones are loaded on mount. */
  boundaries?: Boundaries;
  /**
   * Keep the capture in progress in IndexedDB under this name (walkDraft.ts) and, on the next
   * mount, offer to continue it or discard it. Without it nothing is kept.
   */
  draftKey?: string;
}

/** A kept capture waiting for "Continuar recorrido" / "Descartar". */
function ResumeOffer(p: { draft: WalkDraft; lang: Lang; onResume: () => void; onDiscard: () => void }) {
  const t = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate(p.lang, key, params);
  const vertices = p.draft.mode === "walk" ? p.draft.walk.vertices.length : p.draft.mode === "tap" ? p.draft.tapped.length : p.draft.point ? 1 : 0;
  return (
    <div class="notice walk-resume" id="walk-resume" role="alertdialog" aria-labelledby="walk-resume-q">
      <p id="walk-resume-q" style={{ fontWeight: 700 }}>{t("plots.resume.question")}</p>
      <p class="walk-resume-figures">{t("plots.resume.figures", { vertices: mxNumber(vertices, 0), fixes: mxNumber(p.draft.raw.length, 0), mode: t(`plots.mode.${p.draft.mode}`) })}</p>
      <div style={{ display: "flex", flexWrap: "wrap", gap: "8px" }}>
        <button type="button" class="walk-continue" style={button(true)} onClick={p.onResume}>{t("plots.resume.continue")}</button>
        <button type="button" class="walk-discard" style={button()} onClick={p.onDiscard}>{t("plots.resume.discard")}</button>
      </div>
    </div>
  );
}

const GPS_ERRORS: Record<number, GpsError> = { 1: "denied", 2: "unavailable", 3: "timeout" };
const MODES: Mode[] = ["walk", "tap", "typed", "point"];

const button = (primary = false) => ({
  minHeight: "48px", minWidth: "48px", padding: "10px 14px", fontSize: "18px", fontWeight: 600,
  border: "2px solid #000", borderRadius: "8px", background: primary ? "#005a00" : "#fff", color: primary ? "#fff" : "#000",
});

export function PlotCapture(props: PlotCaptureProps) {
  const options: TrackOptions = { ...DEFAULT_TRACK, ...props.track };
  const [state, dispatch] = useReducer((s: CaptureState, a: Action) => reduce(s, a, options), initialCapture(props.initialMode));
  const [boundaries, setBoundaries] = useState<Boundaries | null>(props.boundaries ?? null);
  const t = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate(props.lang, key, params);
  // "loading": reading a kept capture; "offer": asking whether to continue it; "live": capturing
  // (and, with a draftKey, keeping every change).
  const [phase, setPhase] = useState<"loading" | "offer" | "live">(props.draftKey ? "loading" : "live");
  const [kept, setKept] = useState<WalkDraft | null>(null);
  const key = props.draftKey;

  useEffect(() => {
    if (!key) return;
    let live = true;
    void walkDrafts()
      .then((drafts) => drafts.load(key))
      .catch(() => null)
      .then((draft) => {
        if (!live) return;
        if (draft && hasProgress(draft)) {
          setKept(draft);
          setPhase("offer");
        } else setPhase("live");
      });
    return () => { live = false; };
  }, [key]);

  useEffect(() => {
    if (!key || phase !== "live") return;
    void walkDrafts().then((drafts) => drafts.save(key, state)).catch(() => undefined);
  }, [key, phase, state.raw, state.walk, state.tapped, state.point, state.text, state.declaredAreaHa, state.mode, state.walking]);

  const resume = () => {
    if (kept) dispatch({ type: "restore", state: fromDraft(kept) });
    setKept(null);
    setPhase("live");
  };
  const discardKept = () => {
    if (key) void walkDrafts().then((drafts) => drafts.clear(key)).catch(() => undefined);
    setKept(null);
    setPhase("live");
  };
  const done = (plot: CapturedPlot) => {
    if (key) void walkDrafts().then((drafts) => drafts.clear(key)).catch(() => undefined);
    props.onDone(plot);
  };

  useEffect(() => {
    if (boundaries) return;
    let live = true;
    void loadBoundaries().then((b) => live && setBoundaries(b));
    return () => { live = false; };
  }, []);

  const usesGps = state.mode !== "typed";
  useEffect(() => {
    if (!usesGps) return;
    const geo = props.geolocation === undefined ? (typeof navigator !== "undefined" ? navigator.geolocation : null) : props.geolocation;
    if (!geo) {
      dispatch({ type: "gpsError", error: "unsupported" });
      return;
    }
    const id = geo.watchPosition(
      (p) => dispatch({ type: "fix", fix: { lon: p.coords.longitude, lat: p.coords.latitude, accuracyM: p.coords.accuracy, t: p.timestamp } }),
      (e) => dispatch({ type: "gpsError", error: GPS_ERRORS[e.code] ?? "unavailable" }),
      { enableHighAccuracy: true, maximumAge: 0, timeout: 30_000 },
    );
    return () => geo.clearWatch(id);
  }, [usesGps, props.geolocation]);

  const shape = useMemo(() => candidate(state, options), [state]);
  const check: PlotCheck | null = useMemo(
    () => (shape.geometry !== null && boundaries
      ? validatePlot({ geometry: shape.geometry, state: props.state, areaHa: shape.areaHa, others: props.others ?? [], options: props.validation ?? {} }, boundaries)
      : null),
    [shape, boundaries, props.state, props.others],
  );
  const result = check ? captured(state, check, props.state) : null;
  const fix = goodFix(state, options);
  const showProblems = !state.walking;
  const problems = shape.problem ? [shape.problem] : check?.problems ?? [];
  const area = check?.areaHa ?? shape.liveAreaHa;
  const perimeter = check?.perimeterM ?? shape.livePerimeterM;

  return (
    <section class="plot-capture" style={{ maxWidth: "480px", margin: "0 auto", padding: "8px", fontSize: "18px", color: "#000", background: "#fff" }}>
      <h2 style={{ margin: "4px 0 8px" }}>{t("plots.title")}</h2>
      {phase === "offer" && kept && <ResumeOffer draft={kept} lang={props.lang} onResume={resume} onDiscard={discardKept} />}
      {phase === "live" && (<>
      <div role="tablist" style={{ display: "grid", gridTemplateColumns: "repeat(4, 1fr)", gap: "4px" }}>
        {MODES.map((m) => (
          <button type="button" role="tab" aria-selected={state.mode === m} data-mode={m} key={m}
            style={{ ...button(state.mode === m), padding: "10px 2px", fontSize: "15px" }}
            onClick={() => dispatch({ type: "mode", mode: m })}>
            {t(`plots.mode.${m}`)}
          </button>
        ))}
      </div>
      <p style={{ margin: "8px 0" }}>{t(state.mode === "walk" && options.intervalS <= 0 ? "plots.mode.walk.help.distance" : `plots.mode.${state.mode}.help`, { metres: mxNumber(options.minDistanceM, 1), seconds: mxNumber(options.intervalS, 0) })}</p>

      {usesGps && (
        <p class="plot-accuracy" aria-live="polite" style={{ margin: "4px 0", fontWeight: 700, color: fix ? "#005a00" : "#a00000" }}>
          {state.gpsError ? t(`plots.gps.${state.gpsError}`)
            : !state.current ? t("plots.accuracy.none")
            : fix ? t("plots.accuracy", { metres: mxNumber(state.current.accuracyM, 0) })
            : `${t("plots.accuracy", { metres: mxNumber(state.current.accuracyM, 0) })} · ${t("plots.accuracy.poor", { max: mxNumber(options.maxAccuracyM, 0) })}`}
        </p>
      )}

      <dl class="plot-figures" style={{ display: "grid", gridTemplateColumns: "auto 1fr", gap: "2px 12px", margin: "8px 0" }}>
        <dt>{t("plots.area")}</dt>
        <dd class="plot-area" style={{ margin: 0, fontWeight: 700 }}>{area === null ? "—" : formatHa(props.lang, area)}</dd>
        <dt>{t("plots.perimeter")}</dt>
        <dd class="plot-perimeter" style={{ margin: 0, fontWeight: 700 }}>{perimeter === null ? "—" : formatLength(props.lang, perimeter)}</dd>
        <dt>{t("plots.vertices")}</dt>
        <dd class="plot-vertices" style={{ margin: 0 }}>{mxNumber(shape.vertices.length, 0)}</dd>
      </dl>
      {state.mode === "walk" && state.raw.length > 0 && (
        <p style={{ margin: "4px 0", fontSize: "16px" }}>{t("plots.fixes", { kept: mxNumber(state.walk.kept, 0), dropped: mxNumber(state.walk.dropped, 0) })}</p>
      )}

      <Sketch lang={props.lang} vertices={shape.vertices} closed={shape.closed}
        track={state.mode === "walk" ? state.raw.map((f) => [f.lon, f.lat] as const) : []}
        current={usesGps && state.current ? { position: [state.current.lon, state.current.lat], accuracyM: state.current.accuracyM } : null} />

      <div style={{ display: "flex", flexWrap: "wrap", gap: "8px", margin: "8px 0" }}>
        {state.mode === "walk" && (state.walking
          ? <button type="button" class="plot-stop" style={button(true)} onClick={() => dispatch({ type: "stop" })}>{t("plots.stop")}</button>
          : <button type="button" class="plot-start" style={button(true)} onClick={() => dispatch({ type: "start" })}>{t(state.walk.vertices.length ? "plots.resume" : "plots.start")}</button>)}
        {state.mode === "tap" && <button type="button" class="plot-corner" style={button(true)} disabled={!fix} onClick={() => dispatch({ type: "corner" })}>{t("plots.addCorner")}</button>}
        {state.mode === "point" && <button type="button" class="plot-use-position" style={button(true)} disabled={!fix} onClick={() => dispatch({ type: "usePosition" })}>{t("plots.usePosition")}</button>}
        {state.mode !== "typed" && <button type="button" class="plot-undo" style={button()} onClick={() => dispatch({ type: "undo" })}>{t("plots.undo")}</button>}
        <button type="button" class="plot-clear" style={button()} onClick={() => dispatch({ type: "clear" })}>{t("plots.clear")}</button>
      </div>

      {state.mode === "typed" && (
        <label style={{ display: "block" }}>
          {t("plots.coordinates")}
          <textarea class="plot-text" rows={6} value={state.text} spellcheck={false}
            style={{ display: "block", width: "100%", boxSizing: "border-box", fontSize: "16px", fontFamily: "monospace", border: "2px solid #000" }}
            onInput={(e) => dispatch({ type: "text", text: (e.currentTarget as HTMLTextAreaElement).value })} />
        </label>
      )}
      {(state.mode === "point" || (state.mode === "typed" && shape.vertices.length === 1)) && (
        <label style={{ display: "block", margin: "8px 0" }}>
          {t("plots.declaredArea")}
          <input class="plot-declared-area" type="text" inputMode="decimal" value={state.declaredAreaHa}
            style={{ display: "block", minHeight: "48px", fontSize: "18px", width: "100%", boxSizing: "border-box", border: "2px solid #000" }}
            onInput={(e) => dispatch({ type: "declaredArea", value: (e.currentTarget as HTMLInputElement).value })} />
        </label>
      )}

      {!boundaries && shape.geometry !== null && <p>{t("plots.loading")}</p>}
      {showProblems && problems.length > 0 && (
        <ul class="plot-problems" role="alert" style={{ color: "#a00000", fontWeight: 700, paddingLeft: "20px" }}>
          {problems.map((p, i) => <li key={i} data-code={p.code}>{describeProblem(props.lang, p)}</li>)}
        </ul>
      )}
      {showProblems && check && check.warnings.length > 0 && (
        <ul class="plot-warnings" style={{ color: "#7a4a00", fontWeight: 700, paddingLeft: "20px" }}>
          {check.warnings.map((p, i) => <li key={i} data-code={p.code}>{describeProblem(props.lang, p)}</li>)}
        </ul>
      )}
      {showProblems && result && <p class="plot-valid" style={{ color: "#005a00", fontWeight: 700 }}>✓ {t("plots.valid")}</p>}

      <div style={{ display: "flex", gap: "8px", margin: "12px 0" }}>
        <button type="button" class="plot-done" style={{ ...button(true), flex: 1 }} disabled={!result || state.walking}
          onClick={() => result && done(result)}>{t("plots.done")}</button>
        {props.onCancel && <button type="button" class="plot-cancel" style={button()} onClick={props.onCancel}>{t("plots.cancel")}</button>}
      </div>
      </>)}
    </section>
  );
}
