// The capture side of `trapline trace`: `trapline capture` (the drain) runs
// real programs with the capture plugin and writes the trace stream of
// native/src/base/trace_record.h. The client must behave as natively; the
// stream must hold every call `count` sees; records must show up live; a
// dead reader must not hang the client.
//
// The stream is parsed here by a small reader of this suite's own (the
// decoder's reader replaces it once both sides meet).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe as suite, test } from 'node:test';
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

const T = { SYSCALL: 1, ENTER: 2, EXIT: 3, VDSO: 4, PROCESS_EXIT: 5, IMAGE_START: 6 } as const;
const BLOB = { EXIT: 1, TRUNCATED: 2, FAULT: 4, STRVEC: 8, COUNT: 16 } as const;

interface Blob {
  arg: number;
  flags: number;
  data: Buffer;
}

interface TraceRecord {
  type: number;
  flags: number;
  pid: number;
  tid: number;
  time: bigint;
  nr?: number;
  args?: bigint[];
  result?: bigint;
  exitTime?: bigint;
  status?: number;
  signal?: number;
  ppid?: number;
  blobs: Blob[];
}

interface Trace {
  version: number;
  stringLimit: number;
  flags: number;
  realtimeOffset: bigint;
  records: TraceRecord[];
}

/** Parses a whole stream; throws on anything malformed. */
function parseTrace(buf: Buffer): Trace {
  assert.ok(buf.length >= 32, `stream of ${buf.length} bytes has no header`);
  assert.equal(buf.subarray(0, 8).toString('latin1'), 'TLTRACE\0', 'magic');
  const headSize = buf.readUInt32LE(12);
  const trace: Trace = {
    version: buf.readUInt32LE(8),
    realtimeOffset: buf.readBigInt64LE(16),
    stringLimit: buf.readUInt32LE(24),
    flags: buf.readUInt32LE(28),
    records: [],
  };
  let off = headSize;
  while (off < buf.length) {
    assert.ok(off + 24 <= buf.length, `record head cut at ${off}`);
    const size = buf.readUInt32LE(off);
    assert.ok(size >= 24 && size % 8 === 0 && off + size <= buf.length, `bad record size ${size} at ${off}`);
    const r: TraceRecord = {
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      pid: buf.readInt32LE(off + 8),
      tid: buf.readInt32LE(off + 12),
      time: buf.readBigUInt64LE(off + 16),
      blobs: [],
    };
    const body = off + 24;
    const args = (at: number, n: number): bigint[] => Array.from({ length: n }, (_, i) => buf.readBigInt64LE(at + 8 * i));
    let blobs = off + size;
    switch (r.type) {
      case T.SYSCALL:
        r.nr = Number(buf.readBigInt64LE(body));
        r.args = args(body + 8, 6);
        r.result = buf.readBigInt64LE(body + 56);
        r.exitTime = buf.readBigUInt64LE(body + 64);
        blobs = body + 72;
        break;
      case T.ENTER:
        r.nr = Number(buf.readBigInt64LE(body));
        r.args = args(body + 8, 6);
        blobs = body + 56;
        break;
      case T.EXIT:
        r.nr = Number(buf.readBigInt64LE(body));
        r.result = buf.readBigInt64LE(body + 8);
        blobs = body + 16;
        break;
      case T.VDSO:
        r.nr = Number(buf.readBigInt64LE(body));
        r.args = args(body + 8, 5);
        r.result = buf.readBigInt64LE(body + 48);
        r.exitTime = buf.readBigUInt64LE(body + 56);
        blobs = body + 64;
        break;
      case T.PROCESS_EXIT:
        r.status = buf.readInt32LE(body);
        r.signal = buf.readInt32LE(body + 4);
        break;
      case T.IMAGE_START:
        r.ppid = buf.readInt32LE(body);
        blobs = body + 8;
        break;
      default:
        assert.fail(`unknown record type ${r.type} at ${off}`);
    }
    while (blobs < off + size) {
      const len = buf.readUInt32LE(blobs + 4);
      const data = buf.subarray(blobs + 8, blobs + 8 + len);
      assert.ok(blobs + 8 + len <= off + size, `blob overruns its record at ${blobs}`);
      r.blobs.push({ arg: buf.readUInt8(blobs), flags: buf.readUInt8(blobs + 1), data });
      blobs += 8 + ((len + 7) & ~7);
    }
    trace.records.push(r);
    off += size;
  }
  return trace;
}

/** Records that stand for one call each: complete calls and entries. */
function callCounts(trace: Trace): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of trace.records)
    if (r.type === T.SYSCALL || r.type === T.ENTER) {
      const name = syscallNames.get(r.nr!) ?? `syscall_${r.nr}`;
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
      const want: Record<string, number> = {};
      for (const rec of readCountFile(countOut))
        for (const [k, v] of Object.entries(rec.syscalls)) want[k] = (want[k] ?? 0) + v;
      const trace = parseTrace(readFileSync(out));
      const got = callCounts(trace);
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
        if (rec.type === T.EXIT) continue; // stamped at exit
        assert.ok((last.get(rec.tid) ?? 0n) <= rec.time, `tid ${rec.tid} goes back in time`);
        last.set(rec.tid, rec.time);
      }
    });
  }
});

