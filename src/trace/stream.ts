// The trace stream of native/src/base/trace_record.h, read incrementally:
// bytes arrive in arbitrary chunks (a pipe) and come out as typed records.
// This file and the header describe the same bytes; change both together.
import type { Readable } from 'node:stream';

export const TRACE_MAGIC = Buffer.from('TLTRACE\0', 'latin1');
export const TRACE_VERSION = 1;
const FILE_HEAD_SIZE = 32;
const RECORD_HEAD_SIZE = 24;
const BLOB_HEAD_SIZE = 8;

export const FILE_FLAG_VDSO = 1;
export const RecordType = {
  SYSCALL: 1,
  SYSCALL_ENTER: 2,
  SYSCALL_EXIT: 3,
  VDSO: 4,
  PROCESS_EXIT: 5,
  IMAGE_START: 6,
  SIGNAL: 7,
} as const;
export const BlobFlag = { EXIT: 0x01, TRUNCATED: 0x02, FAULT: 0x04, STRVEC: 0x08, COUNT: 0x10, IOVEC: 0x20 } as const;
export const IMAGE_INITIAL = 1;

export interface StreamHeader {
  version: number;
  /** CLOCK_REALTIME - CLOCK_MONOTONIC in ns, at start. */
  realtimeOffset: bigint;
  /** The -s limit the capture used. */
  stringLimit: number;
  vdso: boolean;
}

/** Memory a pointer argument referred to. */
export interface Blob {
  arg: number;
  /** Captured after the call. */
  exit: boolean;
  truncated: boolean;
  fault: boolean;
  strvec: boolean;
  count: boolean;
  /** iovecs, each followed by what it points to (readv, writev). */
  iovec?: boolean;
  data: Buffer;
}

interface Head {
  pid: number;
  tid: number;
  /** Monotonic ns: entry time for calls, else event time. */
  time: bigint;
}
export interface SyscallRecord extends Head {
  type: 'syscall';
  nr: number;
  args: bigint[];
  result: bigint;
  exitTime: bigint;
  blobs: Blob[];
}
export interface EnterRecord extends Head {
  type: 'enter';
  nr: number;
  args: bigint[];
  blobs: Blob[];
}
export interface ExitRecord extends Head {
  type: 'exit';
  nr: number;
  result: bigint;
  blobs: Blob[];
}
export interface VdsoRecord extends Head {
  type: 'vdso';
  fn: number;
  args: bigint[];
  result: bigint;
  exitTime: bigint;
  blobs: Blob[];
}
export interface ProcessExitRecord extends Head {
  type: 'process_exit';
  status: number;
  signal: number;
}
export interface ImageStartRecord extends Head {
  type: 'image_start';
  ppid: number;
  initial: boolean;
  path: string;
  argv: string[];
  /** Environment size, when the capture sends it (a COUNT blob for arg 2). */
  envCount?: number;
}
/** A signal about to run the client's handler. */
export interface SignalRecord extends Head {
  type: 'signal';
  signo: number;
  /** The handler's siginfo_t (128 bytes). */
  siginfo: Buffer;
}
/** A record of a type this reader does not know (a newer capture): skipped. */
export interface UnknownRecord extends Head {
  type: 'unknown';
  code: number;
}
export type TraceRecord =
  | SyscallRecord
  | EnterRecord
  | ExitRecord
  | VdsoRecord
  | ProcessExitRecord
  | ImageStartRecord
  | SignalRecord
  | UnknownRecord;

export class TraceFormatError extends Error {}

