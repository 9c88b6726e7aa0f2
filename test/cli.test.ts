// The `trapline` command (native/build/trapline) and the Node CLI behind it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe as suite, test } from 'node:test';
import { describe, root, run, skipWithoutLauncher, tempDir, testProgram, traplineBin } from './helpers.js';

const cliJs = path.join(root, 'dist', 'src', 'cli.js');

suite('the trapline command', () => {
  test('is a static executable: no ld.so reads the user\'s LD_* variables on the way', (t) => {
    if (skipWithoutLauncher(t)) return;
    const head = readFileSync(traplineBin).subarray(0, 4);
    assert.deepEqual([...head], [0x7f, 0x45, 0x4c, 0x46]);
    const r = run('/usr/bin/file', ['-L', traplineBin]);
    if (r.status === 0) assert.match(r.stdout, /statically linked/, describe(r));
    const e = run(traplineBin, ['run', '--', '/usr/bin/env'], { extraEnv: { LD_PRELOAD: '/nonexistent/x.so', ZZ_ORDER: '1' } });
    assert.equal(e.status, 0, describe(e));
    assert.equal(e.stderr.split('cannot be preloaded').length - 1, 1, describe(e));
  });

  test('`run` never starts Node; other commands do', (t) => {
    if (skipWithoutLauncher(t)) return;
    // A fake `node` first on PATH leaves a mark when it is started.
    const dir = tempDir('fake-node');
    const mark = path.join(dir, 'started');
    writeFileSync(path.join(dir, 'node'), `#!/bin/sh\ntouch '${mark}'\nexit 3\n`, { mode: 0o755 });
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}` };
    const r = run(traplineBin, ['run', '--', '/bin/echo', 'hi'], { env });
    assert.equal(r.status, 0, describe(r));
    assert.equal(r.stdout, 'hi\n');
    assert.ok(!existsSync(mark), '`trapline run` started node');
    const other = run(traplineBin, ['--help'], { env });
    assert.equal(other.status, 3, describe(other));
    assert.ok(existsSync(mark), 'the fake node was not on PATH: the check above proves nothing');
  });

  test('package.json names it as the trapline bin', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    assert.equal(pkg.bin.trapline, 'native/build/trapline');
  });

  test('run through a symlink resolves the package directory', (t) => {
    if (skipWithoutLauncher(t)) return;
    const r = run('/bin/sh', [
      '-c',
      'd=$(mktemp -d) && ln -s "$1" "$d/trapline" && "$d/trapline" run -- /bin/sh -c "echo via-link; exit 5"; s=$?; rm -rf "$d"; exit $s',
      'sh',
      traplineBin,
    ]);
    assert.equal(r.status, 5, describe(r));
    assert.equal(r.stdout, 'via-link\n');
  });

  test('no arguments or an unknown command: usage and exit 2', () => {
    for (const args of [[], ['frobnicate'], ['--no-such-option']]) {
      const r = run(traplineBin, args);
      assert.equal(r.status, 2, describe(r));
      assert.match(r.stderr, /Usage: trapline/, describe(r));
    }
  });

  test('--help exits 0 and lists run', () => {
    const r = run(traplineBin, ['--help']);
    assert.equal(r.status, 0, describe(r));
    assert.match(r.stdout, /\brun\b/);
  });
});

suite('Node CLI run delegates to the launcher', () => {
  test('stdout, stdin and exit status pass through', (t) => {
    if (skipWithoutLauncher(t)) return;
    const r = run(process.execPath, [cliJs, 'run', '--', '/bin/sh', '-c', 'read x; echo "got $x"; exit 9'], {
      input: 'hello\n',
    });
    assert.equal(r.status, 9, describe(r));
    assert.equal(r.stdout, 'got hello\n');
  });

  test('death by signal is forwarded', (t) => {
    if (skipWithoutLauncher(t)) return;
    const r = run(process.execPath, [cliJs, 'run', '--', '/bin/sh', '-c', 'kill -TERM $$']);
    assert.equal(r.signal, 'SIGTERM', describe(r));
  });

  test('plugins are passed through', (t) => {
    if (skipWithoutLauncher(t)) return;
    const r = run(process.execPath, [cliJs, 'run', '--plugin', 'passthrough', '--', testProgram('hello'), 'node-cli']);
    assert.equal(r.status, 0, describe(r));
    assert.equal(r.stdout, 'hello from node-cli\n');
  });

  test('trapline run forwards exit status and signals', (t) => {
    if (skipWithoutLauncher(t)) return;
    const a = run(traplineBin, ['run', '--', '/bin/sh', '-c', 'exit 42']);
    assert.equal(a.status, 42, describe(a));
    const b = run(traplineBin, ['run', '/bin/sh', '-c', 'kill -SEGV $$']);
    assert.equal(b.signal, 'SIGSEGV', describe(b));
  });
});
