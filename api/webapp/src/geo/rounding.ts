/**
 * Python's `round(x, d)`, bit for bit: the decimal nearest to the double's exact value, ties
 * to even, read back as the nearest double.
 *
 * The server rounds plot rings to 7 decimals (storage) and checks they stay valid at 6 (the
 * EUDR export); `Math.round(x * 1e6) / 1e6` disagrees with that on exact ties such as
 * -92.0078125 (a double: 1/128), so the app would judge a different ring than the server.
 */
export function roundHalfEven(x: number, decimals: number): number {
  if (!Number.isFinite(x) || x === 0) return x + 0;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const exponent = Number(bits >> 52n);
  const fraction = bits & 0xfffffffffffffn;
  const m = exponent === 0 ? fraction : fraction | 0x10000000000000n;
  const e = exponent === 0 ? -1074 : exponent - 1075;
  const scale = 10n ** BigInt(decimals);
  let n: bigint;
  if (e >= 0) {
    n = (m << BigInt(e)) * scale;
  } else {
    const numerator = m * scale;
    const denominator = 1n << BigInt(-e);
    n = numerator / denominator;
    const twice = 2n * (numerator - n * denominator);
    if (twice > denominator || (twice === denominator && n % 2n === 1n)) n += 1n;
  }
  const result = Number(n) / Number(scale);
  return (x < 0 ? -result : result) + 0;
}
