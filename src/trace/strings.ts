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

const NO_OPTIONS: QuoteOptions = {};

/** Bytes [start, end) as a string of the same characters. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (Buffer.isBuffer(bytes)) return bytes.toString('latin1', start, end);
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** Bytes [start, end) of `bytes` (all of them by default), quoted. */
export function quote(bytes: Uint8Array, opts: QuoteOptions = NO_OPTIONS, start = 0, end = bytes.length): string {
  // One pass finds where a C string ends and whether a byte needs escaping:
  // most strings (paths, names) need none and are copied whole.
  const nulTerminated = opts.nulTerminated === true;
  let plain = opts.hex !== true;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0 && nulTerminated) {
      end = i;
      break;
    }
    if (c < 0x20 || c >= 0x7f || c === 34 || c === 92) {
      plain = false;
      if (!nulTerminated) break;
    }
  }
  const out = '"' + (plain ? latin1(bytes, start, end) : escaped(bytes, start, end, opts.hex === true)) + '"';
  return opts.truncated ? out + '...' : out;
}

function escaped(bytes: Uint8Array, start: number, end: number, hex: boolean): string {
  let out = '';
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (hex) {
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
  return out;
}

/** Bytes limited to `limit` for display, with whether anything was cut. */
export function limitBytes(data: Uint8Array, limit: number, alreadyCut: boolean): { bytes: Uint8Array; cut: boolean } {
  if (data.length > limit) return { bytes: data.subarray(0, limit), cut: true };
  return { bytes: data, cut: alreadyCut };
}
