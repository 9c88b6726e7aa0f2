// The capture side of `trapline trace`: `trapline capture` (the drain) runs
// real programs with the capture plugin and writes the trace stream of
// native/src/base/trace_record.h. The client must behave as natively; the
// stream must hold every call `count` sees; records must show up live; a
// dead reader must not hang the client.
//
// The stream is parsed with the decoder's reader (src/trace/stream.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe as suite, test } from 'node:test';
import {
  type EnterRecord,
  type ExitRecord,
  type StreamHeader,
  type SyscallRecord,
  TraceParser,
  type TraceRecord,
  type VdsoRecord,
} from '../src/trace/stream.js';
import {
  describe,
  launcher,
  readCountFile,
  root,
  run,
  type RunResult,
  skipWithout,
  skipWithoutLauncher,
  stableEnv,
  tempDir,
  testCacheDir,
  testProgram,
} from './helpers.js';

// ------------------------------------------------------------ the stream

interface Trace {
  header: StreamHeader;
  records: TraceRecord[];
}

/** Parses a whole stream with the decoder's reader; throws on anything
 *  malformed, a cut record, or a record type the reader does not know. */
function parseTrace(buf: Buffer): Trace {
  const parser = new TraceParser();
  const records = parser.push(buf);
  parser.end();
  for (const [i, r] of records.entries())
    assert.notEqual(r.type, 'unknown', `unknown record type ${(r as { code?: number }).code} (record ${i})`);
  return { header: parser.header!, records };
}

type CallRecord = SyscallRecord | EnterRecord | ExitRecord;
const isCall = (r: TraceRecord): r is CallRecord => r.type === 'syscall' || r.type === 'enter' || r.type === 'exit';
const isEnter = (r: TraceRecord): r is EnterRecord => r.type === 'enter';

/** The EXIT that ends an ENTER: the next exit record of the same tid, which
 *  must be of the same call (an execve's new IMAGE_START may come between). */
function exitOf(recs: readonly TraceRecord[], enter: EnterRecord): ExitRecord {
  const i = recs.indexOf(enter);
  const exit = recs.slice(i + 1).find((r): r is ExitRecord => r.type === 'exit' && r.tid === enter.tid);
  assert.ok(exit, `no exit record for the enter of ${syscallNames.get(enter.nr)} in tid ${enter.tid}`);
  assert.equal(exit.nr, enter.nr, `tid ${enter.tid}: the exit after the enter of ${syscallNames.get(enter.nr)} is of another call`);
  return exit;
}

/** Records that stand for one call each: complete calls and entries. */
/** Calls per name, of the processes `pids` holds (all if undefined). */
function callCounts(trace: Trace, pids?: ReadonlySet<number>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of trace.records)
    if ((r.type === 'syscall' || r.type === 'enter') && (!pids || pids.has(r.pid))) {
      const name = syscallNames.get(r.nr) ?? `syscall_${r.nr}`;
      counts[name] = (counts[name] ?? 0) + 1;
    }
  return counts;
}

interface SyscallEntry {
  nr: number;
  name: string;
  blocks?: boolean;
}
const syscallTable = JSON.parse(readFileSync(path.join(root, 'src', 'syscall', 'syscalls.json'), 'utf8')) as SyscallEntry[];
const syscallNames = new Map(syscallTable.map((e) => [e.nr, e.name]));
const nrOf = (name: string): number => syscallTable.find((e) => e.name === name)!.nr;

// ------------------------------------------------------------ running

const env = { ...process.env, ...stableEnv, XDG_CACHE_HOME: testCacheDir };

function capture(out: string, cmd: string, args: readonly string[], opts: { plugins?: string[]; extra?: string[]; timeoutMs?: number } = {}): RunResult {
  return run(
    launcher,
    ['capture', '--output', out, ...(opts.extra ?? []), ...(opts.plugins ?? []).flatMap((p) => ['--plugin', p]), '--', cmd, ...args],
    { env, timeoutMs: opts.timeoutMs ?? 60_000 },
  );
}

function sameOutcome(native: RunResult, traced: RunResult): void {
  const msg = `--- native\n${describe(native)}\n--- capture\n${describe(traced)}`;
  assert.ok(!traced.timedOut, msg);
  assert.equal(traced.signal, native.signal, msg);
  assert.equal(traced.status, native.status, msg);
  assert.equal(traced.stdout, native.stdout, msg);
}

