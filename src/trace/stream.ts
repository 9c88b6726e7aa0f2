// The trace stream of native/src/base/trace_record.h, read incrementally:
// bytes arrive in arbitrary chunks (a pipe) and come out as typed records.
// This file and the header describe the same bytes; change both together.
import { readSync } from 'node:fs';
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
 *  `source` (for the stream's blobs, the chunk they came in). Made for
 *  every blob of every record, so it stores only what it is given (no
 *  field initialisers, the flags read when asked): most of a trace is
 *  decoded by code not yet optimised, where each store counts. */
export class Blob {
  readonly arg: number;
  readonly flags: number;
  readonly source: Buffer;
  readonly offset: number;
  readonly length: number;
  private view: Buffer | undefined;

  constructor(arg: number, flags: number, source: Buffer, offset: number, length: number) {
    this.arg = arg;
    this.flags = flags;
    this.source = source;
    this.offset = offset;
    this.length = length;
    this.view = undefined;
  }

  /** A blob of these bytes. */
  static of(arg: number, flags: number, data: Buffer): Blob {
    return new Blob(arg, flags, data, 0, data.length);
  }

  /** Captured after the call. */
  get exit(): boolean {
    return (this.flags & BlobFlag.EXIT) !== 0;
  }
  get truncated(): boolean {
    return (this.flags & BlobFlag.TRUNCATED) !== 0;
  }
  get fault(): boolean {
    return (this.flags & BlobFlag.FAULT) !== 0;
  }
  get strvec(): boolean {
    return (this.flags & BlobFlag.STRVEC) !== 0;
  }
  get count(): boolean {
    return (this.flags & BlobFlag.COUNT) !== 0;
  }
  /** iovecs, each followed by what it points to (readv, writev). */
  get iovec(): boolean {
    return (this.flags & BlobFlag.IOVEC) !== 0;
  }

  /** The bytes as a Buffer of their own: a view, made on first use, as it
   *  costs more than the rest of a blob (decoders mostly read the bytes
   *  where they are: quote, formatStat). */
  get data(): Buffer {
    return (this.view ??= this.source.subarray(this.offset, this.offset + this.length));
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

const SYSCALL_BODY_SIZE = 72;
/** The fixed part of each record type after the head, in bytes. */
const BODY_SIZES: Partial<Record<number, number>> = {
  [RecordType.SYSCALL]: SYSCALL_BODY_SIZE,
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

/** parseRecord, with a view of the buffer (made once per chunk). Most
 *  records are whole calls: they take a path of their own, kept small, as
 *  the optimising compiler takes long here (tens of ms for this function
 *  alone) and a record type it has not seen yet would throw its work away. */
function parseAt(rec: Buffer, dv: DataView, at: number): TraceRecord {
  const size = dv.getUint32(at, true);
  if (dv.getUint16(at + 4, true) !== RecordType.SYSCALL || size < RECORD_HEAD_SIZE + SYSCALL_BODY_SIZE)
    return parseOtherAt(rec, dv, at, size);
  const b = at + RECORD_HEAD_SIZE;
  // Object literals of one shape per type (no spreads): this runs per call.
  return {
    type: 'syscall',
    pid: dv.getInt32(at + 8, true),
    tid: dv.getInt32(at + 12, true),
    time: uint64At(dv, at + 16),
    nr: int64NumberAt(dv, b),
    args: readArgs(dv, b + 8, 6),
    result: int64At(dv, b + 56),
    exitTime: uint64At(dv, b + 64),
    blobs: blobsOf(rec, dv, b + SYSCALL_BODY_SIZE, at + size),
  };
}

/** Any record but a well-formed SYSCALL. */
function parseOtherAt(rec: Buffer, dv: DataView, at: number, size: number): TraceRecord {
  const code = dv.getUint16(at + 4, true);
  const flags = dv.getUint16(at + 6, true);
  const pid = dv.getInt32(at + 8, true);
  const tid = dv.getInt32(at + 12, true);
  const time = uint64At(dv, at + 16);
  const body = BODY_SIZES[code];
  if (body !== undefined && size < RECORD_HEAD_SIZE + body) throw new TraceFormatError(`record type ${code} of ${size} bytes is too short`);
  const b = at + RECORD_HEAD_SIZE;
  const end = at + size;
  switch (code) {
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
   *  collector (and memory) a chunk's worth of live records. The usual
   *  chunk (the header read, no record cut by the last one) goes straight
   *  to the loop: the rest is apart, so that the loop is optimised early
   *  and once. */
  feed(chunk: Buffer, each: (r: TraceRecord) => void): void {
    let buf = chunk;
    let off = 0;
    if (this.pending.length || !this.header) {
      buf = this.joined(chunk, each);
      off = this.recordsStart(buf);
      if (off < 0) return;
    }
    this.pending = this.records(buf, off, each);
  }

  /** The bytes the last chunk left, then this chunk: a record they cut is
   *  completed with the bytes it needs and handed over, rather than the
   *  whole chunk copied. */
  private joined(chunk: Buffer, each: (r: TraceRecord) => void): Buffer {
    if (this.header && this.pending.length >= RECORD_HEAD_SIZE) {
      const rest = this.pending.readUInt32LE(0) - this.pending.length;
      if (rest <= chunk.length) {
        each(parseRecord(Buffer.concat([this.pending, chunk.subarray(0, rest)])));
        this.pending = EMPTY;
        chunk = chunk.subarray(rest);
      }
    }
    return this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
  }

  /** Where the records of buf start: after the stream's header, read here
   *  once it is complete; -1 (buf kept) while it is not. */
  private recordsStart(buf: Buffer): number {
    if (this.header) return 0;
    // Check the magic as soon as it is here, so garbage fails fast.
    if (buf.length >= 8 && !buf.subarray(0, 8).equals(TRACE_MAGIC))
      throw new TraceFormatError('not a trapline trace stream (bad magic)');
    const parsed = buf.length < FILE_HEAD_SIZE ? undefined : parseHeader(buf);
    if (!parsed || buf.length < parsed.size) {
      this.pending = buf;
      return -1;
    }
    this.header = parsed.header;
    return parsed.size;
  }

  /** Each whole record of buf from `off`; returns what is left (the start
   *  of a record the next chunk completes). */
  private records(buf: Buffer, off: number, each: (r: TraceRecord) => void): Buffer {
    const dv = viewOf(buf);
    while (buf.length - off >= RECORD_HEAD_SIZE) {
      const size = dv.getUint32(off, true);
      if (size < RECORD_HEAD_SIZE || size % 8 !== 0)
        throw new TraceFormatError(`record of ${size} bytes at stream offset +${off} (must be >= 24 and a multiple of 8)`);
      if (buf.length - off < size) break;
      each(parseAt(buf, dv, off));
      off += size;
    }
    return buf.subarray(off);
  }

  /** The stream ended: anything left over is a cut record. */
  end(): void {
    if (!this.header) throw new TraceFormatError('empty or truncated trace stream: no header');
    if (this.pending.length) throw new TraceFormatError(`trace stream ends inside a record (${this.pending.length} bytes left)`);
  }
}

/** What readTrace and readTraceFd hand over: the header before any
 *  record, each record, and (after each chunk's records) a chunk's end. */
export interface TraceHandlers {
  onHeader: (h: StreamHeader) => void;
  onRecord: (r: TraceRecord) => void;
  onChunk?: () => void;
}

/** A parser feeding `h`, the header announced before the first record. */
function feeder(h: TraceHandlers): { parser: TraceParser; feed: (chunk: Buffer) => void } {
  const parser = new TraceParser();
  let announced = false;
  const announce = (): void => {
    announced = true;
    h.onHeader(parser.header!);
  };
  const each = (r: TraceRecord): void => {
    if (!announced) announce(); // read before any record
    h.onRecord(r);
  };
  const feed = (chunk: Buffer): void => {
    parser.feed(chunk, each);
    if (!announced && parser.header) announce();
    h.onChunk?.();
  };
  return { parser, feed };
}

/** Read a stream (a spawned capture's pipe) to its end, handing over
 *  records as they come. */
export async function readTrace(input: Readable, h: TraceHandlers): Promise<void> {
  const { parser, feed } = feeder(h);
  for await (const chunk of input) feed(chunk as Buffer);
  parser.end();
}

/** Bytes asked of each read: a chunk's records are decoded together. */
const FD_CHUNK = 256 * 1024;

/** Read a descriptor (a file, the supervisor's pipe) to its end, waiting in
 *  read(2): nothing else needs this process meanwhile, and no stream
 *  machinery runs per chunk. Each chunk is a Buffer of its own (blobs
 *  point into it). */
export function readTraceFd(fd: number, h: TraceHandlers): void {
  const { parser, feed } = feeder(h);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const buf = Buffer.allocUnsafeSlow(FD_CHUNK);
    let n: number;
    try {
      n = readSync(fd, buf, 0, FD_CHUNK, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EINTR') continue;
      if (code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1); // someone made it non-blocking: poll each ms
      continue;
    }
    if (n === 0) break;
    feed(buf.subarray(0, n));
  }
  parser.end();
}
