// `trapline trace`, `record` and `show`: strace's options (-f -e -o -c -C
// -y -T -t -s -v -X) on commander, the capture started, the stream decoded.
import { Command, Option } from 'commander';
import { closeSync, createReadStream, openSync, readlinkSync, writeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import { captureBin, CaptureError, startCapture, waitExit } from './capture.js';
import { FilterError, makeFilter } from './filter.js';
import { TraceView, type ViewOptions } from './session.js';
import { readTrace, TraceFormatError } from './stream.js';

export const USAGE_EXIT = 2;

export class UsageError extends Error {}

interface ViewFlags {
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

const count = (_: string | boolean, prev: number | undefined): number => (prev ?? 0) + 1;
const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** The options `trace` and `show` share (strace's spellings). */
function addViewOptions(cmd: Command): Command {
  return cmd
    .option('-f', 'follow forks and threads', count)
    .option('-e <expr>', 'trace=SET: which calls (names, !, %file %process %network %signal %memory %desc)', collect)
    .option('-o <file>', 'write the trace to FILE instead of stderr')
    .option('-c', 'count time, calls and errors per syscall; print a summary')
    .option('-C', 'like -c, and print the calls too')
    .option('-y', 'print paths with file descriptors')
    .option('-T', 'print the time spent in each call')
    .option('-t', 'print wall-clock time (-tt with microseconds, -ttt seconds since the epoch)', count)
    .option('-s <n>', 'print at most N bytes of a string (default 32)')
    .option('-v', 'print structs unabbreviated')
    .addOption(new Option('-X <format>', 'how constants print').choices(['raw', 'abbrev']))
    .option('--json', 'one JSON object per call')
    .option('--vdso', 'show vDSO calls (clock_gettime, ...)');
}

function parseLimit(s: string | undefined): number {
  if (s === undefined) return 32;
  if (!/^\d+$/.test(s)) throw new UsageError(`invalid -s argument: '${s}'`);
  return Number(s);
}

function viewOptions(f: ViewFlags, toFile: boolean): ViewOptions {
  let filter;
  try {
    filter = makeFilter(f.e ?? []);
  } catch (e) {
    if (e instanceof FilterError) throw new UsageError(e.message);
    throw e;
  }
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

/** Where the trace goes: a file (-o) or our stderr. */
function openOutput(file: string | undefined): Output {
  const fd = file === undefined ? 2 : openSync(file, 'w');
  let pending: string[] = [];
  const flush = (): void => {
    if (!pending.length) return;
    const bytes = Buffer.from(pending.join(''), 'latin1');
    pending = [];
    writeAll(fd, bytes);
  };
  return {
    write: (s) => {
      pending.push(s);
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

async function decode(input: Readable, view: TraceView, out: Output): Promise<void> {
  await readTrace(input, (h) => view.onHeader(h), (r) => view.onRecord(r), out.flush);
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
  const options = viewOptions(f, f.o !== undefined);
  options.initialFds = inheritedFds();
  options.cwd = process.cwd();
  options.envCount = Object.keys(process.env).length;
  const out = openOutput(f.o);
  const child = startCapture({ stringLimit: options.stringLimit, vdso: options.vdso, firstOnly: !options.follow }, argv);
  ignoreTerminalSignals();
  const view = new TraceView(options, out.write);
  const pipe = child.stdio[3] as Readable;
  const decoding = decode(pipe, view, out).then(
    () => undefined,
    (e: unknown) => e,
  );
  const [ended, error] = await Promise.all([waitExit(child), decoding]);
  out.close();
  if (error !== undefined) {
    if (view.started || (ended.code === 0 && !ended.signal)) fail('trace', error);
    // The capture failed before writing anything (and has said why): end as it did.
    process.stderr.write(`trapline trace: ${captureBin()} capture wrote no trace (${ended.signal ?? `status ${ended.code}`})\n`);
  }
  mirrorExit(ended.code, ended.signal);
}

async function recordAction(argv: string[], f: { o?: string; s?: string; vdso?: boolean }): Promise<void> {
  if (f.o === undefined) throw new UsageError('record needs -o RUN.tltrace');
  if (argv.length === 0) throw new UsageError('must have PROG [ARGS]');
  const child = startCapture({ outputFile: f.o, stringLimit: parseLimit(f.s), vdso: f.vdso === true }, argv);
  ignoreTerminalSignals();
  const ended = await waitExit(child);
  mirrorExit(ended.code, ended.signal);
}

async function showAction(file: string, f: ViewFlags): Promise<void> {
  const options = viewOptions(f, f.o !== undefined);
  const out = openOutput(f.o);
  await decode(createReadStream(file), new TraceView(options, out.write), out);
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

const TRACE_COMMANDS = new Set(['trace', 'record', 'show']);

/** Usage errors of trace, record and show as strace words them: one line
 *  and a hint, no help page. Commander shares one output configuration
 *  among commands, so the command in use is remembered by a hook. */
function straceLikeErrors(program: Command): void {
  let current = '';
  program.hook('preSubcommand', (_, sub) => {
    current = sub.name();
  });
  program.configureOutput({
    writeErr: (s) => process.stderr.write(s),
    outputError: (s, write) => {
      if (!TRACE_COMMANDS.has(current)) return write(s);
      write(`trapline ${current}: ${s.replace(/^error: /, '')}Try 'trapline ${current} -h' for more information.\n`);
    },
  });
  for (const c of program.commands) if (TRACE_COMMANDS.has(c.name())) c.showHelpAfterError(false);
}

export function addTraceCommands(program: Command): void {
  addViewOptions(
    program
      .command('trace')
      .configureHelp({ sortOptions: false })
      .description('trace PROG like strace, on trapline\'s engine')
      .usage('[-fcCyTvt] [-e trace=SET] [-o FILE] [-s N] [-X raw|abbrev] [--json] [--vdso] [--] PROG [ARGS...]'),
  )
    .option('-p <pid>', 'not supported: trapline starts the programs it traces')
    .argument('[prog...]', 'the program and its arguments')
    .passThroughOptions()
    .action((argv: string[], f: ViewFlags) => traceAction(argv, f).catch((e) => fail('trace', e)));

  program
    .command('record')
    .description('run PROG under trapline and write its binary trace to a file for `show`')
    .usage('-o RUN.tltrace [-s N] [--vdso] [--] PROG [ARGS...]')
    .option('-o <file>', 'the trace file to write')
    .option('-s <n>', 'capture at most N bytes of each buffer (default 32)')
    .option('--vdso', 'capture vDSO calls too')
    .argument('[prog...]', 'the program and its arguments')
    .passThroughOptions()
    .action((argv: string[], f: { o?: string; s?: string; vdso?: boolean }) => recordAction(argv, f).catch((e) => fail('record', e)));

  addViewOptions(
    program
      .command('show')
      .description('print a recorded trace as `trace` would have')
      .usage('[options] RUN.tltrace'),
  )
    .argument('<file>', 'a trace written by `trapline record`')
    .action((file: string, f: ViewFlags) => showAction(file, f).catch((e) => fail('show', e)));
  straceLikeErrors(program);
}
