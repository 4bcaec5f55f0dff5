/**
 * The deterministic raw DEFLATE of `labels/deflate.py`, rule for rule, and the inflater for
 * exactly what it writes.
 *
 * Why not `CompressionStream`: browsers' zlib (Chromium's fork) and Python's zlib choose
 * different matches, so the same statement would give two receipts. The rules here fix
 * every choice: one final fixed-Huffman block; greedy parsing taking at each position the
 * longest match of 3–258 bytes within the previous 32,768 bytes, the nearest among equals;
 * bits least-significant first, Huffman codes most-significant first (RFC 1951).
 *
 * `inflateFixed` reads only single-block fixed-Huffman streams (no `DecompressionStream`,
 * which older Android WebViews lack for raw deflate); a receipt is also re-encoded after
 * decoding and must match, so accepting only this subset loses nothing.
 */

const WINDOW = 32768;
const MIN_MATCH = 3;
const MAX_MATCH = 258;
const LENGTH_BASES = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASES = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/** A stream that is not one final fixed-Huffman block, or is cut short or overlong. */
export class InflateError extends Error {
  override readonly name = "InflateError";
}

class BitWriter {
  private readonly out: number[] = [];
  private acc = 0;
  private count = 0;

  put(value: number, width: number): void {
    for (let i = 0; i < width; i++) {
      this.acc |= ((value >>> i) & 1) << this.count;
      this.count += 1;
      if (this.count === 8) {
        this.out.push(this.acc);
        this.acc = 0;
        this.count = 0;
      }
    }
  }

  huffman(code: number, width: number): void {
    for (let i = width - 1; i >= 0; i--) this.put((code >>> i) & 1, 1);
  }

  finish(): Uint8Array {
    if (this.count > 0) this.out.push(this.acc);
    return Uint8Array.from(this.out);
  }
}

function writeSymbol(bits: BitWriter, symbol: number): void {
  if (symbol < 144) bits.huffman(0x30 + symbol, 8);
  else if (symbol < 256) bits.huffman(0x190 + symbol - 144, 9);
  else if (symbol < 280) bits.huffman(symbol - 256, 7);
  else bits.huffman(0xc0 + symbol - 280, 8);
}

function bucket(value: number, bases: readonly number[]): number {
  let index = 0;
  while (index + 1 < bases.length && (bases[index + 1] as number) <= value) index += 1;
  return index;
}

function longest(data: Uint8Array, pos: number): [number, number] {
  const limit = Math.min(MAX_MATCH, data.length - pos);
  if (limit < MIN_MATCH) return [0, 0];
  let bestLen = 0;
  let bestDist = 0;
  const farthest = Math.min(pos, WINDOW);
  for (let dist = 1; dist <= farthest; dist++) {
    const start = pos - dist;
    let length = 0;
    while (length < limit && data[start + length] === data[pos + length]) length += 1;
    if (length > bestLen) {
      bestLen = length;
      bestDist = dist;
      if (length === limit) break;
    }
  }
  return bestLen >= MIN_MATCH ? [bestLen, bestDist] : [0, 0];
}

/** The one raw DEFLATE stream of `data` under the shared rules (byte-identical to Python). */
export function deflateRaw(data: Uint8Array): Uint8Array {
  const bits = new BitWriter();
  bits.put(1, 1); // BFINAL
  bits.put(1, 2); // BTYPE = 01
  let pos = 0;
  while (pos < data.length) {
    const [length, dist] = longest(data, pos);
    if (length === 0) {
      writeSymbol(bits, data[pos] as number);
      pos += 1;
      continue;
    }
    const index = bucket(length, LENGTH_BASES);
    writeSymbol(bits, 257 + index);
    bits.put(length - (LENGTH_BASES[index] as number), LENGTH_EXTRA[index] as number);
    const dindex = bucket(dist, DIST_BASES);
    bits.huffman(dindex, 5);
    bits.put(dist - (DIST_BASES[dindex] as number), DIST_EXTRA[dindex] as number);
    pos += length;
  }
  writeSymbol(bits, 256);
  return bits.finish();
}

class BitReader {
  private pos = 0;
  constructor(private readonly data: Uint8Array) {}

  bit(): number {
    const byte = this.data[this.pos >>> 3];
    if (byte === undefined) throw new InflateError("the stream ends before its end-of-block code");
    const value = (byte >>> (this.pos & 7)) & 1;
    this.pos += 1;
    return value;
  }

  bits(width: number): number {
    let value = 0;
    for (let i = 0; i < width; i++) value |= this.bit() << i;
    return value;
  }

  /** Bytes not touched by the stream (after the last partial byte). */
  get trailing(): number {
    return this.data.length - Math.ceil(this.pos / 8);
  }
}

function readSymbol(bits: BitReader): number {
  let code = 0;
  for (let i = 0; i < 7; i++) code = (code << 1) | bits.bit();
  if (code <= 0x17) return 256 + code; // 7-bit codes: 256–279
  code = (code << 1) | bits.bit();
  if (code >= 0x30 && code <= 0xbf) return code - 0x30; // 8-bit: literals 0–143
  if (code >= 0xc0 && code <= 0xc7) return 280 + code - 0xc0; // 8-bit: 280–287
  code = (code << 1) | bits.bit();
  return 144 + code - 0x190; // 9-bit: literals 144–255
}

/** Inflate one final fixed-Huffman block; at most `maxOutput` bytes, no trailing bytes. */
export function inflateFixed(data: Uint8Array, maxOutput: number): Uint8Array {
  const bits = new BitReader(data);
  if (bits.bit() !== 1 || bits.bits(2) !== 1) throw new InflateError("expected one final block with fixed Huffman codes");
  const out: number[] = [];
  for (;;) {
    const symbol = readSymbol(bits);
    if (symbol < 256) {
      out.push(symbol);
    } else if (symbol === 256) {
      break;
    } else {
      const index = symbol - 257;
      if (index >= LENGTH_BASES.length) throw new InflateError(`invalid length code ${symbol}`);
      const length = (LENGTH_BASES[index] as number) + bits.bits(LENGTH_EXTRA[index] as number);
      let dcode = 0;
      for (let i = 0; i < 5; i++) dcode = (dcode << 1) | bits.bit();
      if (dcode >= DIST_BASES.length) throw new InflateError(`invalid distance code ${dcode}`);
      const dist = (DIST_BASES[dcode] as number) + bits.bits(DIST_EXTRA[dcode] as number);
      if (dist > out.length) throw new InflateError("a match reaches before the start of the data");
      for (let i = 0; i < length; i++) out.push(out[out.length - dist] as number);
    }
    if (out.length > maxOutput) throw new InflateError(`more than ${maxOutput} bytes`);
  }
  if (bits.trailing !== 0) throw new InflateError("bytes after the end of the stream");
  return Uint8Array.from(out);
}
