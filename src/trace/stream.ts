// The trace stream of native/src/base/trace_record.h, read incrementally:
// bytes arrive in arbitrary chunks (a pipe) and come out as typed records.
// This file and the header describe the same bytes; change both together.
import type { Readable } from 'node:stream';
import { int64At, int64NumberAt, uint64At } from './fields.js';

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

/** Memory a pointer argument referred to: `length` bytes at `offset` of
 *  `source` (for the stream's blobs, the chunk they came in). */
export class Blob {
  /** Captured after the call. */
  readonly exit: boolean;
  readonly truncated: boolean;
  readonly fault: boolean;
  readonly strvec: boolean;
  readonly count: boolean;
  /** iovecs, each followed by what it points to (readv, writev). */
  readonly iovec: boolean;
  #view: Buffer | undefined = undefined;

  constructor(
    readonly arg: number,
    flags: number,
    readonly source: Buffer,
    readonly offset: number,
    readonly length: number,
  ) {
    this.exit = (flags & BlobFlag.EXIT) !== 0;
    this.truncated = (flags & BlobFlag.TRUNCATED) !== 0;
    this.fault = (flags & BlobFlag.FAULT) !== 0;
    this.strvec = (flags & BlobFlag.STRVEC) !== 0;
    this.count = (flags & BlobFlag.COUNT) !== 0;
    this.iovec = (flags & BlobFlag.IOVEC) !== 0;
  }

  /** A blob of these bytes. */
  static of(arg: number, flags: number, data: Buffer): Blob {
    return new Blob(arg, flags, data, 0, data.length);
  }

