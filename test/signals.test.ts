// Signals and the backstop: client handlers behave exactly as natively, and
// no syscall escapes. Each program runs natively and under trapline, and
// the two are compared.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe as suite, test } from 'node:test';
import {
  compareRuns,
  describe,
  parseStraceSummary,
  readCountFile,
  run,
  runTrapline,
  skipWithout,
  skipWithoutLauncher,
  stableEnv,
  tempDir,
  testProgram,
} from './helpers.js';

suite('backstop: Syscall User Dispatch', () => {
  test('syscalls from anonymous executable memory are all seen, exactly', (t) => {
    const prog = testProgram('jit_syscalls');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    const n = 2000;
    const out = path.join(tempDir('jit'), 'count.jsonl');
    const r = runTrapline([`count:out=${out}`], prog, [String(n)], { extraEnv: { TRAPLINE_DEBUG: '1' } });
    assert.equal(r.status, 0, describe(r));
    assert.equal(r.stdout, `jit: ${n} calls, 0 wrong\n`);
    // One getppid() through libc for the expected value, n from the JIT code.
    const rec = readCountFile(out)[0];
    assert.equal(rec.syscalls.getppid, n + 1, JSON.stringify(rec));
    assert.match(r.stderr, new RegExp(`backstop calls=${n} sud=on`), describe(r));
    // strace agrees on the total.
    const so = path.join(tempDir('jit-strace'), 'strace.txt');
    const s = run('strace', ['-f', '-c', '-o', so, prog, String(n)]);
    if (s.status === 0) {
      const summary = parseStraceSummary(readFileText(so));
      assert.equal(summary.getppid, n + 1);
    }
  });
});

function readFileText(file: string): string {
  return run('/bin/cat', [file]).stdout;
}

suite('signals: natively and under trapline, compared', () => {
  const cases: Array<[string, string[]]> = [
    ['sig_restart', []],
    ['sig_altstack', []],
    ['sig_segv_loop', ['100000']],
    ['sig_seccomp', []],
    ['sig_blockall', []],
    ['sig_edit_rip', []],
    ['sig_flags', []],
  ];
  for (const [name, args] of cases) {
    test(`${name} ${args.join(' ')}`.trim(), (t) => {
      const prog = testProgram(name);
      if (skipWithout(t, prog)) return;
      const { native } = compareRuns(t, prog, args, { timeoutMs: 120_000 });
      assert.ok(native.stdout.length > 0, describe(native));
    });
  }

  for (const plugins of [[], ['count:out=/dev/null']]) {
    test(`the differential harness, 10000 iterations${plugins.length ? ' under count' : ''}`, (t) => {
      const prog = testProgram('sig_harness');
      if (skipWithout(t, prog)) return;
      const { native } = compareRuns(t, prog, ['10000', String(process.pid % 1000)], {
        plugins,
        timeoutMs: 180_000,
      });
      assert.match(native.stdout, /bad_rip=0 bad_rsp=0 alarms>0=1 urgs>0=1 chlds>0=1 jumps>0=1/);
    });
  }
});

// The engine core's programs again, each with a SIGALRM handler installed
// and a 1 ms interval timer running throughout (preloaded).
suite('programs with a signal handler and a timer running', () => {
  const preload = testProgram('libtimer_preload.so');
  const dir = tempDir('timer');
  const input = path.join(dir, 'input.txt');
  writeFileSync(input, Array.from({ length: 5000 }, (_, i) => `${(i * 7919) % 10007} line ${i}`).join('\n') + '\n');
  const programs: Array<[string, string, string[]]> = [
    ['ls', '/bin/ls', ['-l', '--time-style=+%s', '/usr/share/doc/coreutils']],
    ['cat', '/bin/cat', [input]],
    ['sort', '/usr/bin/sort', ['-n', '--parallel=1', input]],
    ['sha256sum', '/usr/bin/sha256sum', [input]],
    ['tar', '/bin/tar', ['-cf', '-', '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-C', dir, 'input.txt']],
    ['python3', '/usr/bin/python3', ['-c', 'import json,hashlib,sqlite3\nd=sqlite3.connect(":memory:")\nd.execute("create table t(x)")\nd.executemany("insert into t values(?)",[(i,) for i in range(20000)])\nprint(json.dumps(d.execute("select sum(x) from t").fetchone()), hashlib.sha256(b"x"*10**6).hexdigest())']],
    ['sqlite3', '/usr/bin/sqlite3', [':memory:', 'create table t(x); insert into t values(1),(2),(3); select sum(x) from t;']],
    ['hello', testProgram('hello'), []],
    ['syscalls', testProgram('syscalls'), []],
    ['vector_regs', testProgram('vector_regs'), []],
    ['vdso_calls', testProgram('vdso_calls'), ['20000']],
    ['dlopen', testProgram('dlopen_main'), [testProgram('libdlopen_lib.so')]],
  ];
  for (const [name, prog, args] of programs) {
    test(name, (t) => {
      if (skipWithout(t, prog) || skipWithout(t, preload)) return;
      compareRuns(t, prog, args, { extraEnv: { ...stableEnv, LD_PRELOAD: preload }, timeoutMs: 120_000 });
    });
  }
});
