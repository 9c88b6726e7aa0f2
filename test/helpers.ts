// Shared helpers for the node:test suites: run a command natively and under
// `trapline run`, capture everything, compare; locate the native build.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

/** Repository root (this file runs from dist/test/). */
export const root: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** native/build, or $TRAPLINE_NATIVE_BUILD (to test another build). */
export const nativeBuild: string = process.env.TRAPLINE_NATIVE_BUILD ?? path.join(root, 'native', 'build');
/** The `trapline` command: the static native launcher. */
export const launcher: string = path.join(nativeBuild, 'trapline');
export const traplineBin: string = launcher;
export const fixtures: string = path.join(root, 'test', 'fixtures');

/** Path of a C test program built from native/tests/NAME.c. */
export function testProgram(name: string): string {
  return path.join(nativeBuild, 'tests', name);
}

/** Whether the native launcher has been built. */
export function haveLauncher(): boolean {
  return existsSync(launcher);
}

export interface RunResult {
  command: string[];
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** spawn failure other than a timeout (ENOENT, EACCES...). */
  error?: string;
  ms: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Added to the environment (after env). */
  extraEnv?: Record<string, string>;
  cwd?: string;
  input?: string | Buffer;
  timeoutMs?: number;
}

/**
 * A private rewrite cache for this test process, so tests neither depend on
 * nor pollute ~/.cache. Removed at exit.
 */
export const testCacheDir: string = mkdtempSync(path.join(tmpdir(), 'trapline-test-cache-'));
process.on('exit', () => rmSync(testCacheDir, { recursive: true, force: true }));

function buildEnv(opts: RunOptions): NodeJS.ProcessEnv {
  let env: NodeJS.ProcessEnv;
  if (opts.env) {
    env = { ...opts.env };
  } else {
    env = { ...process.env, XDG_CACHE_HOME: testCacheDir };
    // The debug switch is set only where a test asks for it.
    delete env.TRAPLINE_DEBUG;
  }
  return { ...env, ...(opts.extraEnv ?? {}) };
}

/** Run a command (no shell), capturing output, with a timeout. */
export function run(cmd: string, args: readonly string[] = [], opts: RunOptions = {}): RunResult {
  const spawnOpts: SpawnSyncOptions = {
    env: buildEnv(opts),
    cwd: opts.cwd,
    input: opts.input ?? '',
    timeout: opts.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  };
  const t0 = performance.now();
  const r = spawnSync(cmd, [...args], spawnOpts);
  const ms = performance.now() - t0;
  const err = r.error as NodeJS.ErrnoException | undefined;
  const timedOut = err?.code === 'ETIMEDOUT';
  return {
    command: [cmd, ...args],
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ? r.stdout.toString('utf8') : '',
    stderr: r.stderr ? r.stderr.toString('utf8') : '',
    timedOut,
    error: err && !timedOut ? `${err.code ?? ''} ${err.message}` : undefined,
    ms,
  };
}

/** `trapline run [--plugin P]... -- CMD ARGS...` */
/** `trapline run` arguments: each entry of `plugins` is a plugin spec, or a
 *  launcher option if it starts with `--` (`--isolation=isolated`). */
export function traplineArgs(plugins: readonly string[], cmd: string, args: readonly string[]): string[] {
  return ['run', ...plugins.flatMap((p) => (p.startsWith('--') ? [p] : ['--plugin', p])), '--', cmd, ...args];
}

export function runTrapline(
  plugins: readonly string[],
  cmd: string,
  args: readonly string[] = [],
  opts: RunOptions = {},
): RunResult {
  return run(traplineBin, traplineArgs(plugins, cmd, args), opts);
}

/** A short description of a run for assertion messages. */
export function describe(r: RunResult): string {
  const cut = (s: string): string => (s.length > 2000 ? s.slice(0, 2000) + '…' : s);
  return [
    `$ ${r.command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ')}`,
    `status=${r.status} signal=${r.signal}${r.timedOut ? ' TIMED OUT' : ''}${r.error ? ` error=${r.error}` : ''} (${r.ms.toFixed(0)} ms)`,
    `stdout: ${JSON.stringify(cut(r.stdout))}`,
    `stderr: ${JSON.stringify(cut(r.stderr))}`,
  ].join('\n');
}

/** Assert two runs ended the same way and printed the same stdout. */
export function assertSameOutcome(native: RunResult, traced: RunResult, what = 'run'): void {
  const msg = `${what}: outcome under trapline differs from native\n--- native\n${describe(native)}\n--- trapline\n${describe(traced)}`;
  assert.ok(!traced.timedOut, msg);
  assert.equal(traced.error, undefined, msg);
  assert.equal(traced.signal, native.signal, msg);
  assert.equal(traced.status, native.status, msg);
  assert.equal(traced.stdout, native.stdout, msg);
}

export interface Compared {
  native: RunResult;
  traced?: RunResult;
}

