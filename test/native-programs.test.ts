// The C test programs of native/tests/, run natively and under trapline.
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, realpathSync, statSync, truncateSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { describe as suite, test } from 'node:test';
import {
  compareRuns,
  describe,
  findObject,
  parseRewriteLines,
  readCountFile,
  run,
  runTrapline,
  skipWithout,
  skipWithoutLauncher,
  tempDir,
  testProgram,
  traplineBin,
  withoutDebugLines,
  type RewriteLine,
} from './helpers.js';

const VARIANTS = ['', '-nopie', '-static', '-static-pie', '-musl', '-musl-static-pie', '-musl-dynamic'] as const;
const STATIC = new Set<string>(['-static', '-static-pie', '-musl', '-musl-static-pie']);

function debugEnv(cacheDir?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TRAPLINE_DEBUG: '1', LC_ALL: 'C' };
  env.XDG_CACHE_HOME = cacheDir ?? tempDir('cache');
  return env;
}

function showLines(lines: readonly RewriteLine[]): string {
  return lines.map((l) => `  ${l.object} sites=${l.sites} patched=${l.patched} backstop=${l.backstop} cache=${l.cache}`).join('\n');
}

suite('variants: dynamic PIE, non-PIE, static, static-pie, musl static', () => {
  for (const name of ['hello', 'syscalls']) {
    for (const v of VARIANTS) {
      const prog = testProgram(name + v);
      test(`${name}${v}`, (t) => {
        if (skipWithout(t, prog)) return;
        const env = debugEnv();
        const { native, traced } = compareRuns(t, prog, [], { env });
        assert.equal(native.status, 0, describe(native));
        if (!traced) return;
        const lines = parseRewriteLines(traced.stderr);
        const ctx = `rewrite lines:\n${showLines(lines)}\n${describe(traced)}`;
        assert.equal(withoutDebugLines(traced.stderr).trim(), native.stderr.trim(), ctx);
        if (STATIC.has(v)) {
          // The executable holds libc: its syscall sites must be patched, none
          // left to the 5 µs backstop.
          const exe = findObject(lines, realpathSync(prog));
          assert.ok(exe, `no rewrite line for ${prog}\n${ctx}`);
          assert.ok(exe.sites >= 1, `${prog}: no syscall sites found\n${ctx}`);
          assert.ok(exe.patched >= 1, `${prog}: nothing patched\n${ctx}`);
          assert.equal(exe.backstop, 0, `${prog}: sites left to the backstop\n${ctx}`);
        } else if (v === '-musl-dynamic') {
          // musl's dynamic loader is its libc.
          const ldso = lines.find((l) => /ld-musl-x86_64\.so\.1$/.test(l.object));
          assert.ok(ldso && ldso.patched >= 1, `ld-musl not rewritten\n${ctx}`);
        } else {
          // The dynamic executable itself makes no syscall: libc and ld.so do.
          const libc = lines.find((l) => /\/libc\.so\.6$|\/libc-[\d.]+\.so$/.test(l.object));
          const ldso = lines.find((l) => /ld-linux-x86-64\.so\.2$/.test(l.object));
          assert.ok(libc && libc.patched >= 1, `libc not rewritten\n${ctx}`);
          assert.ok(ldso && ldso.patched >= 1, `ld.so not rewritten\n${ctx}`);
        }
        // Every syscall instruction found is patched: none is left to the
        // backstop in any object of these programs.
        for (const l of lines) {
          assert.equal(l.patched, l.sites, `${l.object}: not every site patched\n${ctx}`);
          assert.equal(l.backstop, 0, `${l.object}: sites left to the backstop\n${ctx}`);
        }
        // The vDSO's own syscall fallbacks are rewritten too.
        assert.ok(
          lines.some((l) => l.object === '[vdso]'),
          `no rewrite line for [vdso]\n${ctx}`,
        );
      });
    }
  }

  test('the rewrite plan is cached per build-id: miss, then hit', (t) => {
    const prog = testProgram('syscalls-static');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    const cache = tempDir('cache-hit');
    const env = debugEnv(cache);
    const first = runTrapline([], prog, [], { env });
    const second = runTrapline([], prog, [], { env });
    assert.equal(first.status, 0, describe(first));
    assert.equal(second.status, 0, describe(second));
    const a = findObject(parseRewriteLines(first.stderr), realpathSync(prog));
    const b = findObject(parseRewriteLines(second.stderr), realpathSync(prog));
    assert.ok(a && b, `missing rewrite lines\n${describe(first)}\n${describe(second)}`);
    assert.equal(a.cache, 'miss', describe(first));
    assert.equal(b.cache, 'hit', describe(second));
    assert.equal(b.sites, a.sites);
    assert.equal(b.patched, a.patched);
    assert.equal(b.backstop, a.backstop);
  });

  test('the patched image is kept: stored, then mapped; a changed or damaged file is patched again', (t) => {
    const prog = testProgram('hello');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    // A private copy of libc, so that its file can be changed.
    const probe = runTrapline([], prog, [], { env: debugEnv() });
    const sysLibc = parseRewriteLines(probe.stderr).find((l) => /\/libc\.so\.6$/.test(l.object));
    assert.ok(sysLibc, `no libc rewrite line\n${describe(probe)}`);
    const libDir = tempDir('libc-copy');
    const libc = path.join(libDir, 'libc.so.6');
    copyFileSync(sysLibc.object, libc);
    const cache = tempDir('image-cache');
    const env = { ...debugEnv(cache), LD_LIBRARY_PATH: libDir };
    const expected = run(prog, [], { env: { ...process.env, LC_ALL: 'C' } }).stdout;
    const image = (): string => {
      const r = runTrapline([], prog, [], { env });
      assert.equal(r.status, 0, describe(r));
      assert.equal(r.stdout, expected, describe(r));
      const l = parseRewriteLines(r.stderr).find((x) => x.object === libc);
      assert.ok(l, `no rewrite line for the copy\n${describe(r)}`);
      assert.equal(l.patched, l.sites, describe(r));
      return l.fields.image ?? '';
    };
    assert.equal(image(), 'stored');
    assert.equal(image(), 'mapped');
    // A new mtime: the copy may have changed, the image is not used.
    const later = new Date(Date.now() + 5000);
    utimesSync(libc, later, later);
    assert.equal(image(), 'stored');
    assert.equal(image(), 'mapped');
    // A damaged image (header and stubs cut off) is patched again, not mapped.
    const dir = path.join(cache, 'trapline', 'images');
    const file = readdirSync(dir).find((f) => f.startsWith('libc.so.6.'));
    assert.ok(file, `no image in ${dir}: ${readdirSync(dir).join(' ')}`);
    truncateSync(path.join(dir, file), statSync(libc).size);
    assert.equal(image(), 'stored');
    assert.equal(image(), 'mapped');
  });

  test('a cache on a noexec mount keeps no images: every run patches in place', (t) => {
    const prog = testProgram('hello');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    const probe = run('unshare', ['-rm', 'true']);
    if (probe.status !== 0) {
      t.skip('no user and mount namespaces here');
      return;
    }
    const dir = tempDir('noexec-cache');
    const script = 'mount -t tmpfs -o noexec none "$1" && shift && "$@" && "$@"';
    const r = run('unshare', ['-rm', 'sh', '-c', script, 'sh', dir, traplineBin, 'run', '--', prog], {
      env: { ...debugEnv(dir) },
    });
    assert.equal(r.status, 0, describe(r));
    const libc = parseRewriteLines(r.stderr).filter((l) => /\/libc\.so\.6$/.test(l.object));
    assert.equal(libc.length, 2, describe(r));
    for (const l of libc) {
      assert.equal(l.fields.image, 'none', describe(r));
      assert.equal(l.patched, l.sites, describe(r));
    }
    assert.equal(libc[1]!.cache, 'hit', describe(r));
  });
});

