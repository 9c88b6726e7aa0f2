// Quoting bytes as strace does: printable ASCII as is, C escapes for \t \n
// \v \f \r, octal for the rest (three digits when a digit follows), hex for
// random bytes; `"..."...` when cut.

const ESCAPES: Record<number, string> = { 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };

export interface QuoteOptions {
  /** Every byte as \xNN (getrandom). */
  hex?: boolean;
  /** More bytes existed than `bytes` holds: append `...`. */
  truncated?: boolean;
  /** Stop at the first NUL (C strings). */
  nulTerminated?: boolean;
}

export function quote(bytes: Uint8Array, opts: QuoteOptions = {}): string {
  let end = bytes.length;
  if (opts.nulTerminated) {
    const nul = bytes.indexOf(0);
    if (nul >= 0) end = nul;
  }
  let out = '"';
  for (let i = 0; i < end; i++) {
    const c = bytes[i]!;
    if (opts.hex) {
      out += '\\x' + c.toString(16).padStart(2, '0');
    } else if (ESCAPES[c] !== undefined) {
      out += ESCAPES[c];
    } else if (c >= 0x20 && c < 0x7f) {
      out += String.fromCharCode(c);
    } else {
      const next = i + 1 < end ? bytes[i + 1]! : -1;
      const digitFollows = next >= 0x30 && next <= 0x37;
      out += '\\' + (digitFollows ? c.toString(8).padStart(3, '0') : c.toString(8));
    }
  }
  out += '"';
  return opts.truncated ? out + '...' : out;
}

/** Bytes limited to `limit` for display, with whether anything was cut. */
export function limitBytes(data: Uint8Array, limit: number, alreadyCut: boolean): { bytes: Uint8Array; cut: boolean } {
  if (data.length > limit) return { bytes: data.subarray(0, limit), cut: true };
  return { bytes: data, cut: alreadyCut };
}