/**
 * Run natively, then under trapline (if built), and compare stdout, status
 * and signal. Without a launcher the native half still runs and the test is
 * marked skipped. Returns both results; `traced` is undefined when skipped.
 */
export function compareRuns(
  t: TestContext,
  cmd: string,
  args: readonly string[] = [],
  opts: RunOptions & {
    plugins?: readonly string[];
    nativeOpts?: RunOptions;
    traplineOpts?: RunOptions;
    /** Arguments for the trapline run when they must differ (e.g. output paths). */
    traplineArgs?: readonly string[];
  } = {},
): Compared {
  const native = run(cmd, args, { ...opts, ...(opts.nativeOpts ?? {}) });
  assert.ok(!native.timedOut && native.error === undefined, `native run failed:\n${describe(native)}`);
  if (!haveLauncher()) {
    t.skip(`native only: ${path.relative(root, launcher)} is not built`);
    return { native };
  }
  const traced = runTrapline(opts.plugins ?? [], cmd, opts.traplineArgs ?? args, { ...opts, ...(opts.traplineOpts ?? {}) });
  assertSameOutcome(native, traced, path.basename(cmd));
  return { native, traced };
}

/** Skip (returning true) when the launcher is missing. */
export function skipWithoutLauncher(t: TestContext): boolean {
  if (haveLauncher()) return false;
  t.skip(`${path.relative(root, launcher)} is not built`);
  return true;
}

/** Skip (returning true) when a needed file is missing. */
export function skipWithout(t: TestContext, file: string): boolean {
  if (existsSync(file)) return false;
  t.skip(`${file} is missing`);
  return true;
}

// ---------------------------------------------------------------- TRAPLINE_DEBUG

export interface RewriteLine {
  object: string;
  sites: number;
  patched: number;
  backstop: number;
  cache: 'hit' | 'miss';
  /** Every key=value field of the line. */
  fields: Record<string, string>;
}

// `trapline: rewrite OBJ sites=N patched=P backstop=B cache=hit|miss`, with
// any further key=value fields tolerated (e.g. swept=S).
const REWRITE_RE = /^trapline: rewrite (.+?)((?: [a-z_]+=\S+)+)\s*$/;

/** Parse the `TRAPLINE_DEBUG=1` rewrite lines out of stderr. */
export function parseRewriteLines(stderr: string): RewriteLine[] {
  const out: RewriteLine[] = [];
  for (const line of stderr.split('\n')) {
    const m = REWRITE_RE.exec(line);
    if (!m) continue;
    const kv = Object.fromEntries(
      m[2]!
        .trim()
        .split(' ')
        .map((f) => f.split('=', 2) as [string, string]),
    );
    if (kv.sites === undefined || kv.patched === undefined || kv.backstop === undefined) continue;
    out.push({
      object: m[1]!,
      sites: Number(kv.sites),
      patched: Number(kv.patched),
      backstop: Number(kv.backstop),
      cache: kv.cache === 'hit' ? 'hit' : 'miss',
      fields: kv,
    });
  }
  return out;
}

const BACKSTOP_RE = /^trapline: backstop calls=\d+ sud=(on|off)$/;

/** stderr with the debug lines (rewrite and backstop reports) taken out. */
export function withoutDebugLines(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => !REWRITE_RE.test(l) && !BACKSTOP_RE.test(l))
    .join('\n');
}

/** The rewrite line of an object, matched by path or by basename. */
export function findObject(lines: readonly RewriteLine[], object: string): RewriteLine | undefined {
  const base = path.basename(object);
  return (
    lines.find((l) => l.object === object) ??
    lines.find((l) => path.basename(l.object) === base) ??
    lines.find((l) => l.object.endsWith(object))
  );
}

// ---------------------------------------------------------------- count plugin

export interface CountRecord {
  pid: number;
  exe: string;
  syscalls: Record<string, number>;
  vdso: Record<string, number>;
}

/** Read a count plugin output file: one JSON object per line. */
export function readCountFile(file: string): CountRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as CountRecord;
      } catch (e) {
        throw new Error(`${file}:${i + 1}: not JSON: ${l.slice(0, 200)} (${(e as Error).message})`);
      }
    });
}

/** Parse `strace -c` summary output (any strace version) into call counts. */
export function parseStraceSummary(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  // % time     seconds  usecs/call     calls    errors syscall
  const re = /^\s*\d+\.\d+\s+\d+\.\d+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?([a-z_][a-z0-9_]*|\?)\s*$/;
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m && m[3] !== 'total') counts[m[3]!] = (counts[m[3]!] ?? 0) + Number(m[1]);
  }
  return counts;
}

/** Make a temp dir removed when the process exits. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), `trapline-${prefix}-`));
  process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Environment for byte-for-byte reproducible output of coreutils & co. */
export const stableEnv: Record<string, string> = { LC_ALL: 'C', TZ: 'UTC', LANG: 'C', PYTHONHASHSEED: '0' };
