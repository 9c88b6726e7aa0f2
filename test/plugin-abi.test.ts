// External C plugins (PATH.so): a working raw plugin that changes results,
// run raw or isolated, and the refusals: wrong ABI version, no isolation
// kind, no entry symbol.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe as suite, test } from 'node:test';
import { describe, fixtures, root, runTrapline, skipWithoutLauncher, tempDir, testProgram } from './helpers.js';

const header = path.join(root, 'native', 'include');
const source = path.join(fixtures, 'plugins', 'fake_getppid.c');
let dir = '';

function build(name: string, defines: string[] = []): string {
  const out = path.join(dir, `${name}.so`);
  const r = spawnSync(
    'gcc',
    [
      '-shared',
      '-fPIC',
      '-O1',
      '-ffreestanding',
      '-mgeneral-regs-only',
      '-fno-stack-protector',
      '-nostdlib',
      `-I${header}`,
      ...defines,
      '-o',
      out,
      source,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `gcc failed for ${name}:\n${r.stderr}`);
  return out;
}

before(() => {
  dir = tempDir('plugins');
});

suite('external plugins', () => {
  test('a raw plugin skips getppid and sets its result', (t) => {
    if (skipWithoutLauncher(t) || !existsSync(path.join(header, 'trapline', 'plugin.h'))) return;
    const so = build('fake');
    const r = runTrapline([`${so}:result=4242`], '/bin/sh', ['-c', 'echo "ppid=$PPID"']);
    assert.equal(r.status, 0, describe(r));
    assert.equal(r.stdout, 'ppid=4242\n', describe(r));
    // Stacked with count: the client still runs to completion.
    const out = path.join(dir, 'count.jsonl');
    const r2 = runTrapline([`${so}:result=7`, `count:out=${out}`], testProgram('hello'), ['stacked']);
    assert.equal(r2.status, 0, describe(r2));
    assert.equal(r2.stdout, 'hello from stacked\n');
  });

  test('a plugin refusing its options: exit 2 with its reason', (t) => {
    if (skipWithoutLauncher(t)) return;
    const so = build('fake-opts');
    const r = runTrapline([`${so}:colour=blue`], '/bin/true');
    assert.equal(r.status, 2, describe(r));
    assert.match(r.stderr, /unknown option/, describe(r));
  });

  test('a plugin built for ABI version 1 (before the signal hook) still runs', (t) => {
    if (skipWithoutLauncher(t)) return;
    const so = build('fake-abi1', ['-DTEST_ABI_VERSION=1']);
    const r = runTrapline([`${so}:result=11`], '/bin/sh', ['-c', 'echo "ppid=$PPID"']);
    assert.equal(r.status, 0, describe(r));
    assert.equal(r.stdout, 'ppid=11\n', describe(r));
  });

  test('wrong ABI version: exit 2', (t) => {
    if (skipWithoutLauncher(t)) return;
    const so = build('fake-abi', ['-DTEST_ABI_VERSION=(TRAPLINE_ABI_VERSION+100)']);
    const r = runTrapline([so], '/bin/true');
    assert.equal(r.status, 2, describe(r));
    assert.match(r.stderr, /version|ABI/i, describe(r));
  });

  test('an isolated-only plugin runs isolated; --isolation picks for a plugin that supports both', (t) => {
    if (skipWithoutLauncher(t)) return;
    const debug = { extraEnv: { TRAPLINE_DEBUG: '1' } };
    const isolatedOnly = build('fake-isolated', ['-DTEST_ISOLATION=TRAPLINE_ISOLATED']);
    const r = runTrapline([`${isolatedOnly}:result=77`], '/bin/sh', ['-c', 'echo "ppid=$PPID"'], debug);
    assert.equal(r.status, 0, describe(r));
    assert.equal(r.stdout, 'ppid=77\n', describe(r));
    assert.match(r.stderr, /isolated hooks switch fs with (wrfsbase|arch_prctl)/, describe(r));
    const both = build('fake-both', ['-DTEST_ISOLATION=(TRAPLINE_RAW|TRAPLINE_ISOLATED)']);
    const raw = runTrapline([both], '/bin/sh', ['-c', 'echo "ppid=$PPID"'], debug);
    assert.equal(raw.stdout, 'ppid=4242\n', describe(raw));
    assert.doesNotMatch(raw.stderr, /isolated hooks/, describe(raw));
    const iso = runTrapline(['--isolation=isolated', both], '/bin/sh', ['-c', 'echo "ppid=$PPID"'], debug);
    assert.equal(iso.stdout, 'ppid=4242\n', describe(iso));
    assert.match(iso.stderr, /isolated hooks switch fs/, describe(iso));
  });

  test('a plugin declaring neither raw nor isolated is refused, saying so', (t) => {
    if (skipWithoutLauncher(t)) return;
    const so = build('fake-no-kind', ['-DTEST_ISOLATION=0']);
    const r = runTrapline([so], '/bin/true');
    assert.equal(r.status, 2, describe(r));
    assert.match(r.stderr, /neither TRAPLINE_RAW nor TRAPLINE_ISOLATED/, describe(r));
  });

  test('a shared object without trapline_plugin_entry: exit 2', (t) => {
    if (skipWithoutLauncher(t)) return;
    const so = build('fake-noentry', ['-DTEST_NO_ENTRY']);
    const r = runTrapline([so], '/bin/true');
    assert.equal(r.status, 2, describe(r));
    assert.match(r.stderr, /trapline_plugin_entry|not a (trapline )?plugin/i, describe(r));
  });
});

// The example of docs/plugins.md, built by `make -C native` as plugin
// authors are told to build theirs.
suite('example plugin: openlog', () => {
  const plugin = path.join(root, 'native', 'build', 'examples', 'openlog.so');

  test('skips getpid, logs openat paths and results, counts vDSO calls per process', (t) => {
    if (skipWithoutLauncher(t)) return;
    assert.ok(existsSync(plugin), `${plugin} is not built`);
    const log = path.join(tempDir('openlog'), 'open.log');
    const script = [
      'import os, time',
      'time.time(); time.monotonic()',
      'pid = os.fork()',
      'if pid == 0:',
      '    open("/etc/hostname").close()',
      '    os._exit(0)',
      'os.waitpid(pid, 0)',
      'try:',
      '    open("/nonexistent/trapline")',
      'except FileNotFoundError:',
      '    pass',
      'print(os.getpid())',
    ].join('\n');
    const r = runTrapline([`${plugin}:out=${log}:pid=4242`], '/usr/bin/python3', ['-c', script]);
    assert.equal(r.status, 0, describe(r));
    assert.equal(r.stdout.trim(), '4242');
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.ok(lines.some((l) => /^pid \d+ tid \d+ openat\("\/etc\/hostname"\) = \d+$/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /openat\("\/nonexistent\/trapline"\) = -2$/.test(l)), lines.join('\n'));
    // One exit line per process; the child has its own context (1 open).
    const exits = lines.filter((l) => l.includes(' exits: '));
    assert.equal(exits.length, 2, lines.join('\n'));
    assert.ok(exits.some((l) => / 1 opens, \d+ clock_gettime calls$/.test(l)), exits.join('\n'));
    const parent = exits.find((l) => !/ 1 opens, /.test(l)) ?? '';
    const clocks = Number(/(\d+) clock_gettime calls$/.exec(parent)?.[1] ?? '0');
    assert.ok(clocks >= 2, parent);
  });
});
