/**
 * Numbers and dates written the Mexican way, exactly as the server's pages write them
 * (`api/i18n.py`: `mx_number`, `mx_kg`, `mx_date`), so a producer reads the same figure on
 * a receipt in the app and on the lot page. Both sides are checked against the same cases in
 * `tests/vectors/mx_format.json`.
 *
 * `Intl.NumberFormat("es-MX")` is not used: its rounding (half away from zero) differs from
 * Python's (exact binary value, ties to even) on values such as 2.125, and older Android
 * WebViews ship without full ICU data.
 */

function groupThousands(digits: string): string {
  const sign = digits.startsWith("-") ? "-" : "";
  const body = sign ? digits.slice(1) : digits;
  return sign + body.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** `|value|` to two decimals as Python's `format(value, ".2f")` does: the nearest, ties to even. */
function twoDecimals(magnitude: number): string {
  // A double can lie exactly halfway between two hundredths only if it is an odd multiple of
  // 1/8 (x.125, x.375, x.625, x.875); toFixed would round those up, Python to even.
  if (Number.isInteger(magnitude * 8) && !Number.isInteger(magnitude * 4)) {
    const below = BigInt(Math.floor(magnitude * 100));
    const hundredths = below % 2n === 0n ? below : below + 1n;
    return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, "0")}`;
  }
  return magnitude.toFixed(2);
}

/** A number as written in Mexico: `,` between thousands, `.` before at most two decimals. */
export function mxNumber(value: number): string {
  if (Number.isInteger(value)) return groupThousands(BigInt(value).toString());
  if (!Number.isFinite(value)) return String(value);
  const [whole = "0", fraction = ""] = twoDecimals(Math.abs(value)).split(".");
  const decimals = fraction.replace(/0+$/, "");
  const sign = value < 0 ? "-" : "";
  return `${sign}${groupThousands(whole)}${decimals ? `.${decimals}` : ""}`;
}

/** A mass in grams as kilograms: `207000` → `207 kg`. */
export function mxKg(grams: number): string {
  return `${mxNumber(grams / 1000)} kg`;
}

function isRealDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

/**
 * An ISO day (`YYYY-MM-DD` or `YYYYMMDD`, optionally followed by a time) as `dd/mm/aaaa`;
 * anything else unchanged, so a value the app does not understand is still shown.
 */
export function mxDate(text: string): string {
  const head = text.slice(0, 10);
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(head) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(head);
  if (!match) return text;
  const [, year = "", month = "", day = ""] = match;
  if (Number(year) < 1 || !isRealDay(Number(year), Number(month), Number(day))) return text;
  return `${day}/${month}/${year}`;
}

/** Today's local day as `YYYY-MM-DD` (the form the ledger and `mxDate` take). */
export function isoToday(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
