// Little-endian 64-bit fields, of the trace stream and of the structs it
// carries, from their two 32-bit halves. Most values fit a double: those
// are made and printed without BigInt arithmetic, which is much slower.

const TWO32 = 0x100000000;
/** |high half| below this: the whole value is a safe integer. */
const SAFE_HIGH = 0x200000;

/** BigInts of the small values arguments and results mostly are (fds,
 *  flags, counts, -1): made once, as making one costs a runtime call and an
 *  allocation (BigInts are immutable, so sharing them is safe). */
const SMALL_MIN = -256;
const SMALL_MAX = 0x2000;
const SMALL: Array<bigint | undefined> = new Array(SMALL_MAX - SMALL_MIN + 1);

/** A signed 64-bit value from its low (unsigned) and high (signed) halves. */
export function int64(lo: number, hi: number): bigint {
  if (hi > -SAFE_HIGH && hi < SAFE_HIGH) {
    const v = hi * TWO32 + lo;
    // One conversion from an exact double, not shifting and or-ing BigInts.
    if (v < SMALL_MIN || v > SMALL_MAX) return BigInt(v);
    return (SMALL[v - SMALL_MIN] ??= BigInt(v));
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** An unsigned 64-bit value from its two unsigned halves. */
export function uint64(lo: number, hi: number): bigint {
  return hi < SAFE_HIGH ? BigInt(hi * TWO32 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

/** A signed 64-bit value as a number (exact while it is a safe integer). */
export function int64Number(lo: number, hi: number): number {
  if (hi > -SAFE_HIGH && hi < SAFE_HIGH) return hi * TWO32 + lo;
  return Number(int64(lo, hi));
}

/** The BigInts of recent other values, by their halves (direct-mapped): a
 *  program passes the same addresses again and again (its buffers). */
const RECENT = 1024;
const recentLo = new Int32Array(RECENT);
const recentHi = new Int32Array(RECENT);
const recent: bigint[] = new Array<bigint>(RECENT).fill(0n); // (0, 0) is 0n

/** A signed 64-bit field of a DataView as a BigInt: small ones and recent
 *  ones shared, others made by DataView itself (BigInt(number) calls into
 *  the runtime). */
export function int64At(dv: DataView, off: number): bigint {
  const hi = dv.getInt32(off + 4, true);
  const lo = dv.getInt32(off, true);
  if (hi === 0 || hi === -1) {
    const v = hi * TWO32 + (lo >>> 0);
    if (v >= SMALL_MIN && v <= SMALL_MAX) return (SMALL[v - SMALL_MIN] ??= BigInt(v));
  }
  const i = (lo ^ (lo >>> 10) ^ hi) & (RECENT - 1);
  if (recentLo[i] === lo && recentHi[i] === hi) return recent[i]!;
  const v = dv.getBigInt64(off, true);
  recentLo[i] = lo;
  recentHi[i] = hi;
  recent[i] = v;
  return v;
}

/** An unsigned 64-bit field of a DataView as a BigInt. */
export const uint64At = (dv: DataView, off: number): bigint => dv.getBigUint64(off, true);

/** A signed 64-bit field of a DataView as a number (exact while it is a safe integer). */
export const int64NumberAt = (dv: DataView, off: number): number => int64Number(dv.getUint32(off, true), dv.getInt32(off + 4, true));

// 32-bit fields of a Buffer from its bytes: Buffer's read methods are
// JavaScript with argument checks, slow until optimised, and a trace is
// mostly read once (the decoder of a short run never warms up).

/** An unsigned 32-bit little-endian field of a buffer. */
export const rdU32 = (b: Buffer, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
/** A signed 32-bit little-endian field of a buffer. */
export const rdI32 = (b: Buffer, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);

/** A signed 64-bit field of a buffer as a BigInt. */
export function i64(b: Buffer, off: number): bigint {
  return int64(rdU32(b, off), rdI32(b, off + 4));
}

/** An unsigned 64-bit field of a buffer as a BigInt. */
export function u64(b: Buffer, off: number): bigint {
  return uint64(rdU32(b, off), rdU32(b, off + 4));
}

/** A signed 64-bit field in decimal. */
export function i64Text(b: Buffer, off: number): string {
  const lo = rdU32(b, off);
  const hi = rdI32(b, off + 4);
  if (hi > -SAFE_HIGH && hi < SAFE_HIGH) return String(hi * TWO32 + lo);
  return int64(lo, hi).toString();
}

/** An unsigned 64-bit field in decimal. */
export function u64Text(b: Buffer, off: number): string {
  const lo = rdU32(b, off);
  const hi = rdU32(b, off + 4);
  if (hi < SAFE_HIGH) return String(hi * TWO32 + lo);
  return uint64(lo, hi).toString();
}