suite('capture: the stream', () => {
  test('--output writes a stream that parses: images, execve, exit', (t) => {
    if (skipWithoutLauncher(t)) return;
    const out = path.join(tempDir('cap-stream'), 'x.tltrace');
    const r = capture(out, '/bin/sh', ['-c', 'exec /bin/echo hi'], { extra: ['--strings', '64'] });
    assert.equal(r.status, 0, describe(r));
    assert.equal(r.stdout, 'hi\n');
    const trace = parseTrace(readFileSync(out));
    assert.equal(trace.version, 1);
    assert.equal(trace.stringLimit, 64);
    const recs = trace.records;
    // The first image: started by trapline, its argv, then the execve that
    // started it, complete.
    const first = recs[0]!;
    assert.equal(first.type, T.IMAGE_START);
    assert.equal(first.flags & 1, 1, 'INITIAL');
    assert.equal(first.blobs[1]!.data.toString(), '/bin/sh\0-c\0exec /bin/echo hi\0');
    assert.equal(first.blobs[1]!.flags & BLOB.STRVEC, BLOB.STRVEC);
    const execs = recs.filter((x) => x.nr === nrOf('execve'));
    assert.deepEqual(
      execs.map((x) => x.type),
      [T.ENTER, T.EXIT, T.ENTER, T.EXIT],
      JSON.stringify(execs.map((x) => [x.type, x.pid])),
    );
    const [, , secondEnter, secondExit] = execs;
    assert.equal(secondEnter!.blobs.find((b) => b.arg === 0)!.data.toString(), '/bin/echo');
    assert.equal(secondEnter!.blobs.find((b) => b.arg === 1)!.data.toString(), '/bin/echo\0hi\0');
    const envCount = secondEnter!.blobs.find((b) => b.arg === 2)!;
    assert.equal(envCount.flags & BLOB.COUNT, BLOB.COUNT);
    assert.ok(envCount.data.readBigUInt64LE(0) > 0n);
    // The exec'd image starts, then finishes the execve: `= 0` as strace.
    const i = recs.indexOf(secondExit!);
    assert.equal(recs[i - 1]!.type, T.IMAGE_START);
    assert.equal(recs[i - 1]!.flags & 1, 0, 'not INITIAL');
    assert.equal(secondExit!.result, 0n);
    assert.equal(secondExit!.pid, first.pid, 'exec keeps the pid');
    // write(1, "hi\n", 3) with its buffer, and the end.
    const write = recs.find((x) => x.type === T.SYSCALL && x.nr === nrOf('write'))!;
    assert.equal(write.blobs[0]!.data.toString(), 'hi\n');
    assert.ok(write.exitTime! >= write.time);
    const end = recs.at(-1)!;
    assert.equal(end.type, T.PROCESS_EXIT);
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
    const write = recs.find((x) => x.nr === nrOf('write') && x.type === T.SYSCALL && x.result === 20n)!;
    assert.equal(write.blobs[0]!.data.toString(), '0123456789abcdef');
    assert.equal(write.blobs[0]!.flags & BLOB.TRUNCATED, BLOB.TRUNCATED);
    const open = recs.find((x) => x.nr === nrOf('openat') && x.blobs.some((b) => b.data.toString() === long));
    assert.ok(open, 'the 200-byte path is kept whole');
  });

  test('vDSO calls with --vdso', (t) => {
    const prog = testProgram('vdso_calls');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    const out = path.join(tempDir('cap-vdso'), 'x.tltrace');
    const r = capture(out, prog, ['20'], { extra: ['--vdso'] });
    assert.equal(r.status, 0, describe(r));
    const trace = parseTrace(readFileSync(out));
    assert.equal(trace.flags & 1, 1);
    const clock = trace.records.filter((x) => x.type === T.VDSO && x.nr === 0);
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

/** Records parsed from a stream that may end mid-record. */
function parsePrefix(buf: Buffer): TraceRecord[] {
  let end = 32;
  while (end + 4 <= buf.length && end + buf.readUInt32LE(end) <= buf.length) end += buf.readUInt32LE(end);
  return buf.length >= 32 ? parseTrace(buf.subarray(0, end)).records : [];
}

suite('capture: live', () => {
  test('a read blocked on a pipe shows its entry before the writer writes', async (t) => {
    if (skipWithoutLauncher(t)) return;
    if (!syscallTable.find((e) => e.name === 'read')!.blocks) {
      t.skip('src/syscall/syscalls.json does not mark read as blocking yet');
      return;
    }
    const live = spawnLive(['/usr/bin/head', '-c', '4']);
    const read = nrOf('read');
    const blockedRead = (): boolean =>
      parsePrefix(live.stream()).some((r) => r.type === T.ENTER && r.nr === read && r.args![0] === 0n);
    await until('read(0, ...) to show as entered', 20_000, blockedRead);
    live.child.stdin!.end('abcd');
    const end = await live.closed;
    assert.equal(end.status, 0);
    assert.equal(live.out().stdout, 'abcd');
    const recs = parseTrace(live.stream()).records;
    const exit = recs.find((r) => r.type === T.EXIT && r.nr === read && r.result === 4n);
    assert.ok(exit, 'the read finishes with its 4 bytes');
    assert.equal(exit!.blobs[0]!.data.toString(), 'abcd');
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
    const calls = parseTrace(readFileSync(out)).records.filter((r) => r.type === T.SYSCALL && r.nr === getppid);
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
    const answers = recs.filter((x) => x.type === T.SYSCALL && x.nr === gettid);
    assert.equal(answers.length, 10_000);
    for (const a of answers) assert.equal(a.result, BigInt(a.tid), 'gettid answers its own tid');
    assert.equal(new Set(recs.map((x) => x.tid)).size, 10_001);
  });
});
