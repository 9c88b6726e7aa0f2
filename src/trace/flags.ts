// Printing numbers as strace does: sets of flags (`O_RDONLY|O_CLOEXEC`, the
// unknown rest in hex) and enumerations (`SEEK_SET`, or the number with a
// `/* NAME_??? */` comment).

export type FlagTable = ReadonlyArray<readonly [string, bigint]>;

export function hex(v: bigint | number): string {
  // Numbers in [0, 2^53) print without a BigInt.
  if (typeof v === 'number' && v >= 0 && Number.isSafeInteger(v)) return '0x' + v.toString(16);
  return '0x' + BigInt.asUintN(64, BigInt(v)).toString(16);
}

/** Texts already made, per table and value: a trace repeats the same few
 *  flag sets and values many times. Bounded, as values may be random. */
const MEMO_LIMIT = 512;
const memos = new WeakMap<FlagTable, Map<number, string>>();

function memoOf(table: FlagTable): Map<number, string> {
  let m = memos.get(table);
  if (!m) {
    m = new Map();
    memos.set(table, m);
  }
  return m;
}

/** Values that fit 32 bits are memoised by number (cheap keys). */
function smallKey(value: bigint | number): number | undefined {
  if (typeof value === 'number') return value >= 0 && value <= 0xffffffff && Number.isInteger(value) ? value : undefined;
  return value >= 0n && value <= 0xffffffffn ? Number(value) : undefined;
}

/** Names of the set bits in table order; what no name covers, in hex. A
 *  table entry may cover several bits (O_SYNC), taken whole or not at all. */
export function flags(value: bigint | number, table: FlagTable, zero = '0'): string {
  const key = smallKey(value);
  if (key === 0) return zero;
  if (key === undefined) return flagsText(BigInt.asUintN(64, BigInt(value)), table, zero);
  const memo = memoOf(table);
  let s = memo.get(key);
  if (s === undefined) {
    s = flagsText(BigInt(key), table, zero);
    if (memo.size < MEMO_LIMIT) memo.set(key, s);
  }
  return s;
}

function flagsText(value: bigint, table: FlagTable, zero: string): string {
  let rest = value;
  if (rest === 0n) return zero;
  const parts: string[] = [];
  for (const [name, bits] of table) {
    if (bits !== 0n && (rest & bits) === bits) {
      parts.push(name);
      rest &= ~bits;
    }
  }
  if (rest !== 0n) parts.push(hex(rest));
  return parts.join('|');
}

/** Value → name, per table, built on first use. */
const names = new WeakMap<FlagTable, Map<bigint, string>>();

/** The name of a value, or the number with strace's unknown-value comment. */
export function enumName(value: bigint | number, table: FlagTable, unknown?: string, asHex = false): string {
  let byValue = names.get(table);
  if (!byValue) {
    byValue = new Map();
    // The first entry of a value wins, as in a search in table order.
    for (const [name, v] of table) if (!byValue.has(v)) byValue.set(v, name);
    names.set(table, byValue);
  }
  const big = typeof value === 'bigint' ? value : BigInt(value);
  const name = byValue.get(big);
  if (name !== undefined) return name;
  const num = asHex ? hex(big) : big.toString();
  return unknown ? `${num} /* ${unknown} */` : num;
}

/** Build a table from [name, number] pairs. */
export function table(pairs: ReadonlyArray<readonly [string, number | bigint]>): FlagTable {
  return pairs.map(([n, v]) => [n, BigInt(v)] as const);
}