suite('dlopen', () => {
  test('a dlopen()ed library is rewritten and count sees its syscalls', (t) => {
    const prog = testProgram('dlopen_main');
    const lib = testProgram('libdlopen_lib.so');
    if (skipWithout(t, prog) || skipWithout(t, lib)) return;
    const out = path.join(tempDir('dlopen'), 'count.jsonl');
    const env = debugEnv();
    const { native, traced } = compareRuns(t, prog, [lib], { env, plugins: [`count:out=${out}`] });
    assert.match(native.stdout, /dlopen_lib: hello from the library\ndlopen_main: work\(7\) = 7\n/);
    if (!traced) return;
    const lines = parseRewriteLines(traced.stderr);
    const l = findObject(lines, realpathSync(lib));
    assert.ok(l, `no rewrite line for ${lib}\n${showLines(lines)}`);
    assert.ok(l.patched >= 1, `${lib}: nothing patched\n${showLines(lines)}`);
    const recs = readCountFile(out);
    assert.equal(recs.length, 1, `want one count record, got ${JSON.stringify(recs)}`);
    const rec = recs[0]!;
    assert.equal(realpathSync(rec.exe), realpathSync(prog), `exe: ${rec.exe}`);
    assert.equal(rec.pid > 0, true);
    // 7 raw getppid calls in the library + 1 through libc's syscall().
    assert.ok((rec.syscalls.getppid ?? 0) >= 7, `getppid count ${rec.syscalls.getppid} < 7: ${JSON.stringify(rec)}`);
    assert.ok((rec.syscalls.write ?? 0) >= 2, JSON.stringify(rec));
  });
});

