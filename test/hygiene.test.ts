// The client sees itself, not trapline: argv, /proc/self/{cmdline,comm,exe},
// its own auxv, fresh AT_RANDOM, rseq, and the LD_*/GLIBC_TUNABLES/allocator
// variables that the host's ld.so must not consume, unchanged and in order.
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { compareRuns, describe, runTrapline, skipWithout, skipWithoutLauncher, testProgram } from './helpers.js';

const VARIANTS = ['', '-nopie', '-static', '-static-pie', '-musl', '-musl-static-pie', '-musl-dynamic'] as const;

// Variables meant for the client only; LD_PRELOAD of a missing object makes
// ld.so complain once per ld.so that reads it.
const clientEnv = {
  HYGIENE_FIRST: '1',
  LD_PRELOAD: '/nonexistent/trapline-hygiene.so',
  LD_BIND_NOT: '1',
  GLIBC_TUNABLES: 'glibc.malloc.check=0',
  HYGIENE_MIDDLE: 'x;y%z',
  MALLOC_ARENA_MAX: '2',
  MIMALLOC_VERBOSE: '0',
  HYGIENE_LAST: '1',
};

suite('hygiene: the client sees itself', () => {
  for (const v of VARIANTS) {
    const prog = testProgram('hygiene' + v);
    test(`hygiene${v}`, (t) => {
      if (skipWithout(t, prog)) return;
      const env = { ...process.env, ...clientEnv };
      const { native, traced } = compareRuns(t, prog, ['one', 'two words'], { env });
      if (!traced) return;
      assert.match(native.stdout, /readlink=\/.*hygiene/);
      assert.match(native.stdout, /stat-matches=1/);
      const complaints = (s: string): number => s.split('cannot be preloaded').length - 1;
      assert.equal(complaints(traced.stderr), complaints(native.stderr), describe(traced));
    });
  }

  test('AT_RANDOM is fresh in every run', (t) => {
    const prog = testProgram('hygiene');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    const env = { ...process.env, HYGIENE_RANDOM: '1' };
    const a = runTrapline([], prog, [], { env });
    const b = runTrapline([], prog, [], { env });
    assert.equal(a.status, 0, describe(a));
    assert.match(a.stderr, /^[0-9a-f]{32}$/m);
    assert.notEqual(a.stderr, b.stderr);
  });

  test('ps and pgrep see the client by name and argv', (t) => {
    if (skipWithoutLauncher(t)) return;
    const marker = `trapline-ps-${process.pid}`;
    const r = runTrapline([], '/bin/sh', ['-c', `ps -o comm=,args= -p $$; pgrep -f '${marker}' | grep -c .`, marker]);
    assert.equal(r.status, 0, describe(r));
    assert.match(r.stdout, new RegExp(`^sh +/bin/sh -c .* ${marker}\\n1\\n$`), describe(r));
  });
});
