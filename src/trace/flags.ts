// Printing numbers as strace does: sets of flags (`O_RDONLY|O_CLOEXEC`, the
// unknown rest in hex) and enumerations (`SEEK_SET`, or the number with a
// `/* NAME_??? */` comment).

export type FlagTable = ReadonlyArray<readonly [string, bigint]>;

export function hex(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16);
}

/** Names of the set bits in table order; what no name covers, in hex. A
 *  table entry may cover several bits (O_SYNC), taken whole or not at all. */
export function flags(value: bigint, table: FlagTable, zero = '0'): string {
  let rest = BigInt.asUintN(64, value);
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

/** The name of a value, or the number with strace's unknown-value comment. */
export function enumName(value: bigint, table: FlagTable, unknown?: string, asHex = false): string {
  for (const [name, v] of table) if (v === value) return name;
  const num = asHex ? hex(value) : value.toString();
  return unknown ? `${num} /* ${unknown} */` : num;
}

/** Build a table from [name, number] pairs. */
export function table(pairs: ReadonlyArray<readonly [string, number | bigint]>): FlagTable {
  return pairs.map(([n, v]) => [n, BigInt(v)] as const);
}
