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

/** A byte strace escapes: outside printable ASCII, or `"` or `\`. */
const NEEDS_ESCAPE = /[^\x20-\x7e]|["\\]/;

/** Bytes [start, end) of `bytes` (all of them by default), quoted. Most
 *  strings (paths, names) need no escape: they are found with native code
 *  (indexOf, a regular expression) and copied whole, a fast path even
 *  before the optimiser has seen this function. */
export function quote(bytes: Uint8Array, opts: QuoteOptions = NO_OPTIONS, start = 0, end = bytes.length): string {
  if (opts.nulTerminated === true) {
    const nul = bytes.indexOf(0, start);
    if (nul >= 0 && nul < end) end = nul;
  }
  const hex = opts.hex === true;
  let text = hex ? '' : latin1(bytes, start, end);
  if (hex || NEEDS_ESCAPE.test(text)) text = escaped(bytes, start, end, hex);
  const out = '"' + text + '"';
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