function readBlobs(buf: Buffer, start: number, end: number): Blob[] {
  const blobs: Blob[] = [];
  let off = start;
  while (off < end) {
    if (off + BLOB_HEAD_SIZE > end) throw new TraceFormatError(`blob header runs past its record at ${off}`);
    const arg = buf.readUInt8(off);
    const flags = buf.readUInt8(off + 1);
    const len = buf.readUInt32LE(off + 4);
    const dataStart = off + BLOB_HEAD_SIZE;
    if (dataStart + len > end) throw new TraceFormatError(`blob of ${len} bytes runs past its record`);
    if (arg > 6) throw new TraceFormatError(`blob for argument ${arg}`); // 6: descriptors made (fd-paths.ts)
    blobs.push({
      arg,
      exit: (flags & BlobFlag.EXIT) !== 0,
      truncated: (flags & BlobFlag.TRUNCATED) !== 0,
      fault: (flags & BlobFlag.FAULT) !== 0,
      strvec: (flags & BlobFlag.STRVEC) !== 0,
      count: (flags & BlobFlag.COUNT) !== 0,
      iovec: (flags & BlobFlag.IOVEC) !== 0,
      data: Buffer.from(buf.subarray(dataStart, dataStart + len)),
    });
    off = dataStart + ((len + 7) & ~7);
  }
  return blobs;
}

/** A signed 64-bit field. Most values fit 32 bits: one small BigInt then,
 *  instead of Buffer's generic (and much slower) readBigInt64LE. */
function int64(buf: Buffer, off: number): bigint {
  const lo = buf.readUInt32LE(off);
  const hi = buf.readInt32LE(off + 4);
  if (hi === 0) return BigInt(lo);
  if (hi === -1 && lo >= 0x80000000) return BigInt(lo - 0x100000000);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** An unsigned 64-bit field (times). */
function uint64(buf: Buffer, off: number): bigint {
  const hi = buf.readUInt32LE(off + 4);
  const lo = buf.readUInt32LE(off);
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

function readArgs(buf: Buffer, off: number, n: number): bigint[] {
  const args: bigint[] = new Array(n);
  for (let i = 0; i < n; i++) args[i] = int64(buf, off + 8 * i);
  return args;
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('latin1');
}

/** Parse one whole record (its bytes exactly). */
export function parseRecord(rec: Buffer): TraceRecord {
  const size = rec.readUInt32LE(0);
  const code = rec.readUInt16LE(4);
  const flags = rec.readUInt16LE(6);
  const head: Head = { pid: rec.readInt32LE(8), tid: rec.readInt32LE(12), time: uint64(rec, 16) };
  const need = (body: number): void => {
    if (size < RECORD_HEAD_SIZE + body) throw new TraceFormatError(`record type ${code} of ${size} bytes is too short`);
  };
  const b = RECORD_HEAD_SIZE;
  switch (code) {
    case RecordType.SYSCALL:
      need(72);
      return {
        type: 'syscall',
        ...head,
        nr: Number(int64(rec, b)),
        args: readArgs(rec, b + 8, 6),
        result: int64(rec, b + 56),
        exitTime: uint64(rec, b + 64),
        blobs: readBlobs(rec, b + 72, size),
      };
    case RecordType.SYSCALL_ENTER:
      need(56);
      return {
        type: 'enter',
        ...head,
        nr: Number(int64(rec, b)),
        args: readArgs(rec, b + 8, 6),
        blobs: readBlobs(rec, b + 56, size),
      };
    case RecordType.SYSCALL_EXIT:
      need(16);
      return {
        type: 'exit',
        ...head,
        nr: Number(int64(rec, b)),
        result: int64(rec, b + 8),
        blobs: readBlobs(rec, b + 16, size),
      };
    case RecordType.VDSO:
      need(64);
      return {
        type: 'vdso',
        ...head,
        fn: Number(int64(rec, b)),
        args: readArgs(rec, b + 8, 5),
        result: int64(rec, b + 48),
        exitTime: uint64(rec, b + 56),
        blobs: readBlobs(rec, b + 64, size),
      };
    case RecordType.PROCESS_EXIT:
      need(8);
      return { type: 'process_exit', ...head, status: rec.readInt32LE(b), signal: rec.readInt32LE(b + 4) };
    case RecordType.IMAGE_START: {
      need(8);
      const blobs = readBlobs(rec, b + 8, size);
      const pathBlob = blobs.find((x) => x.arg === 0);
      const argvBlob = blobs.find((x) => x.arg === 1);
      const envBlob = blobs.find((x) => x.arg === 2 && x.count && x.data.length >= 8);
      return {
        type: 'image_start',
        ...head,
        ppid: rec.readInt32LE(b),
        initial: (flags & IMAGE_INITIAL) !== 0,
        path: pathBlob ? cString(pathBlob.data) : '',
        argv: argvBlob ? splitStrvec(argvBlob.data) : [],
        ...(envBlob ? { envCount: Number(envBlob.data.readBigUInt64LE(0)) } : {}),
      };
    }
    case RecordType.SIGNAL: {
      need(8);
      const info = readBlobs(rec, b + 8, size).find((x) => x.arg === 0);
      return { type: 'signal', ...head, signo: rec.readInt32LE(b), siginfo: info ? info.data : Buffer.alloc(0) };
    }
    default:
      return { type: 'unknown', ...head, code };
  }
}

/** NUL-terminated strings back to back (TL_TRACE_BLOB_STRVEC). */
export function splitStrvec(data: Buffer): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) {
      out.push(data.subarray(start, i).toString('latin1'));
      start = i + 1;
    }
  }
  if (start < data.length) out.push(data.subarray(start).toString('latin1'));
  return out;
}