suite('registers', () => {
  test('vector, general and control registers survive syscalls and vDSO calls', (t) => {
    const prog = testProgram('vector_regs');
    if (skipWithout(t, prog)) return;
    const { native, traced } = compareRuns(t, prog, ['300']);
    assert.match(native.stdout, /^vector_regs: OK/);
    if (traced) assert.equal(traced.stderr, '', describe(traced));
  });

  test('the same under the count plugin', (t) => {
    const prog = testProgram('vector_regs');
    if (skipWithout(t, prog)) return;
    const out = path.join(tempDir('vregs'), 'count.jsonl');
    const { traced } = compareRuns(t, prog, ['100'], { plugins: [`count:out=${out}`] });
    if (!traced) return;
    const [rec] = readCountFile(out);
    assert.ok(rec, 'no count record');
    assert.ok((rec.syscalls.getpid ?? 0) >= 34, JSON.stringify(rec));
    assert.ok((rec.vdso.clock_gettime ?? 0) >= 100, JSON.stringify(rec));
  });
});

suite('vDSO', () => {
  const N = 50;
  test('each vDSO function reaches count, with sane results', (t) => {
    const prog = testProgram('vdso_calls');
    if (skipWithout(t, prog)) return;
    const out = path.join(tempDir('vdso'), 'count.jsonl');
    const { native, traced } = compareRuns(t, prog, [String(N)], { plugins: [`count:out=${out}`] });
    assert.equal(native.stdout, `vdso_calls: ok ${N}\n`);
    if (!traced) return;
    const recs = readCountFile(out);
    assert.equal(recs.length, 1, JSON.stringify(recs));
    const rec = recs[0]!;
    for (const fn of ['clock_gettime', 'gettimeofday', 'time', 'getcpu', 'clock_getres']) {
      assert.ok((rec.vdso[fn] ?? 0) >= N, `vdso.${fn} = ${rec.vdso[fn]} < ${N}: ${JSON.stringify(rec.vdso)}`);
    }
    // clock_gettime on a bogus clock falls back to the real syscall inside
    // the vDSO: that fallback counts as a syscall.
    assert.ok((rec.syscalls.clock_gettime ?? 0) >= 1, `vDSO fallback not counted: ${JSON.stringify(rec.syscalls)}`);
  });

  test('many vDSO calls under passthrough', (t) => {
    const prog = testProgram('vdso_calls');
    if (skipWithout(t, prog)) return;
    compareRuns(t, prog, ['2000']);
  });
});
