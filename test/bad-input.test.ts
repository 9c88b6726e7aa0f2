// Bad input to `trapline run`: missing or unrunnable programs, foreign ELF
// files, bad plugin specs and a seeded corpus of mutated and truncated ELF
// files. trapline must answer as the kernel/execvp would or with one clear
// `trapline: ...` line, never crash or hang.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe as suite, test } from 'node:test';
import {
  describe,
  fixtures,
  run,
  runTrapline,
  skipWithoutLauncher,
  tempDir,
  testProgram,
  traplineBin,
  type RunResult,
} from './helpers.js';
import { foreignElf64, i386Elf } from './elf.js';

/** Exactly one non-empty stderr line, starting with "trapline:". */
function isOneLineError(r: RunResult): boolean {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  return lines.length === 1 && lines[0]!.startsWith('trapline:');
}

function assertUsageError(r: RunResult, mention: string): void {
  assert.equal(r.signal, null, describe(r));
  assert.equal(r.status, 2, describe(r));
  assert.ok(r.stderr.includes(mention), `stderr should name ${JSON.stringify(mention)}\n${describe(r)}`);
}

let dir = '';
before(() => {
  dir = tempDir('bad-input');
});

suite('programs trapline cannot or must not run', () => {
  test('not found: 127 and "trapline: NAME: not found"', (t) => {
    if (skipWithoutLauncher(t)) return;
    const name = 'trapline-no-such-program-xyz';
    const r = runTrapline([], name);
    assert.equal(r.status, 127, describe(r));
    assert.match(r.stderr, new RegExp(`^trapline: ${name}: not found$`, 'm'), describe(r));
    const abs = runTrapline([], path.join(dir, 'missing'));
    assert.equal(abs.status, 127, describe(abs));
    assert.ok(abs.stderr.startsWith('trapline: '), describe(abs));
  });

  test('a directory: 126', (t) => {
    if (skipWithoutLauncher(t)) return;
    const d = path.join(dir, 'a-directory');
    mkdirSync(d, { recursive: true });
    const r = runTrapline([], d);
    assert.equal(r.status, 126, describe(r));
    assert.ok(r.stderr.startsWith('trapline: '), describe(r));
  });

  test('a file without execute permission: 126', (t) => {
    if (skipWithoutLauncher(t)) return;
    const f = path.join(dir, 'not-executable');
    copyFileSync('/bin/true', f);
    chmodSync(f, 0o644);
    const r = runTrapline([], f);
    assert.equal(r.status, 126, describe(r));
    assert.ok(r.stderr.startsWith('trapline: '), describe(r));
  });

  test('a 32-bit i386 ELF: one-line error, non-zero', (t) => {
    if (skipWithoutLauncher(t)) return;
    const f = path.join(dir, 'i386.elf');
    writeFileSync(f, i386Elf(), { mode: 0o755 });
    const r = runTrapline([], f);
    assert.equal(r.signal, null, describe(r));
    assert.notEqual(r.status, 0, describe(r));
    assert.ok(isOneLineError(r), describe(r));
  });

  test('an aarch64 ELF: one-line error, non-zero', (t) => {
    if (skipWithoutLauncher(t)) return;
    const f = path.join(dir, 'aarch64.elf');
    writeFileSync(f, foreignElf64(183), { mode: 0o755 });
    const r = runTrapline([], f);
    assert.equal(r.signal, null, describe(r));
    assert.notEqual(r.status, 0, describe(r));
    assert.ok(isOneLineError(r), describe(r));
  });
});

suite('bad options: exit 2 naming the problem', () => {
  const hello = (): string => testProgram('hello');
  test('unknown plugin', (t) => {
    if (skipWithoutLauncher(t)) return;
    assertUsageError(runTrapline(['no-such-plugin'], hello()), 'no-such-plugin');
  });
  test('malformed plugin option (no =)', (t) => {
    if (skipWithoutLauncher(t)) return;
    assertUsageError(runTrapline(['count:bogus'], hello()), 'bogus');
  });
  test('unknown plugin option key', (t) => {
    if (skipWithoutLauncher(t)) return;
    assertUsageError(runTrapline(['count:frobnicate=1'], hello()), 'frobnicate');
  });
  test('plugin .so that does not exist', (t) => {
    if (skipWithoutLauncher(t)) return;
    assertUsageError(runTrapline(['/nonexistent/plugin.so'], hello()), '/nonexistent/plugin.so');
  });
  test('a file that is not a plugin', (t) => {
    if (skipWithoutLauncher(t)) return;
    const f = path.join(dir, 'fake-plugin.so');
    writeFileSync(f, 'not an ELF\n');
    assertUsageError(runTrapline([f], hello()), f);
  });
  test('missing PROG', (t) => {
    if (skipWithoutLauncher(t)) return;
    const r1 = run(traplineBin, ['run']);
    assert.equal(r1.status, 2, describe(r1));
    assert.ok(r1.stderr.length > 0, describe(r1));
    const r2 = run(traplineBin, ['run', '--plugin', 'count', '--']);
    assert.equal(r2.status, 2, describe(r2));
  });
  test('--plugin without a value', (t) => {
    if (skipWithoutLauncher(t)) return;
    const r = run(traplineBin, ['run', '--plugin']);
    assert.equal(r.status, 2, describe(r));
  });
  test('unknown option', (t) => {
    if (skipWithoutLauncher(t)) return;
    assertUsageError(run(traplineBin, ['run', '--frobnicate', '--', '/bin/true']), '--frobnicate');
  });
});

suite('mutated and truncated ELF files', () => {
  const corpus = path.join(fixtures, 'elf-mutants');
  const index = JSON.parse(readFileSync(path.join(corpus, 'index.json'), 'utf8')) as {
    mutants: { file: string; mutation: string }[];
  };
  const files = readdirSync(corpus).filter((f) => f.endsWith('.elf')).sort();
  test('the corpus holds at least 20 files', () => {
    assert.ok(files.length >= 20, `only ${files.length} files in ${corpus}`);
  });
  for (const file of files) {
    const what = index.mutants.find((m) => m.file === file)?.mutation ?? '?';
    test(`${file}: ${what}`, (t) => {
      const work = tempDir('mutant');
      const f = path.join(work, 'mutant');
      copyFileSync(path.join(corpus, file), f);
      chmodSync(f, 0o755);
      const native = run(f, [], { timeoutMs: 5_000, cwd: work });
      if (skipWithoutLauncher(t)) return;
      assert.ok(!native.timedOut, `the native run hangs: the corpus must not hold such files\n${describe(native)}`);
      const traced = runTrapline([], f, [], { timeoutMs: 10_000, cwd: work });
      const ctx = `mutation: ${what}\n--- native\n${describe(native)}\n--- trapline\n${describe(traced)}`;
      assert.ok(!traced.timedOut, `trapline hangs\n${ctx}`);
      assert.equal(traced.error, undefined, ctx);
      const same = traced.status === native.status && traced.signal === native.signal;
      const clearError = traced.signal === null && traced.status !== 0 && isOneLineError(traced);
      assert.ok(same || clearError, `neither the native outcome nor one clear trapline error\n${ctx}`);
    });
  }
});