function diff(a: Record<string, number>, b: Record<string, number>): string {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort()
    .filter((n) => (a[n] ?? 0) !== (b[n] ?? 0))
    .map((n) => `  ${n}: capture=${a[n] ?? 0} count=${b[n] ?? 0}`)
    .join('\n');
}

// ------------------------------------------------------------ tests

suite('capture: the client runs as natively', () => {
  const cases: Array<[string, string, string[]]> = [
    ['ls -l', '/bin/ls', ['-l', path.join(root, 'native', 'tests')]],
    ['exit status 3', '/bin/sh', ['-c', 'echo out; echo err >&2; exit 3']],
    ['death by SIGTERM is re-raised', '/bin/sh', ['-c', 'kill -TERM $$']],
    ['a pipeline', '/bin/sh', ['-c', 'echo a | cat']],
  ];
  for (const [name, cmd, args] of cases) {
    test(name, (t) => {
      if (skipWithoutLauncher(t)) return;
      const native = run(cmd, args, { env });
      const out = path.join(tempDir('cap-same'), 'x.tltrace');
      sameOutcome(native, capture(out, cmd, args));
      parseTrace(readFileSync(out));
    });
  }

  test('bad PROG and bad options: run\'s statuses, one line, no stream', (t) => {
    if (skipWithoutLauncher(t)) return;
    const dir = tempDir('cap-bad');
    const out = path.join(dir, 'x.tltrace');
    const r127 = capture(out, 'no-such-program-xyz', []);
    assert.equal(r127.status, 127, describe(r127));
    assert.match(r127.stderr, /^trapline: no-such-program-xyz: not found\n$/);
    const r126 = capture(out, dir, []);
    assert.equal(r126.status, 126, describe(r126));
    const r2 = run(launcher, ['capture', '--', '/bin/true'], { env });
    assert.equal(r2.status, 2, describe(r2));
    assert.match(r2.stderr, /needs one of --output FILE and --output-fd N/);
    const rbad = run(launcher, ['capture', '--output', out, '--strings', 'x', '--', '/bin/true'], { env });
    assert.equal(rbad.status, 2, describe(rbad));
  });

  test('the client holds neither the output nor the shared memory', (t) => {
    if (skipWithoutLauncher(t)) return;
    const out = path.join(tempDir('cap-fds'), 'x.tltrace');
    const r = capture(out, '/bin/sh', ['-c', 'ls -l /proc/self/fd/ | grep -c -e tltrace -e trapline-trace; true']);
    assert.equal(r.status, 0, describe(r));
    assert.equal(r.stdout.trim(), '0', describe(r));
  });
});

suite('capture: every call count sees is a record', () => {
  const cases: Array<[string, string, string[]]> = [
    ['ls -l /', '/bin/ls', ['-l', '/']],
    ["sh -c 'echo a | cat' (three processes, an exec)", '/bin/sh', ['-c', 'echo a | cat']],
    ['threads50: 50 threads x 10 rounds', testProgram('threads50'), ['10', '50']],
    // The signals issue's harness: timers, signals aimed at threads, SIGCHLD,
    // handlers that make calls and jump out.
    ['the signal harness', testProgram('sig_harness'), ['2000', '7']],
  ];
  for (const [name, cmd, args] of cases) {
    test(name, (t) => {
      if (skipWithout(t, cmd) || skipWithoutLauncher(t)) return;
      const dir = tempDir('cap-count');
      const out = path.join(dir, 'x.tltrace');
      const countOut = path.join(dir, 'c.jsonl');
      // One run, both plugins: they see the same calls.
      const r = capture(out, cmd, args, { plugins: [`count:out=${countOut}`] });
      assert.equal(r.status, 0, describe(r));
      const trace = parseTrace(readFileSync(out));
      // A process killed by SIGKILL runs no exit hook: count never writes
      // its totals, while capture wrote its calls as they came. Compare the
      // processes whose end both saw.
      const ended = new Set(trace.records.filter((x) => x.type === 'process_exit').map((x) => x.pid));
      const want: Record<string, number> = {};
      for (const rec of readCountFile(countOut))
        if (ended.has(rec.pid))
          for (const [k, v] of Object.entries(rec.syscalls)) want[k] = (want[k] ?? 0) + v;
      const got = callCounts(trace, ended);
      // A call the gate holds back for a signal handler (the restartable
      // window, DESIGN §3) is issued once after the handler: capture
      // records it once, count counts it at each before-hook. So count may
      // exceed capture by at most one call per handler run (rt_sigreturn),
      // and never the other way.
      const handlerRuns = got.rt_sigreturn ?? 0;
      let extra = 0;
      for (const name of new Set([...Object.keys(got), ...Object.keys(want)])) {
        const g = got[name] ?? 0;
        const w = want[name] ?? 0;
        assert.ok(g <= w, `capture has more ${name} than count:\n${diff(got, want)}`);
        extra += w - g;
      }
      assert.ok(extra <= handlerRuns, `capture and count disagree beyond ${handlerRuns} restarts:\n${diff(got, want)}`);
      // Each thread's records come in time order.
      const last = new Map<number, bigint>();
      for (const rec of trace.records) {
        if (rec.type === 'exit') continue; // stamped at exit
        assert.ok((last.get(rec.tid) ?? 0n) <= rec.time, `tid ${rec.tid} goes back in time`);
        last.set(rec.tid, rec.time);
      }
    });
  }
});

