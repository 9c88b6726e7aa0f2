// Isolated plugins: hooks that use malloc, stdio, pthread mutexes,
// thread_local, errno, the clock and C++ never disturb the client — its
// errno, TLS, heap, program break, vector registers, signals, forks and
// sanitizers. Every client runs natively and under trapline, compared.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe as suite, test } from 'node:test';
import {
  compareRuns,
  describe,
  fixtures,
  launcher,
  nativeBuild,
  readCountFile,
  root,
  run,
  runTrapline,
  skipWithout,
  skipWithoutLauncher,
  tempDir,
  testProgram,
  traplineArgs,
  type RunResult,
} from './helpers.js';

const cxxStats = path.join(nativeBuild, 'examples', 'cxx_stats.so');
let slowPlugin = '';

before(() => {
  // The slow-hook plugin is built here as a plugin author builds one.
  slowPlugin = path.join(tempDir('slow-plugin'), 'slow_isolated.so');
  const r = spawnSync(
    'gcc',
    ['-shared', '-fPIC', '-O1', `-I${path.join(root, 'native', 'include')}`, '-o', slowPlugin,
      path.join(fixtures, 'plugins', 'slow_isolated.c')],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `gcc failed:\n${r.stderr}`);
});

interface DemoRecord {
  pid: number;
  calls: number;
  threads: number;
}

function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** Per pid: total calls counted by `count` and by libc-demo in the same run. */
function totalsByPid(countFile: string, demoFile: string): Array<[number, number, number]> {
  const counted = new Map<number, number>();
  for (const r of readCountFile(countFile)) {
    const n = Object.values(r.syscalls).reduce((a, b) => a + b, 0);
    counted.set(r.pid, (counted.get(r.pid) ?? 0) + n);
  }
  const demo = new Map<number, number>();
  for (const r of readJsonLines<DemoRecord>(demoFile)) demo.set(r.pid, (demo.get(r.pid) ?? 0) + r.calls);
  const pids = [...new Set([...counted.keys(), ...demo.keys()])].sort((a, b) => a - b);
  return pids.map((p) => [p, counted.get(p) ?? -1, demo.get(p) ?? -1]);
}

