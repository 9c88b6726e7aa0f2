// `trapline trace`, `record` and `show` once their command lines are read
// (command-line.ts, quick-args.ts): the capture started, the stream decoded.
import { closeSync, openSync, readlinkSync, writeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import { captureBin, CaptureError, requestCapture, startCapture, supervisor, waitExit } from './capture.js';
import type { CallFilter } from './filter.js';
import type { TraceView, ViewOptions } from './session.js';
import { readTrace, readTraceFd, TraceFormatError, type TraceHandlers } from './stream.js';

export const USAGE_EXIT = 2;

export class UsageError extends Error {}

/** The options of trace and show, named as commander names them. */
export interface ViewFlags {
  f?: number;
  e?: string[];
  o?: string;
  c?: boolean;
  C?: boolean;
  y?: boolean;
  T?: boolean;
  t?: number;
  s?: string;
  v?: boolean;
  X?: string;
  json?: boolean;
  vdso?: boolean;
  p?: string;
}

function parseLimit(s: string | undefined): number {
  if (s === undefined) return 32;
  if (!/^\d+$/.test(s)) throw new UsageError(`invalid -s argument: '${s}'`);
  return Number(s);
}

/** -e trace=SET. Without -e, every call: no need to load the syscall table
 *  (filter.js) before starting the program. */
async function callFilter(expressions: string[] | undefined): Promise<CallFilter> {
  if (!expressions?.length) return () => true;
  const { FilterError, makeFilter } = await import('./filter.js');
  try {
    return makeFilter(expressions);
  } catch (e) {
    if (e instanceof FilterError) throw new UsageError(e.message);
    throw e;
  }
}

async function viewOptions(f: ViewFlags, toFile: boolean): Promise<ViewOptions> {
  const filter = await callFilter(f.e);
  return {
    follow: (f.f ?? 0) > 0,
    filter,
    vdso: f.vdso === true,
    summary: f.C ? 'also' : f.c ? 'only' : 'none',
    json: f.json === true,
    decodeFds: f.y === true,
    stringLimit: parseLimit(f.s),
    verbose: f.v === true,
    raw: f.X === 'raw',
    timestamps: Math.min(f.t ?? 0, 3),
    durations: f.T === true,
    pidColumn: toFile && (f.f ?? 0) > 0,
  };
}

/** Write every byte, also to a non-blocking pipe someone else set up. */
function writeAll(fd: number, bytes: Buffer): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let off = 0; off < bytes.length; ) {
    try {
      off += writeSync(fd, bytes, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1); // the reader is slow: wait a millisecond
    }
  }
}

interface Output {
  write: (s: string) => void;
  /** Write what the last chunk of the stream produced, in one system call. */
  flush: () => void;
  close: () => void;
}

/** Bytes of output gathered before a write (a chunk of the stream makes less). */
const OUTPUT_BUFFER = 1 << 20;

/** Buffer's own latin1 copy (what buf.write(s, at, 'latin1') calls after
 *  checking its arguments in JavaScript, slowly until that is optimised:
 *  a trace is mostly written by cold code). Not in Node's types. */
type Latin1Writer = (s: string, at: number) => number;

/** Where the trace goes: a file (-o) or our stderr. Text is copied into one
 *  buffer as it comes (as latin1, one byte a character, as it was read) and
 *  written once a chunk of the stream is done, or the buffer is full. */
function openOutput(file: string | undefined): Output {
  const fd = file === undefined ? 2 : openSync(file, 'w');
  const buf = Buffer.allocUnsafe(OUTPUT_BUFFER);
  const direct = (buf as unknown as { latin1Write?: Latin1Writer }).latin1Write;
  const copy: Latin1Writer =
    typeof direct === 'function' ? direct.bind(buf) : (s, at) => buf.write(s, at, 'latin1');
  let used = 0;
  const flush = (): void => {
    if (!used) return;
    writeAll(fd, buf.subarray(0, used));
    used = 0;
  };
  return {
    write: (s) => {
      if (used + s.length > buf.length) {
        flush();
        if (s.length > buf.length) return writeAll(fd, Buffer.from(s, 'latin1'));
      }
      used += copy(s, used);
    },
    flush,
    close: () => {
      flush();
      if (fd !== 2) closeSync(fd);
    },
  };
}

/** The paths behind our own 0..2, which the program inherits (for -y). */
function inheritedFds(): Map<number, string> {
  const m = new Map<number, string>();
  for (const fd of [0, 1, 2]) {
    try {
      m.set(fd, readlinkSync(`/proc/self/fd/${fd}`, { encoding: 'latin1' })); // bytes, as the trace's
    } catch {
      /* closed */
    }
  }
  return m;
}

const handlers = (view: TraceView, out: Output): TraceHandlers => ({
  onHeader: (h) => view.onHeader(h),
  onRecord: (r) => view.onRecord(r),
  onChunk: out.flush,
});

/** The stream of a spawned capture, decoded. */
async function decode(input: Readable, view: TraceView, out: Output): Promise<void> {
  await readTrace(input, handlers(view, out));
  view.finish();
  out.flush();
}

