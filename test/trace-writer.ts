// Writes trace streams (native/src/base/trace_record.h) for tests, from a
// readable JSON description, so the decoder is tested without the native
// capture. The golden inputs (test/golden/*.input.json) use this format.
import { syscallByName, vdsoFunctions } from '../src/trace/syscall-table.js';

export interface BlobSpec {
  arg: number;
  exit?: boolean;
  truncated?: boolean;
  fault?: boolean;
  strvec?: boolean;
  count?: boolean;
  /** Contents: text (a C string gets its NUL from `cstr`), or hex bytes, or
   *  little-endian words: [["u32", 5], ["u64", "0x10"], ["i64", -1], ["u16", 2], ["u8", 1], ["bytes", "hex"], ["zero", 8]]. */
  text?: string;
  cstr?: string;
  hex?: string;
  words?: Array<[string, number | string]>;
  /** argv-style strings (strvec). */
  strings?: string[];
  /** An IOVEC blob: iovecs, each with the bytes kept of what it points to
   *  (`text`, latin1), or unreadable (`fault`). */
  iovecs?: Array<{ base: number | string; len: number; text?: string; fault?: boolean }>;
}

export type RecordSpec =
  | { syscall: string; pid?: number; tid?: number; t?: number; dt?: number; args?: Array<number | string>; ret?: number | string; blobs?: BlobSpec[] }
  | { enter: string; pid?: number; tid?: number; t?: number; args?: Array<number | string>; blobs?: BlobSpec[] }
  | { exit: string; pid?: number; tid?: number; t?: number; ret: number | string; blobs?: BlobSpec[] }
  | { vdso: string; pid?: number; tid?: number; t?: number; dt?: number; args?: Array<number | string>; ret?: number | string; blobs?: BlobSpec[] }
  | { process_exit: true; pid?: number; tid?: number; t?: number; status?: number; signal?: number }
  | { image: string; argv: string[]; envCount?: number; initial?: boolean; pid?: number; tid?: number; ppid?: number; t?: number };

export interface StreamSpec {
  realtimeOffset?: string;
  stringLimit?: number;
  vdso?: boolean;
  records: RecordSpec[];
}

const DEFAULT_PID = 1000;
const big = (v: number | string): bigint => BigInt(v);

function blobData(b: BlobSpec): Buffer {
  if (b.iovecs !== undefined) {
    return Buffer.concat(b.iovecs.map((e) => {
      const data = Buffer.from(e.text ?? '', 'latin1');
      const head = Buffer.alloc(24);
      head.writeBigUInt64LE(BigInt.asUintN(64, big(e.base)), 0);
      head.writeBigUInt64LE(BigInt(e.len), 8);
      head.writeUInt32LE(data.length, 16);
      head.writeUInt32LE(e.fault ? 1 : 0, 20);
      return Buffer.concat([head, data, Buffer.alloc((8 - (data.length % 8)) % 8)]);
    }));
  }
  if (b.text !== undefined) return Buffer.from(b.text, 'latin1');
  if (b.cstr !== undefined) return Buffer.from(b.cstr + '\0', 'latin1');
  if (b.hex !== undefined) return Buffer.from(b.hex.replace(/\s+/g, ''), 'hex');
  if (b.strings !== undefined) return Buffer.from(b.strings.map((s) => s + '\0').join(''), 'latin1');
  const parts: Buffer[] = [];
  for (const [type, value] of b.words ?? []) {
    const buf = Buffer.alloc(type === 'u64' || type === 'i64' ? 8 : type === 'u32' || type === 'i32' ? 4 : type === 'u16' ? 2 : type === 'zero' ? Number(value) : 1);
    if (type === 'u64') buf.writeBigUInt64LE(BigInt.asUintN(64, big(value)));
    else if (type === 'i64') buf.writeBigInt64LE(big(value));
    else if (type === 'u32') buf.writeUInt32LE(Number(BigInt.asUintN(32, big(value))));
    else if (type === 'i32') buf.writeInt32LE(Number(value));
    else if (type === 'u16') buf.writeUInt16LE(Number(value));
    else if (type === 'u8') buf.writeUInt8(Number(value));
    else if (type === 'bytes') parts.push(Buffer.from(String(value), 'hex'));
    if (type !== 'bytes') parts.push(buf);
  }
  return Buffer.concat(parts);
}

