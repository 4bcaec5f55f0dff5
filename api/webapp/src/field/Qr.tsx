/**
 * A QR code drawn as inline SVG from `@paulmillr/qr`'s module matrix: no canvas, no image
 * URL, nothing the Content-Security-Policy would block, sharp at any size and on paper.
 */
import encodeQR from "@paulmillr/qr";

export interface QrProps {
  text: string;
  /** Error correction: medium by default (what `biotraza receipt render` uses). */
  ecc?: "low" | "medium" | "quartile" | "high";
  label: string;
  id?: string;
}

/** The dark modules as one SVG path, 1 unit per module, with a 4-module quiet zone. */
export function qrPath(modules: readonly (readonly boolean[])[]): string {
  let d = "";
  modules.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) d += `M${x + 4} ${y + 4}h1v1h-1z`;
    });
  });
  return d;
}

export function Qr({ text, ecc = "medium", label, id }: QrProps) {
  const modules = encodeQR(text, "raw", { ecc, border: 0 });
  const size = modules.length + 8;
  return (
    <svg id={id} class="qr" role="img" aria-label={label} viewBox={`0 0 ${size} ${size}`} shape-rendering="crispEdges" data-modules={modules.length}>
      <rect width={size} height={size} fill="#fff" />
      <path d={qrPath(modules)} fill="#000" />
    </svg>
  );
}