/** The stream of a descriptor (a file, the supervisor's pipe), decoded. */
function decodeFd(fd: number, view: TraceView, out: Output): void {
  readTraceFd(fd, handlers(view, out));
  view.finish();
  out.flush();
}

/** End as the traced program ended: its status, or its signal re-raised. */
function mirrorExit(code: number | null, signal: NodeJS.Signals | null): never {
  if (signal) {
    process.removeAllListeners(signal);
    try {
      process.kill(process.pid, signal);
    } catch {
      /* fall through */
    }
    process.exit(128 + (osConstants.signals[signal] ?? 0));
  }
  process.exit(code ?? 1);
}

function ignoreTerminalSignals(): void {
  for (const sig of ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});
}

async function traceAction(argv: string[], f: ViewFlags): Promise<void> {
  if (f.p !== undefined)
    throw new UsageError('-p is not supported: trapline rewrites a program as it loads it, so it starts programs itself and cannot attach to a running one');
  if (argv.length === 0) throw new UsageError('must have PROG [ARGS]');
  const options = await viewOptions(f, f.o !== undefined);
  options.initialFds = inheritedFds();
  options.cwd = process.cwd();
  options.envCount = Object.keys(process.env).length;
  const out = openOutput(f.o);
  // The decoder loads while the program starts.
  const decoder = import('./session.js');
  const capture = { stringLimit: options.stringLimit, vdso: options.vdso, firstOnly: !options.follow };
  if (supervisor) {
    requestCapture(supervisor, { ...capture, outputFd: supervisor.captureFd }, argv);
    ignoreTerminalSignals();
    const { TraceView } = await decoder;
    const view = new TraceView(options, out.write);
    let error: unknown;
    try {
      decodeFd(supervisor.stream, view, out);
    } catch (e) {
      error = e;
    }
    out.close();
    // Without a header the capture could not start the program, and said
    // why. Either way the supervisor ends as the program did.
    if (error !== undefined && view.started) fail('trace', error);
    process.exit(0);
  }
  const child = startCapture(capture, argv);
  const pipe = child.stdio[3] as Readable;
  // Listened to at once: Node drops what nobody listens to on a child's
  // pipe when the child exits, which a short program does before the
  // decoder below has loaded.
  pipe.on('readable', () => undefined);
  const exited = waitExit(child);
  exited.catch(() => undefined); // handled below, after the import
  ignoreTerminalSignals();
  const { TraceView } = await decoder;
  const view = new TraceView(options, out.write);
  const decoding = decode(pipe, view, out).then(
    () => undefined,
    (e: unknown) => e,
  );
  const [ended, error] = await Promise.all([exited, decoding]);
  out.close();
  if (error !== undefined) {
    if (view.started || (ended.code === 0 && !ended.signal)) fail('trace', error);
    // The capture failed before writing anything (and has said why): end as it did.
    process.stderr.write(`trapline trace: ${captureBin()} capture wrote no trace (${ended.signal ?? `status ${ended.code}`})\n`);
  }
  mirrorExit(ended.code, ended.signal);
}

/** The options of record. */
export interface RecordFlags {
  o?: string;
  s?: string;
  vdso?: boolean;
}

async function recordAction(argv: string[], f: RecordFlags): Promise<void> {
  if (f.o === undefined) throw new UsageError('record needs -o RUN.tltrace');
  if (argv.length === 0) throw new UsageError('must have PROG [ARGS]');
  const capture = { outputFile: f.o, stringLimit: parseLimit(f.s), vdso: f.vdso === true };
  if (supervisor) {
    requestCapture(supervisor, capture, argv);
    process.exit(0); // the supervisor runs the capture and ends as the program did
  }
  const child = startCapture(capture, argv);
  ignoreTerminalSignals();
  const ended = await waitExit(child);
  mirrorExit(ended.code, ended.signal);
}

async function showAction(file: string, f: ViewFlags): Promise<void> {
  const options = await viewOptions(f, f.o !== undefined);
  const out = openOutput(f.o);
  const { TraceView } = await import('./session.js');
  const fd = openSync(file, 'r');
  decodeFd(fd, new TraceView(options, out.write), out);
  closeSync(fd);
  out.close();
}

/** Errors the user caused: one line, strace's hint, exit 2. */
function fail(cmd: string, e: unknown): never {
  if (e instanceof UsageError) {
    process.stderr.write(`trapline ${cmd}: ${e.message}\nTry 'trapline ${cmd} -h' for more information.\n`);
    process.exit(USAGE_EXIT);
  }
  if (e instanceof TraceFormatError || e instanceof CaptureError) {
    process.stderr.write(`trapline ${cmd}: ${e.message}\n`);
    process.exit(1);
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code && err.message) {
    process.stderr.write(`trapline ${cmd}: ${err.message}\n`);
    process.exit(1);
  }
  throw e;
}

/** The commands, each ending the process the way its errors call for. */
export const traceCommand = (argv: string[], f: ViewFlags): Promise<void> => traceAction(argv, f).catch((e) => fail('trace', e));
export const recordCommand = (argv: string[], f: RecordFlags): Promise<void> => recordAction(argv, f).catch((e) => fail('record', e));
export const showCommand = (file: string, f: ViewFlags): Promise<void> => showAction(file, f).catch((e) => fail('show', e));