suite('isolation: the client sees nothing of an isolated plugin', () => {
  test('errno, thread_local and sbrk under libc-demo; its call total equals count\'s', (t) => {
    const prog = testProgram('isolation_client');
    if (skipWithout(t, prog)) return;
    const dir = tempDir('iso');
    const countFile = path.join(dir, 'count.jsonl');
    const demoFile = path.join(dir, 'demo.jsonl');
    const { native, traced } = compareRuns(t, prog, ['4', '32'], {
      plugins: [`count:out=${countFile}`, `libc-demo:out=${demoFile}`],
      timeoutMs: 120_000,
    });
    assert.match(native.stdout, /violations: 0\n$/);
    if (!traced) return;
    assert.equal(traced.stderr, '', describe(traced));
    const totals = totalsByPid(countFile, demoFile);
    assert.equal(totals.length, 1, JSON.stringify(totals));
    const [, counted, demo] = totals[0]!;
    assert.equal(demo, counted, `libc-demo saw ${demo} calls, count ${counted}`);
    const [rec] = readJsonLines<DemoRecord>(demoFile);
    assert.equal(rec!.threads, 4 * 32 + 1, JSON.stringify(rec));
  });

  test('the same under the C++ example (std::string, std::unordered_map, thread_local destructors)', (t) => {
    const prog = testProgram('isolation_client');
    if (skipWithout(t, prog) || skipWithout(t, cxxStats)) return;
    const dir = tempDir('iso-cxx');
    const countFile = path.join(dir, 'count.jsonl');
    const cxxFile = path.join(dir, 'cxx.jsonl');
    const { traced } = compareRuns(t, prog, ['4', '32'], {
      plugins: [`count:out=${countFile}`, `${cxxStats}:out=${cxxFile}`],
      timeoutMs: 120_000,
    });
    if (!traced) return;
    const [cxx] = readJsonLines<{ pid: number; calls: number; distinct: number; top: string }>(cxxFile);
    const [counted] = readCountFile(countFile);
    assert.ok(cxx && counted, `missing records: ${readFileSync(cxxFile, 'utf8')}`);
    assert.equal(cxx.calls, Object.values(counted.syscalls).reduce((a, b) => a + b, 0));
    assert.equal(cxx.distinct, Object.keys(counted.syscalls).length);
  });

  test('vector registers survive isolated hooks (xmm/ymm/zmm)', (t) => {
    const prog = testProgram('vector_regs');
    if (skipWithout(t, prog)) return;
    const { native, traced } = compareRuns(t, prog, ['300'], { plugins: ['libc-demo:out=/dev/null'] });
    assert.match(native.stdout, /^vector_regs: OK/);
    if (traced) assert.equal(traced.stderr, '', describe(traced));
  });

  test('the signal harness under libc-demo', (t) => {
    const prog = testProgram('sig_harness');
    if (skipWithout(t, prog)) return;
    const { native } = compareRuns(t, prog, ['5000', String(process.pid % 1000)], {
      plugins: ['libc-demo:out=/dev/null'],
      timeoutMs: 180_000,
    });
    assert.match(native.stdout, /bad_rip=0 bad_rsp=0 alarms>0=1 urgs>0=1 chlds>0=1 jumps>0=1/);
  });

  test('a 200 µs timer with a self-pipe, under a plugin with slow hooks: no lost or misplaced signal', (t) => {
    const prog = testProgram('timer_selfpipe');
    if (skipWithout(t, prog)) return;
    const { native } = compareRuns(t, prog, ['300'], {
      plugins: [`${slowPlugin}:delay_us=20`],
      timeoutMs: 60_000,
    });
    assert.equal(native.stdout, 'reads=300 bad_tls=0 bad_errno=0 handled>=reads=1\n');
  });

  test('clock_gettime and printf inside hooks do not recurse', (t) => {
    const prog = testProgram('vdso_calls');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    const r = runTrapline([`${slowPlugin}:print=1:vdso=1:only=write`], prog, ['50'], { timeoutMs: 30_000 });
    assert.equal(r.status, 0, describe(r));
    const hooks = r.stderr.split('\n').filter((l) => /^hook (clock_gettime|write) #\d+ at \d+$/.test(l));
    assert.ok(hooks.length >= 50, describe(r));
  });
});

suite('isolation: the host heap', () => {
  test('is loaded for an isolated plugin, not for a raw one over cached images', (t) => {
    if (skipWithoutLauncher(t)) return;
    const maps = (plugin: string): string => {
      runTrapline([plugin], '/bin/cat', ['/proc/self/maps']); // the images cached
      const r = runTrapline([plugin], '/bin/cat', ['/proc/self/maps']);
      assert.equal(r.status, 0, describe(r));
      return r.stdout;
    };
    assert.doesNotMatch(maps('passthrough'), /libmimalloc/);
    assert.match(maps('libc-demo:out=/dev/null'), /libmimalloc/);
  });
});

suite('isolation: sanitizer-built clients report what they report natively', () => {
  // Pids, addresses and the program's own path differ between runs.
  const normalise = (s: string): string =>
    s
      .replace(/==\d+==/g, '==PID==')
      .replace(/0x[0-9a-f]+/g, '0xADDR')
      .replace(/\(pid=\d+\)/g, '(pid=PID)')
      .replace(/\(tid=\d+, (running|finished)\)/g, '(tid=TID, STATE)')
      .replace(/ #\d+ 0xADDR in .*$/gm, ' #N frame')
      .replace(/(\[|thread T)\d+/g, '$1N');
  const cases: Array<[string, RegExp]> = [
    ['sanitized_race-tsan', /WARNING: ThreadSanitizer: data race/],
    ['sanitized-tsan', /total=/],
    ['sanitized_overflow-asan', /ERROR: AddressSanitizer: heap-buffer-overflow/],
  ];
  for (const [name, expected] of cases) {
    test(name, (t) => {
      const prog = testProgram(name);
      if (skipWithout(t, prog)) return;
      const { native, traced } = compareRuns(t, prog, [], { plugins: ['libc-demo:out=/dev/null'], timeoutMs: 60_000 });
      assert.match(native.stdout + native.stderr, expected, describe(native));
      if (traced) assert.equal(normalise(traced.stderr), normalise(native.stderr));
    });
  }
});

/** Starts a command, sends SIGINT after `afterMs`, and reports how it ended. */
function interrupt(cmd: string, args: string[], afterMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), afterMs);
    const guard = setTimeout(() => child.kill('SIGKILL'), afterMs + 20_000);
    child.on('exit', (status, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      resolve({ command: [cmd, ...args], status, signal, stdout, stderr, timedOut: signal === 'SIGKILL', ms: performance.now() - t0 });
    });
  });
}

