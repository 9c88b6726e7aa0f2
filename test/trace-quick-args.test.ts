// trace's command lines read without commander (src/trace/quick-args.ts)
// read as commander reads them, or are left to it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import type { ViewFlags } from '../src/trace/command.js';
import { defineTrace } from '../src/trace/command-line.js';
import { quickTraceArgs } from '../src/trace/quick-args.js';

/** What commander makes of `trapline trace ARGS`, or 'error'. */
function viaCommander(args: string[]): { prog: string[]; flags: ViewFlags } | 'error' {
  const program = new Command()
    .exitOverride()
    .enablePositionalOptions()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  let got: { prog: string[]; flags: ViewFlags } | undefined;
  defineTrace(program, (prog, flags) => {
    got = { prog, flags: { ...flags } };
  });
  try {
    program.parse(['trace', ...args], { from: 'user' });
  } catch {
    return 'error';
  }
  return got ?? 'error';
}

const lines: string[][] = [
  ['tar', '-cf', '/dev/null', '.'],
  ['-f', '-o', 'out.txt', '--', 'tar', '-cf', '/dev/null', '.'],
  ['-ff', '-o', 'out.txt', 'tar', '-f', 'x'],
  ['-fo', 'out.txt', 'ls'],
  ['-fT', '-tt', '-y', 'ls', '-l'],
  ['-ttt', '-v', '-c', 'ls'],
  ['-C', '-s', '64', 'ls'],
  ['-s64', '-ofile', 'ls'],
  ['-fs64', 'ls'],
  ['-e', 'trace=open,close', '-e', 'trace=%file', 'ls'],
  ['-etrace=open', 'ls'],
  ['-X', 'raw', 'ls'],
  ['-Xabbrev', 'ls'],
  ['-X', 'fancy', 'ls'],
  ['--json', '--vdso', 'ls'],
  ['--json=1', 'ls'],
  ['-o', '--', 'ls'],
  ['-o', '-f', 'ls'],
  ['-p', '1', 'ls'],
  ['-p', '1'],
  ['-', 'x'],
  ['', 'x'],
  ['-f'],
  [],
  ['-o'],
  ['-h'],
  ['--help'],
  ['-fh', 'ls'],
  ['--frobnicate', 'ls'],
  ['-q', 'ls'],
  ['-f-o', 'x', 'ls'],
  ['--', '-f', 'ls'],
  ['ls', '--', '-f'],
];

test('the quick reader agrees with commander on every line it reads', () => {
  for (const args of lines) {
    const quick = quickTraceArgs(args);
    if (quick === undefined) continue;
    assert.deepEqual(quick, viaCommander(args), `trace ${args.join(' ')}`);
  }
});

test('the usual lines are read quickly; help, errors and odd forms go to commander', () => {
  for (const args of [['-f', '-o', 'out.txt', '--', 'tar', '-cf', '/dev/null', '.'], ['-ff', '-tt', '-e', 'trace=open', 'ls'], ['-s64', 'ls']])
    assert.notEqual(quickTraceArgs(args), undefined, `trace ${args.join(' ')}`);
  for (const args of [[], ['-f'], ['-h', 'ls'], ['--help'], ['-X', 'fancy', 'ls'], ['--frobnicate', 'ls'], ['-o']])
    assert.equal(quickTraceArgs(args), undefined, `trace ${args.join(' ')}`);
});