suite('capture: the stream', () => {
  test('--first-only records the first thread and what it execs, nothing of its children', (t) => {
    if (skipWithoutLauncher(t)) return;
    const out = path.join(tempDir('cap-first'), 'x.tltrace');
    const r = capture(out, '/bin/sh', ['-c', '/bin/echo child; exec /bin/echo same'], { extra: ['--first-only'] });
    assert.equal(r.status, 0, describe(r));
    assert.equal(r.stdout, 'child\nsame\n');
    const recs = parseTrace(readFileSync(out)).records;
    const tids = new Set(recs.map((x) => x.tid));
    assert.equal(tids.size, 1, `records of ${[...tids].join(', ')}`);
    // sh's own fork is there, the child's exec is not; sh's exec of echo is.
    const images = recs.filter((x) => x.type === 'image_start');
    assert.deepEqual(images.map((x) => (x.type === 'image_start' ? x.argv.join(' ') : '')), ['/bin/sh -c /bin/echo child; exec /bin/echo same', '/bin/echo same']);
  });

  test('--output writes a stream that parses: images, execve, exit', (t) => {
    if (skipWithoutLauncher(t)) return;
    const out = path.join(tempDir('cap-stream'), 'x.tltrace');
    const r = capture(out, '/bin/sh', ['-c', 'exec /bin/echo hi'], { extra: ['--strings', '64'] });
    assert.equal(r.status, 0, describe(r));
    assert.equal(r.stdout, 'hi\n');
    const trace = parseTrace(readFileSync(out));
    assert.equal(trace.header.version, 1);
    assert.equal(trace.header.stringLimit, 64);
    const recs = trace.records;
    // The first image: started by trapline, its argv, then the execve that
    // started it, complete.
    const first = recs[0]!;
    assert.ok(first.type === 'image_start', `first record: ${first.type}`);
    assert.equal(first.initial, true, 'INITIAL');
    assert.deepEqual(first.argv, ['/bin/sh', '-c', 'exec /bin/echo hi']);
    // The argv blob's STRVEC flag (and its exact bytes, trailing NUL
    // included) cannot be checked here: the reader's image_start record
    // keeps argv as strings and not the blob it came from. The execve
    // ENTER's argv blob below is checked byte for byte with its flag.
    const execve = nrOf('execve');
    const execs = recs.filter(isCall).filter((x) => x.nr === execve);
    assert.deepEqual(
      execs.map((x) => x.type),
      ['enter', 'exit', 'enter', 'exit'],
      JSON.stringify(execs.map((x) => [x.type, x.pid])),
    );
    const [, , secondEnter, secondExit] = execs;
    assert.ok(secondEnter!.type === 'enter' && secondExit!.type === 'exit');
    assert.equal(secondEnter.blobs.find((b) => b.arg === 0)!.data.toString(), '/bin/echo');
    const argv = secondEnter.blobs.find((b) => b.arg === 1)!;
    assert.equal(argv.data.toString(), '/bin/echo\0hi\0');
    assert.equal(argv.strvec, true, 'STRVEC');
    const envCount = secondEnter.blobs.find((b) => b.arg === 2)!;
    assert.equal(envCount.count, true, 'COUNT');
    assert.ok(envCount.data.readBigUInt64LE(0) > 0n);
    // The exec'd image starts, then finishes the execve: `= 0` as strace.
    const i = recs.indexOf(secondExit);
    const image = recs[i - 1]!;
    assert.ok(image.type === 'image_start', `record before the execve exit: ${image.type}`);
    assert.equal(image.initial, false, 'not INITIAL');
    assert.equal(secondExit.result, 0n);
    assert.equal(secondExit.pid, first.pid, 'exec keeps the pid');
    // write(1, "hi\n", 3): write may block, so it is an ENTER carrying the
    // buffer (read before the call), then the EXIT of the same tid.
    const write = recs.filter(isEnter).find((x) => x.nr === nrOf('write'))!;
    assert.ok(write, 'an enter record for write');
    assert.deepEqual([write.args[0], write.args[2]], [1n, 3n], 'write(1, ..., 3)');
    const buf = write.blobs.find((b) => b.arg === 1)!;
    assert.equal(buf.data.toString(), 'hi\n');
    assert.equal(buf.exit, false, 'the buffer is read before the call');
    const writeExit = exitOf(recs, write);
    assert.equal(writeExit.result, 3n);
    assert.ok(writeExit.time >= write.time);
    const end = recs.at(-1)!;
    assert.ok(end.type === 'process_exit', `last record: ${end.type}`);
    assert.deepEqual([end.status, end.signal], [0, 0]);
  });

  test('buffers are cut at --strings, paths never', (t) => {
    if (skipWithoutLauncher(t)) return;
    const dir = tempDir('cap-strings');
    const out = path.join(dir, 'x.tltrace');
    const long = path.join(dir, 'd'.repeat(200));
    const r = capture(out, '/bin/sh', ['-c', `echo 0123456789abcdefXYZ; cat ${long} 2>/dev/null; true`], { extra: ['--strings', '16'] });
    assert.equal(r.status, 0, describe(r));
    const recs = parseTrace(readFileSync(out)).records;
    // write blocks: its buffer is in the ENTER, its result in the EXIT.
    const write = recs.filter(isEnter).find((x) => x.nr === nrOf('write') && exitOf(recs, x).result === 20n)!;
    assert.ok(write, 'a write of 20 bytes');
    const buf = write.blobs.find((b) => b.arg === 1)!;
    assert.equal(buf.data.toString(), '0123456789abcdef');
    assert.equal(buf.truncated, true, 'TRUNCATED');
    const open = recs.filter(isCall).find((x) => x.nr === nrOf('openat') && x.blobs.some((b) => b.data.toString() === long));
    assert.ok(open, 'the 200-byte path is kept whole');
  });

  test('vDSO calls with --vdso', (t) => {
    const prog = testProgram('vdso_calls');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    const out = path.join(tempDir('cap-vdso'), 'x.tltrace');
    const r = capture(out, prog, ['20'], { extra: ['--vdso'] });
    assert.equal(r.status, 0, describe(r));
    const trace = parseTrace(readFileSync(out));
    assert.equal(trace.header.vdso, true);
    const clock = trace.records.filter((x): x is VdsoRecord => x.type === 'vdso' && x.fn === 0);
    assert.ok(clock.length >= 20, `clock_gettime records: ${clock.length}`);
    const ok = clock.find((x) => x.result === 0n)!;
    assert.equal(ok.blobs[0]!.data.length, 16, 'struct timespec on exit');
  });
});