function blobs(specs: BlobSpec[] | undefined): Buffer {
  const out: Buffer[] = [];
  for (const b of specs ?? []) {
    const data = blobData(b);
    const head = Buffer.alloc(8);
    head.writeUInt8(b.arg, 0);
    head.writeUInt8((b.exit ? 1 : 0) | (b.truncated ? 2 : 0) | (b.fault ? 4 : 0) | (b.strvec ? 8 : 0) | (b.count ? 16 : 0) | (b.iovecs ? 32 : 0), 1);
    head.writeUInt32LE(b.fault ? 0 : data.length, 4);
    out.push(head, b.fault ? Buffer.alloc(0) : data, Buffer.alloc((8 - (data.length % 8)) % 8 * (b.fault ? 0 : 1)));
  }
  return Buffer.concat(out);
}

function record(type: number, flags: number, pid: number, tid: number, time: bigint, body: Buffer): Buffer {
  const size = 24 + body.length;
  const head = Buffer.alloc(24);
  head.writeUInt32LE(size, 0);
  head.writeUInt16LE(type, 4);
  head.writeUInt16LE(flags, 6);
  head.writeInt32LE(pid, 8);
  head.writeInt32LE(tid, 12);
  head.writeBigUInt64LE(time, 16);
  return Buffer.concat([head, body]);
}

function i64s(values: Array<number | string | bigint>, n: number): Buffer {
  const b = Buffer.alloc(8 * n);
  for (let i = 0; i < n; i++) b.writeBigInt64LE(BigInt.asIntN(64, BigInt(values[i] ?? 0)), 8 * i);
  return b;
}

function nrOf(name: string): number {
  const e = syscallByName(name);
  if (!e) throw new Error(`unknown syscall ${name}`);
  return e.nr;
}

/** The bytes of a whole stream. */
export function writeStream(spec: StreamSpec): Buffer {
  const head = Buffer.alloc(32);
  head.write('TLTRACE\0', 0, 'latin1');
  head.writeUInt32LE(1, 8);
  head.writeUInt32LE(32, 12);
  head.writeBigInt64LE(BigInt(spec.realtimeOffset ?? '1700000000000000000'), 16);
  head.writeUInt32LE(spec.stringLimit ?? 4096, 24);
  head.writeUInt32LE(spec.vdso ? 1 : 0, 28);
  const out: Buffer[] = [head];
  let clock = 1_000_000_000n;
  for (const r of spec.records) {
    const pid = r.pid ?? DEFAULT_PID;
    const tid = r.tid ?? pid;
    clock = r.t !== undefined ? BigInt(r.t) : clock + 1000n;
    if ('syscall' in r) {
      const body = Buffer.concat([i64s([nrOf(r.syscall)], 1), i64s(r.args ?? [], 6), i64s([r.ret ?? 0, clock + BigInt(r.dt ?? 500)], 2), blobs(r.blobs)]);
      out.push(record(1, 0, pid, tid, clock, body));
    } else if ('enter' in r) {
      out.push(record(2, 0, pid, tid, clock, Buffer.concat([i64s([nrOf(r.enter)], 1), i64s(r.args ?? [], 6), blobs(r.blobs)])));
    } else if ('exit' in r) {
      out.push(record(3, 0, pid, tid, clock, Buffer.concat([i64s([nrOf(r.exit), r.ret], 2), blobs(r.blobs)])));
    } else if ('vdso' in r) {
      const fn = vdsoFunctions.findIndex((f) => f.name === r.vdso);
      const body = Buffer.concat([i64s([fn], 1), i64s(r.args ?? [], 5), i64s([r.ret ?? 0, clock + BigInt(r.dt ?? 50)], 2), blobs(r.blobs)]);
      out.push(record(4, 0, pid, tid, clock, body));
    } else if ('process_exit' in r) {
      const body = Buffer.alloc(8);
      body.writeInt32LE(r.status ?? 0, 0);
      body.writeInt32LE(r.signal ?? 0, 4);
      out.push(record(5, 0, pid, tid, clock, body));
    } else {
      const body = Buffer.alloc(8);
      body.writeInt32LE(r.ppid ?? 1, 0);
      const env: BlobSpec[] = r.envCount !== undefined ? [{ arg: 2, count: true, words: [['u64', r.envCount]] }] : [];
      const b = blobs([{ arg: 0, cstr: r.image }, { arg: 1, strvec: true, strings: r.argv }, ...env]);
      out.push(record(6, r.initial ? 1 : 0, pid, tid, clock, Buffer.concat([body, b])));
    }
  }
  return Buffer.concat(out);
}
