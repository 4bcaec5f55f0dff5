/**
 * Bytes as QR-numeric digits, as `labels/receipt.py`: each group of 7 bytes is its
 * big-endian integer in 17 zero-padded digits; a final group of k < 7 bytes takes 3, 5, 8,
 * 10, 13 or 15 digits. Numeric mode packs 3 digits in 10 bits, so this costs 1 % over raw
 * bytes, and a digit string survives every scanner and keyboard.
 */

const GROUP_BYTES = 7;
/** Digits of a group of k bytes: the length of 256**k − 1 in decimal. */
export const GROUP_DIGITS: Readonly<Record<number, number>> = { 1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 15, 7: 17 };
const TAIL_BYTES: Readonly<Record<number, number>> = { 3: 1, 5: 2, 8: 3, 10: 4, 13: 5, 15: 6 };

/** A digit string that no byte string gives. */
export class DigitsError extends Error {
  override readonly name = "DigitsError";
}

export function bytesToDigits(data: Uint8Array): string {
  let out = "";
  for (let start = 0; start < data.length; start += GROUP_BYTES) {
    const group = data.subarray(start, start + GROUP_BYTES);
    let value = 0n;
    for (const byte of group) value = (value << 8n) | BigInt(byte);
    out += value.toString().padStart(GROUP_DIGITS[group.length] as number, "0");
  }
  return out;
}

export function digitsToBytes(digits: string): Uint8Array {
  if (!/^[0-9]*$/.test(digits)) throw new DigitsError("expected only the digits 0-9 after the prefix");
  const full = Math.floor(digits.length / 17);
  const tail = digits.length % 17;
  if (tail !== 0 && TAIL_BYTES[tail] === undefined) {
    throw new DigitsError(`${digits.length} digits is not a whole number of bytes`);
  }
  const sizes: number[] = Array.from({ length: full }, () => GROUP_BYTES);
  if (tail !== 0) sizes.push(TAIL_BYTES[tail] as number);
  const out = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  let position = 0;
  let offset = 0;
  for (const size of sizes) {
    const width = GROUP_DIGITS[size] as number;
    let value = BigInt(digits.slice(position, position + width));
    if (value >= 1n << BigInt(8 * size)) throw new DigitsError(`group at digit ${position} exceeds ${size} bytes`);
    for (let i = size - 1; i >= 0; i--) {
      out[offset + i] = Number(value & 0xffn);
      value >>= 8n;
    }
    position += width;
    offset += size;
  }
  return out;
}