suite('isolation: SIGINT ends the client as natively', () => {
  test('while it is blocked in read', async (t) => {
    if (skipWithoutLauncher(t)) return;
    const native = await interrupt('/bin/cat', [], 300);
    const traced = await interrupt(launcher, traplineArgs(['libc-demo:out=/dev/null'], '/bin/cat', []), 500);
    assert.equal(native.signal, 'SIGINT', describe(native));
    assert.equal(traced.signal, 'SIGINT', describe(traced));
  });

  test('while it is inside a 50 ms isolated hook', async (t) => {
    const prog = testProgram('getpid_loop');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    const native = await interrupt(prog, ['1000000000'], 300);
    const traced = await interrupt(
      launcher,
      traplineArgs([`${slowPlugin}:only=getpid:delay_us=50000`], prog, ['1000000000']),
      500,
    );
    assert.equal(native.signal, 'SIGINT', describe(native));
    assert.equal(traced.signal, 'SIGINT', describe(traced));
    assert.ok(traced.ms < 5000, describe(traced));
  });
});

suite('isolation: processes', () => {
  test('fork in a loop while 8 threads make syscalls, each child starting threads, under libc-demo', (t) => {
    const prog = testProgram('fork_threads');
    if (skipWithout(t, prog)) return;
    const out = path.join(tempDir('forkloop'), 'demo.jsonl');
    const { native, traced } = compareRuns(t, prog, ['30'], { plugins: [`libc-demo:out=${out}`], timeoutMs: 120_000 });
    assert.equal(native.stdout, 'forks=30 ok=30\n');
    if (!traced) return;
    const recs = readJsonLines<DemoRecord>(out);
    assert.equal(recs.length, 31, JSON.stringify(recs));
    // Each child: its own process, its forking thread and 3 threads of its own.
    for (const r of recs.filter((r) => r.pid !== recs.at(-1)!.pid)) assert.equal(r.threads, 4, JSON.stringify(r));
  });

  test('posix_spawn, vfork and system() under libc-demo subscribed to every syscall', (t) => {
    const prog = testProgram('spawn_mix');
    if (skipWithout(t, prog)) return;
    const dir = tempDir('spawnmix');
    const countFile = path.join(dir, 'count.jsonl');
    const demoFile = path.join(dir, 'demo.jsonl');
    const { traced } = compareRuns(t, prog, [], {
      plugins: [`count:out=${countFile}`, `libc-demo:out=${demoFile}`],
      timeoutMs: 60_000,
    });
    if (!traced) return;
    const totals = totalsByPid(countFile, demoFile);
    assert.ok(totals.length >= 4, JSON.stringify(totals));
    for (const [pid, counted, demo] of totals) assert.equal(demo, counted, `pid ${pid}: ${JSON.stringify(totals)}`);
  });

  test('unshare -r works under raw plugins (no companion threads)', (t) => {
    const native = run('unshare', ['-r', 'id', '-u']);
    if (native.status !== 0) {
      t.skip(`user namespaces unavailable here: ${native.stderr.trim()}`);
      return;
    }
    for (const plugins of [[], ['count:out=/dev/null']]) compareRuns(t, 'unshare', ['-r', 'id', '-u'], { plugins });
  });
});