/** Runs the drain with the stream on a pipe (fd 3), as `trapline trace` does. */
function spawnLive(args: string[]) {
  const child = spawn(launcher, ['capture', '--output-fd', '3', '--', ...args], {
    env,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  const stream: Buffer[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => stream.push(d));
  const closed = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (status, signal) => resolve({ status, signal })),
  );
  return {
    child,
    closed,
    stream: () => Buffer.concat(stream),
    out: () => ({ stdout, stderr }),
  };
}

async function until(what: string, ms: number, ok: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Records complete so far in a stream that may end mid-record. */
function parsePrefix(buf: Buffer): TraceRecord[] {
  return new TraceParser().push(buf);
}

suite('capture: live', () => {
  test('a read blocked on a pipe shows its entry before the writer writes', async (t) => {
    if (skipWithoutLauncher(t)) return;
    // read is marked blocking, so it is recorded at entry: this test runs.
    assert.equal(syscallTable.find((e) => e.name === 'read')!.blocks, true, 'syscalls.json marks read as blocking');
    const live = spawnLive(['/usr/bin/head', '-c', '4']);
    const read = nrOf('read');
    const blockedRead = (): boolean =>
      parsePrefix(live.stream()).some((r) => r.type === 'enter' && r.nr === read && r.args[0] === 0n);
    await until('read(0, ...) to show as entered', 20_000, blockedRead);
    live.child.stdin!.end('abcd');
    const end = await live.closed;
    assert.equal(end.status, 0);
    assert.equal(live.out().stdout, 'abcd');
    const recs = parseTrace(live.stream()).records;
    const exit = recs.find((r): r is ExitRecord => r.type === 'exit' && r.nr === read && r.result === 4n);
    assert.ok(exit, 'the read finishes with its 4 bytes');
    assert.equal(exit.blobs[0]!.data.toString(), 'abcd');
    assert.equal(exit.blobs[0]!.exit, true, 'read after the call');
  });

  test('a reader that falls behind: the client waits, nothing is lost', async (t) => {
    const prog = testProgram('getppid_loop');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    const out = path.join(tempDir('cap-stop'), 'x.tltrace');
    const child = spawn(launcher, ['capture', '--output', out, '--', prog, '300000'], { env, stdio: 'ignore' });
    const closed = new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
    const drain = child.pid!;
    const clientOf = (): number => Number(readFileSync(`/proc/${drain}/task/${drain}/children`, 'utf8').trim().split(' ')[0]);
    await until('the client to start', 20_000, () => clientOf() > 0);
    child.kill('SIGSTOP');
    // With the reader stopped, the client fills its ring and sleeps.
    const state = (): string => readFileSync(`/proc/${clientOf()}/stat`, 'utf8').replace(/^.*\) /, '')[0]!;
    await until('the client to wait for the reader', 20_000, () => state() === 'S');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(state(), 'S', 'the client still waits');
    child.kill('SIGCONT');
    assert.equal(await closed, 0);
    const getppid = nrOf('getppid');
    const calls = parseTrace(readFileSync(out)).records.filter((r) => r.type === 'syscall' && r.nr === getppid);
    assert.equal(calls.length, 300_001, 'every getppid (and the one that checks the sum)');
  });

  test('the reader killed mid-run: the client finishes with a warning, no hang', async (t) => {
    const prog = testProgram('getppid_loop');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    const live = spawnLive(['/bin/sh', '-c', `${prog} 2000000 && echo finished`]);
    await until('records to flow', 20_000, () => live.stream().length > 256 * 1024);
    live.child.kill('SIGKILL');
    const end = await Promise.race([
      live.closed,
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000).unref()),
    ]);
    assert.notEqual(end, 'hung', `the client hung: ${JSON.stringify(live.out())}`);
    const { stdout, stderr } = live.out();
    assert.equal(stdout, 'finished\n');
    const warnings = stderr.split('\n').filter((l) => l !== '');
    assert.ok(warnings.length >= 1, 'a warning');
    for (const w of warnings) assert.equal(w, 'trapline: warning: the trace reader has gone; the program continues untraced');
    assert.ok(warnings.length <= 2, `one warning per process at most: ${stderr}`);
  });
});

suite('capture: threads', () => {
  test('10,000 threads created and joined', (t) => {
    const prog = testProgram('thread_churn');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    const out = path.join(tempDir('cap-churn'), 'x.tltrace');
    const native = run(prog, ['250', '40'], { env, timeoutMs: 120_000 });
    const r = capture(out, prog, ['250', '40'], { timeoutMs: 180_000 });
    sameOutcome(native, r);
    const recs = parseTrace(readFileSync(out)).records;
    const gettid = nrOf('gettid');
    const answers = recs.filter((x): x is SyscallRecord => x.type === 'syscall' && x.nr === gettid);
    assert.equal(answers.length, 10_000);
    for (const a of answers) assert.equal(a.result, BigInt(a.tid), 'gettid answers its own tid');
    assert.equal(new Set(recs.map((x) => x.tid)).size, 10_001);
  });
});