  /** The bytes as a Buffer of their own: a view, made on first use, as it
   *  costs more than the rest of a blob (decoders mostly read the bytes
   *  where they are: quote, formatStat). */
  get data(): Buffer {
    return (this.#view ??= this.source.subarray(this.offset, this.offset + this.length));
  }
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

function readBlobs(buf: Buffer, dv: DataView, start: number, end: number): Blob[] {
  // Counted first, so that the list is made at its size (a list that grows
  // from empty is made room for 17).
  let n = 0;
  for (let off = start; off + BLOB_HEAD_SIZE <= end; n++) off += BLOB_HEAD_SIZE + ((dv.getUint32(off + 4, true) + 7) & ~7);
  const blobs: Blob[] = new Array(n);
  let off = start;
  for (let i = 0; off < end; i++) {
    if (off + BLOB_HEAD_SIZE > end) throw new TraceFormatError(`blob header runs past its record at ${off}`);
    const arg = buf[off]!;
    const flags = buf[off + 1]!;
    const len = dv.getUint32(off + 4, true);
    const dataStart = off + BLOB_HEAD_SIZE;
    if (dataStart + len > end) throw new TraceFormatError(`blob of ${len} bytes runs past its record`);
    if (arg > 6) throw new TraceFormatError(`blob for argument ${arg}`); // 6: descriptors made (fd-paths.ts)
    // The bytes stay in the chunk (never reused) rather than being copied.
    blobs[i] = new Blob(arg, flags, buf, dataStart, len);
    off = dataStart + ((len + 7) & ~7);
  }
  return blobs;
}

const NO_BLOBS: Blob[] = [];

function blobsOf(buf: Buffer, dv: DataView, start: number, end: number): Blob[] {
  // Most records carry no blob: share one empty list (never modified).
  return start < end ? readBlobs(buf, dv, start, end) : NO_BLOBS;
}

// Fields are read through a DataView (one per chunk): its methods are
// builtins, cheaper than Buffer's read methods (JavaScript) while cold.

function readArgs(dv: DataView, off: number, n: number): bigint[] {
  const args: bigint[] = new Array(n);
  for (let i = 0; i < n; i++) args[i] = int64At(dv, off + 8 * i);
  return args;
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('latin1');
}

/** The fixed part of each record type after the head, in bytes. */
const BODY_SIZES: Partial<Record<number, number>> = {
  [RecordType.SYSCALL]: 72,
  [RecordType.SYSCALL_ENTER]: 56,
  [RecordType.SYSCALL_EXIT]: 16,
  [RecordType.VDSO]: 64,
  [RecordType.PROCESS_EXIT]: 8,
  [RecordType.IMAGE_START]: 8,
  [RecordType.SIGNAL]: 8,
};

const viewOf = (b: Buffer): DataView => new DataView(b.buffer, b.byteOffset, b.length);

/** Parse one whole record: the `size` bytes at `at` of `rec`. */
export function parseRecord(rec: Buffer, at = 0): TraceRecord {
  return parseAt(rec, viewOf(rec), at);
}

/** parseRecord, with a view of the buffer (made once per chunk). */
function parseAt(rec: Buffer, dv: DataView, at: number): TraceRecord {
  const size = dv.getUint32(at, true);
  const code = dv.getUint16(at + 4, true);
  const flags = dv.getUint16(at + 6, true);
  const pid = dv.getInt32(at + 8, true);
  const tid = dv.getInt32(at + 12, true);
  const time = uint64At(dv, at + 16);
  const body = BODY_SIZES[code];
  if (body !== undefined && size < RECORD_HEAD_SIZE + body) throw new TraceFormatError(`record type ${code} of ${size} bytes is too short`);
  const b = at + RECORD_HEAD_SIZE;
  const end = at + size;
  // Object literals of one shape per type (no spreads): this runs per call.
  switch (code) {
    case RecordType.SYSCALL:
      return {
        type: 'syscall', pid, tid, time,
        nr: int64NumberAt(dv, b),
        args: readArgs(dv, b + 8, 6),
        result: int64At(dv, b + 56),
        exitTime: uint64At(dv, b + 64),
        blobs: blobsOf(rec, dv, b + 72, end),
      };
    case RecordType.SYSCALL_ENTER:
      return {
        type: 'enter', pid, tid, time,
        nr: int64NumberAt(dv, b),
        args: readArgs(dv, b + 8, 6),
        blobs: blobsOf(rec, dv, b + 56, end),
      };
    case RecordType.SYSCALL_EXIT:
      return {
        type: 'exit', pid, tid, time,
        nr: int64NumberAt(dv, b),
        result: int64At(dv, b + 8),
        blobs: blobsOf(rec, dv, b + 16, end),
      };
    case RecordType.VDSO:
      return {
        type: 'vdso', pid, tid, time,
        fn: int64NumberAt(dv, b),
        args: readArgs(dv, b + 8, 5),
        result: int64At(dv, b + 48),
        exitTime: uint64At(dv, b + 56),
        blobs: blobsOf(rec, dv, b + 64, end),
      };
    case RecordType.PROCESS_EXIT:
      return { type: 'process_exit', pid, tid, time, status: dv.getInt32(b, true), signal: dv.getInt32(b + 4, true) };
    case RecordType.IMAGE_START: {
      const blobs = readBlobs(rec, dv, b + 8, end);
      const pathBlob = blobs.find((x) => x.arg === 0);
      const argvBlob = blobs.find((x) => x.arg === 1);
      const envBlob = blobs.find((x) => x.arg === 2 && x.count && x.data.length >= 8);
      return {
        type: 'image_start', pid, tid, time,
        ppid: dv.getInt32(b, true),
        initial: (flags & IMAGE_INITIAL) !== 0,
        path: pathBlob ? cString(pathBlob.data) : '',
        argv: argvBlob ? splitStrvec(argvBlob.data) : [],
        ...(envBlob ? { envCount: Number(envBlob.data.readBigUInt64LE(0)) } : {}),
      };
    }
    case RecordType.SIGNAL: {
      const info = readBlobs(rec, dv, b + 8, end).find((x) => x.arg === 0);
      return { type: 'signal', pid, tid, time, signo: dv.getInt32(b, true), siginfo: info ? info.data : Buffer.alloc(0) };
    }
    default:
      return { type: 'unknown', pid, tid, time, code };
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

const EMPTY = Buffer.alloc(0);

/** Feed it chunks in order; it hands over the records each chunk completed. */
export class TraceParser {
  private pending: Buffer = EMPTY;
  header: StreamHeader | undefined;

  /** The records this chunk completed. */
  push(chunk: Buffer): TraceRecord[] {
    const out: TraceRecord[] = [];
    this.feed(chunk, (r) => out.push(r));
    return out;
  }

  /** Each record this chunk completed, to `each` as soon as it is read: a
   *  record then lives only while it is handled, which spares the garbage
   *  collector (and memory) a chunk's worth of live records. */
  feed(chunk: Buffer, each: (r: TraceRecord) => void): void {
    if (this.header && this.pending.length >= RECORD_HEAD_SIZE) {
      // The last chunk cut a record (whose size the loop below checked):
      // complete it with the bytes it needs, rather than copy the whole chunk.
      const rest = this.pending.readUInt32LE(0) - this.pending.length;
      if (rest <= chunk.length) {
        each(parseRecord(Buffer.concat([this.pending, chunk.subarray(0, rest)])));
        this.pending = EMPTY;
        chunk = chunk.subarray(rest);
      }
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    if (!this.header) {
      // Check the magic as soon as it is here, so garbage fails fast.
      if (this.pending.length >= 8 && !this.pending.subarray(0, 8).equals(TRACE_MAGIC))
        throw new TraceFormatError('not a trapline trace stream (bad magic)');
      if (this.pending.length < FILE_HEAD_SIZE) return;
      const { size } = parseHeader(this.pending);
      if (this.pending.length < size) return;
      this.header = parseHeader(this.pending).header;
      off = size;
    }
    const buf = this.pending;
    const dv = viewOf(buf);
    while (buf.length - off >= RECORD_HEAD_SIZE) {
      const size = dv.getUint32(off, true);
      if (size < RECORD_HEAD_SIZE || size % 8 !== 0)
        throw new TraceFormatError(`record of ${size} bytes at stream offset +${off} (must be >= 24 and a multiple of 8)`);
      if (buf.length - off < size) break;
      each(parseAt(buf, dv, off));
      off += size;
    }
    this.pending = buf.subarray(off);
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
  const each = (r: TraceRecord): void => {
    if (!announced) {
      announced = true;
      onHeader(parser.header!); // read before any record
    }
    onRecord(r);
  };
  for await (const chunk of input) {
    parser.feed(chunk as Buffer, each);
    if (!announced && parser.header) {
      announced = true;
      onHeader(parser.header);
    }
    onChunk();
  }
  parser.end();
}
