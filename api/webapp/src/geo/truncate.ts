/**
 * Coordinates as the EU system stores them: truncated toward zero to 6 decimals (EUDR
 * Operator API Reference §9.3 note 1), exactly as `ledger.supply.eudr.coordinate_text`.
 *
 * Both work on the shortest decimal text of the double (JS `String(x)` and Python `repr`
 * give the same digits), so `15.6` is `15.600000` and `-92.6012349` is `-92.601234`, never a
 * binary-rounding artefact; truncation toward zero moves a negative longitude *up*
 * (`-92.9999999` → `-92.999999`, where rounding would give `-93.000000`); a value that
 * truncates to zero has no minus sign. Not `toFixed(6)`: that rounds. Pinned on
 * `tests/vectors/eudr_truncation.json`, which Python writes.
 */
export const EUDR_DECIMALS = 6;

/** The EU's text of a coordinate: truncated toward zero to exactly 6 decimals. */
export function coordinateText(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a coordinate: ${value}`);
  let text = String(value);
  // JS writes |x| < 1e-6 with an exponent (Python from 1e-4): every such value truncates to 0.
  if (/e/i.test(text)) {
    if (Math.abs(value) >= 1) throw new Error(`not a coordinate: ${value}`);
    text = "0";
  }
  const dot = text.indexOf(".");
  let result: string;
  if (dot < 0) result = `${text}.${"0".repeat(EUDR_DECIMALS)}`;
  else {
    const decimals = text.length - dot - 1;
    result = decimals >= EUDR_DECIMALS ? text.slice(0, dot + 1 + EUDR_DECIMALS) : text + "0".repeat(EUDR_DECIMALS - decimals);
  }
  if (result.startsWith("-") && /^[0.]*$/.test(result.slice(1))) return result.slice(1);
  return result;
}

/** The coordinate the EU will hold (the double nearest to its truncated text). */
export function truncateCoordinate(value: number): number {
  return Number(coordinateText(value));
}
