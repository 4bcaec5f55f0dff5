/** The plot sketch (SVG): boundary, vertices, raw track, current position, scale bar, north. */
import type { Lang } from "./messages";
import { type SketchInput, layoutSketch } from "./sketch";
import { formatLength, translate } from "./text";

export interface SketchProps extends SketchInput {
  lang: Lang;
}

export function Sketch(props: SketchProps) {
  const s = layoutSketch(props);
  const { x, y, length } = s.scaleBar;
  return (
    <svg
      viewBox={`0 0 ${s.width} ${s.height}`}
      role="img"
      aria-label={translate(props.lang, "plots.sketch")}
      style={{ width: "100%", maxWidth: `${s.width}px`, background: "#fff", border: "2px solid #000", display: "block" }}
    >
      {s.trackPath && <path d={s.trackPath} fill="none" stroke="#888" stroke-width="1" stroke-dasharray="3 3" />}
      {s.path && <path class="plot-boundary" d={s.path} fill={props.closed ? "rgba(0,110,0,0.18)" : "none"} stroke="#005a00" stroke-width="3" stroke-linejoin="round" />}
      {s.points.map(([px, py], i) => <circle key={i} cx={px} cy={py} r="4" fill="#005a00" />)}
      {s.current && (
        <g class="plot-current">
          <circle cx={s.current.x} cy={s.current.y} r={s.current.r} fill="rgba(0,80,200,0.15)" stroke="#0050c8" />
          <circle cx={s.current.x} cy={s.current.y} r="5" fill="#0050c8" stroke="#fff" stroke-width="2" />
        </g>
      )}
      <g class="plot-scale">
        <path d={`M${x} ${y - 6} V${y} H${x + length} V${y - 6}`} fill="none" stroke="#000" stroke-width="2" />
        <text x={x} y={y - 10} font-size="14" font-family="sans-serif" fill="#000">{formatLength(props.lang, s.scaleBar.metres)}</text>
      </g>
      <g class="plot-north" transform={`translate(${s.north.x} ${s.north.y})`}>
        <path d="M0 -16 L8 8 L0 3 L-8 8 Z" fill="#000" />
        <text x="0" y="24" font-size="14" font-family="sans-serif" font-weight="bold" text-anchor="middle" fill="#000">{translate(props.lang, "plots.north")}</text>
      </g>
    </svg>
  );
}
