// External C plugins (PATH.so): a working raw plugin that changes results,
// and the refusals: wrong ABI version, isolated-only, no entry symbol.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

  test('wrong ABI version: exit 2', (t) => {
    if (skipWithoutLauncher(t)) return;
    const so = build('fake-abi', ['-DTEST_ABI_VERSION=(TRAPLINE_ABI_VERSION+100)']);
    const r = runTrapline([so], '/bin/true');
    assert.equal(r.status, 2, describe(r));
    assert.match(r.stderr, /version|ABI/i, describe(r));
  });

  test('an isolated-only plugin is refused, saying so', (t) => {
    if (skipWithoutLauncher(t)) return;
    const so = build('fake-isolated', ['-DTEST_ISOLATION=TRAPLINE_ISOLATED']);
    const r = runTrapline([so], '/bin/true');
    assert.notEqual(r.status, 0, describe(r));
    assert.match(r.stderr, /isolat/i, describe(r));
  });

  test('a shared object without trapline_plugin_entry: exit 2', (t) => {
    if (skipWithoutLauncher(t)) return;
    const so = build('fake-noentry', ['-DTEST_NO_ENTRY']);
    const r = runTrapline([so], '/bin/true');
    assert.equal(r.status, 2, describe(r));
    assert.match(r.stderr, /trapline_plugin_entry|not a (trapline )?plugin/i, describe(r));
  });
});