function parseHeader(buf: Buffer): { header: StreamHeader; size: number } {
  if (!buf.subarray(0, 8).equals(TRACE_MAGIC)) throw new TraceFormatError('not a trapline trace stream (bad magic)');
  const version = buf.readUInt32LE(8);
  if (version !== TRACE_VERSION) throw new TraceFormatError(`trace stream version ${version}, this reader knows ${TRACE_VERSION}`);
  const size = buf.readUInt32LE(12);
  if (size < FILE_HEAD_SIZE) throw new TraceFormatError(`trace header of ${size} bytes`);
  return {
    size,
    header: {
      version,
      realtimeOffset: buf.readBigInt64LE(16),
      stringLimit: buf.readUInt32LE(24),
      vdso: (buf.readUInt32LE(28) & FILE_FLAG_VDSO) !== 0,
    },
  };
}

/** Feed it chunks in order; it returns the records each chunk completed. */
export class TraceParser {
  private pending: Buffer = Buffer.alloc(0);
  header: StreamHeader | undefined;

  push(chunk: Buffer): TraceRecord[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: TraceRecord[] = [];
    let off = 0;
    if (!this.header) {
      // Check the magic as soon as it is here, so garbage fails fast.
      if (this.pending.length >= 8 && !this.pending.subarray(0, 8).equals(TRACE_MAGIC))
        throw new TraceFormatError('not a trapline trace stream (bad magic)');
      if (this.pending.length < FILE_HEAD_SIZE) return out;
      const { size } = parseHeader(this.pending);
      if (this.pending.length < size) return out;
      this.header = parseHeader(this.pending).header;
      off = size;
    }
    while (this.pending.length - off >= RECORD_HEAD_SIZE) {
      const size = this.pending.readUInt32LE(off);
      if (size < RECORD_HEAD_SIZE || size % 8 !== 0)
        throw new TraceFormatError(`record of ${size} bytes at stream offset +${off} (must be >= 24 and a multiple of 8)`);
      if (this.pending.length - off < size) break;
      out.push(parseRecord(this.pending.subarray(off, off + size)));
      off += size;
    }
    this.pending = this.pending.subarray(off);
    return out;
  }

  /** The stream ended: anything left over is a cut record. */
  end(): void {
    if (!this.header) throw new TraceFormatError('empty or truncated trace stream: no header');
    if (this.pending.length) throw new TraceFormatError(`trace stream ends inside a record (${this.pending.length} bytes left)`);
  }
}

/** Read a stream (pipe or file) to its end, handing over records as they
 *  come; `onChunk` runs after each chunk's records (to flush output). */
export async function readTrace(
  input: Readable,
  onHeader: (h: StreamHeader) => void,
  onRecord: (r: TraceRecord) => void,
  onChunk: () => void = () => {},
): Promise<void> {
  const parser = new TraceParser();
  let announced = false;
  for await (const chunk of input) {
    const records = parser.push(chunk as Buffer);
    if (!announced && parser.header) {
      announced = true;
      onHeader(parser.header);
    }
    for (const r of records) onRecord(r);
    onChunk();
  }
  parser.end();
}
