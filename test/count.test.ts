// The count plugin's per-syscall numbers must equal strace's on
// deterministic programs. strace sees the initial execve (so does count) and
// does not list exit_group (count does): add it to strace's table.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, realpathSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe as suite, test } from 'node:test';
import {
  describe,
  parseStraceSummary,
  readCountFile,
  run,
  runTrapline,
  skipWithout,
  skipWithoutLauncher,
  stableEnv,
  tempDir,
  testCacheDir,
  testProgram,
} from './helpers.js';

let dir = '';
before(() => {
  dir = tempDir('count');
  const data = path.join(dir, 'data');
  mkdirSync(data);
  for (let i = 0; i < 5; i++) writeFileSync(path.join(data, `f${i}.txt`), `file ${i}\n`.repeat(i * 100));
  const when = new Date('2024-01-02T03:04:05Z');
  for (let i = 0; i < 5; i++) utimesSync(path.join(data, `f${i}.txt`), when, when);
});

function diffCounts(a: Record<string, number>, b: Record<string, number>): string {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return names
    .filter((n) => (a[n] ?? 0) !== (b[n] ?? 0))
    .map((n) => `  ${n}: count=${a[n] ?? 0} strace=${b[n] ?? 0}`)
    .join('\n');
}

function nonZero(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== 0));
}

interface Case {
  name: string;
  prog: string;
  args: () => string[];
}

const cases: Case[] = [
  { name: 'syscalls (dynamic PIE)', prog: testProgram('syscalls'), args: () => [] },
  { name: 'syscalls-static', prog: testProgram('syscalls-static'), args: () => [] },
  { name: 'syscalls-musl', prog: testProgram('syscalls-musl'), args: () => [] },
  { name: 'hello-static-pie', prog: testProgram('hello-static-pie'), args: () => [] },
  { name: '/bin/true', prog: '/bin/true', args: () => [] },
  { name: 'cat of a file', prog: '/bin/cat', args: () => [path.join(dir, 'data', 'f4.txt')] },
  { name: 'ls -l of a fixed directory', prog: '/bin/ls', args: () => ['-l', path.join(dir, 'data')] },
  // vdso_calls with a bogus clock makes one syscall from inside the vDSO.
  { name: 'vdso_calls', prog: testProgram('vdso_calls'), args: () => ['20'] },
];

suite('count equals strace -f -c', () => {
  for (const c of cases) {
    test(c.name, (t) => {
      if (skipWithout(t, '/usr/bin/strace') || skipWithout(t, c.prog)) return;
      const env = { ...process.env, ...stableEnv, XDG_CACHE_HOME: testCacheDir };
      const work = tempDir('count-case');
      const straceOut = path.join(work, 'strace.txt');
      const countOut = path.join(work, 'count.jsonl');
      const s = run('/usr/bin/strace', ['-f', '-c', '-o', straceOut, '--', c.prog, ...c.args()], { env });
      assert.equal(s.signal, null, describe(s));
      const want = parseStraceSummary(readFileSync(straceOut, 'utf8'));
      assert.ok(Object.keys(want).length > 0, `could not parse strace output:\n${readFileSync(straceOut, 'utf8')}`);
      want.exit_group = (want.exit_group ?? 0) + 1;
      if (skipWithoutLauncher(t)) return;
      const r = runTrapline([`count:out=${countOut}`], c.prog, c.args(), { env });
      assert.equal(r.status, s.status, describe(r));
      assert.equal(r.signal, null, describe(r));
      const recs = readCountFile(countOut);
      assert.equal(recs.length, 1, `want one record, got ${recs.length}: ${JSON.stringify(recs)}`);
      const rec = recs[0]!;
      assert.equal(realpathSync(rec.exe), realpathSync(c.prog), `exe: ${rec.exe}`);
      assert.equal(typeof rec.pid, 'number');
      const got = nonZero(rec.syscalls);
      assert.deepEqual(got, want, `count and strace disagree:\n${diffCounts(got, want)}`);
    });
  }
});

suite('count output', () => {
  test('records append to the same file, one line per run', (t) => {
    const prog = testProgram('hello');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    const out = path.join(tempDir('count-append'), 'c.jsonl');
    writeFileSync(out, '');
    for (let i = 0; i < 3; i++) {
      const r = runTrapline([`count:out=${out}`], prog, [`run${i}`]);
      assert.equal(r.status, 0, describe(r));
      assert.equal(r.stdout, `hello from run${i}\n`);
    }
    const recs = readCountFile(out);
    assert.equal(recs.length, 3);
    assert.equal(new Set(recs.map((r) => r.pid)).size, 3);
    for (const rec of recs) {
      const msg = JSON.stringify(rec);
      assert.equal(rec.syscalls.exit_group, 1, `exit_group: ${msg}`);
      assert.equal(rec.syscalls.execve, 1, `the initial execve is counted once: ${msg}`);
      assert.ok((rec.syscalls.write ?? 0) >= 1, `write: ${msg}`);
      assert.equal(typeof rec.vdso, 'object', msg);
    }
  });

  test('a value containing commas is accepted (out path)', (t) => {
    const prog = testProgram('hello-static');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    const d = path.join(tempDir('count-comma'), 'a,b');
    mkdirSync(d);
    const out = path.join(d, 'c,d.jsonl');
    const r = runTrapline([`count:out=${out}`], prog);
    assert.equal(r.status, 0, describe(r));
    assert.equal(readCountFile(out).length, 1);
  });

  test('a program killed by a signal still gets its record', (t) => {
    if (skipWithoutLauncher(t)) return;
    const out = path.join(tempDir('count-signal'), 'c.jsonl');
    const r = runTrapline([`count:out=${out}`], '/bin/sh', ['-c', 'kill -KILL $$']);
    assert.equal(r.signal, 'SIGKILL', describe(r));
    // SIGKILL cannot be observed by anyone in the process: no record is fine.
    const r2 = runTrapline([`count:out=${out}`], '/bin/sh', ['-c', 'kill -TERM $$']);
    assert.equal(r2.signal, 'SIGTERM', describe(r2));
    const recs = readCountFile(out);
    assert.ok(recs.length >= 1, 'no record after death by SIGTERM');
    const last = recs.at(-1)!;
    assert.equal(last.syscalls.kill, 1, JSON.stringify(last));
  });
});
