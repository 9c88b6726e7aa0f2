// The signal harness (native/tests/sig_harness.c, sig_harness_mt.c) under
// `trapline trace -f`, compared with `strace -f` where two strace runs agree.
//
// The harness's default mode lets signals land at random moments (random
// timers, a helper process sending SIGURG at random): two strace runs put
// the signal lines in different places, so what they agree on would be an
// accident of two runs and a third run, trapline's, could not be held to
// it. Its `sync` mode runs the same handlers with signals the kernel
// delivers at fixed points of each thread (sent to itself, unblocked,
// taken in sigsuspend, held until a child is reaped; one blocking read
// that a helper interrupts once it sees the read block), so each thread's
// calls and signal lines come in the same order in every run. The one
// part that cannot be compared is the helper that waits for the read to
// block: how often it polls /proc/PID/syscall depends on timing, so its
// thread (it names itself `harness-poller`) is left out; the interrupted
// read, its signal and the restart are in the main thread, compared.
//
// Per thread (pids and tids renumbered in order of appearance, and written
// so wherever they appear in arguments and results; addresses and times
// normalised as in trace-vs-strace), the lines both strace runs show (their
// longest common subsequence by name and result; signal lines by their
// siginfo) must all be in trapline's trace, in order. Decoded arguments must
// be equal on >= 90% of them. Signal lines and rt_sigreturn lines are never
// excused; rt_sigreturn is compared like any call, its mask and restored
// result included. Only the documented known differences are allowed
// (trace-known-differences.json): calls whose number depends on memory
// layout or timing (`syscalls`) may be missing, at most 2%.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { launcher, root, run, stableEnv, tempDir, testProgram } from './helpers.js';
import { byThread, callKey, lcs, parseStraceText, type Comparison, type Line } from './strace-text.js';

const cliJs = path.join(root, 'dist', 'src', 'cli.js');
const known = JSON.parse(readFileSync(path.join(root, 'test', 'trace-known-differences.json'), 'utf8')) as {
  syscalls: Record<string, string>;
};
// Signal lines and rt_sigreturn must be there: they are what this test is about.
const excusable = new Set(Object.keys(known.syscalls).filter((n) => n !== 'rt_sigreturn'));
const dir = tempDir('trace-signals');
const haveStrace = run('strace', ['-V']).status === 0;

const parse = (text: string): Line[] => parseStraceText(text, { signals: true, renumber: true });
const isSignal = (l: Line): boolean => l.name.startsWith('--- ');
/** Signal lines by their siginfo; calls (rt_sigreturn included) by name and result. */
const key = (l: Line): string => (isSignal(l) ? `${l.name} ${l.args}` : callKey(l));

const show = (l: Line): string => (isSignal(l) ? `${l.name} ${l.args} ---` : `${l.name}(${l.args}) = ${l.result}`);

interface SignalComparison extends Comparison {
  /** How many of the agreed lines each signal line and rt_sigreturn account for. */
  agreed: Record<string, number>;
}

/** `ours` against what two strace runs agree on, per thread. */
function compareSignals(strace1: readonly Line[], strace2: readonly Line[], ours: readonly Line[]): SignalComparison {
  const a = byThread(strace1), b = byThread(strace2), o = byThread(ours);
  const c: SignalComparison = { total: 0, excused: 0, problems: [], compared: 0, sameArgs: 0, argDiffs: [], agreed: {} };
  for (const [tid, run1] of a) {
    if (run1.some((l) => l.name === 'prctl' && l.args.includes('"harness-poller"'))) continue;
    const run2 = b.get(tid) ?? [];
    const stable = lcs(run1.map(key), run2.map(key)).map(([i]) => run1[i]!);
    const mine = o.get(tid) ?? [];
    const pairs = lcs(stable.map(key), mine.map(key));
    c.total += stable.length;
    for (const l of stable) if (isSignal(l) || l.name === 'rt_sigreturn') c.agreed[l.name] = (c.agreed[l.name] ?? 0) + 1;
    const matched = new Set(pairs.map(([i]) => i));
    stable.forEach((l, i) => {
      if (matched.has(i)) return;
      if (excusable.has(l.name)) c.excused++;
      else c.problems.push(`thread ${tid}, agreed line ${i}: strace shows \`${show(l)}\`, trapline does not`);
    });
    for (const [i, j] of pairs) {
      c.compared++;
      if (stable[i]!.args === mine[j]!.args) c.sameArgs++;
      else c.argDiffs.push(`thread ${tid}\nstrace:   ${stable[i]!.name}(${stable[i]!.args})\ntrapline: ${mine[j]!.name}(${mine[j]!.args})`);
    }
  }
  return c;
}

function strace(argv: string[]): string {
  const out = path.join(dir, `strace-${Math.random().toString(36).slice(2)}.txt`);
  const r = run('strace', ['-f', '-o', out, '--', ...argv], { extraEnv: stableEnv, cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(out, 'utf8');
}

function trapline(argv: string[]): string {
  const out = path.join(dir, `trace-${Math.random().toString(36).slice(2)}.txt`);
  const r = run(process.execPath, [cliJs, 'trace', '-f', '-o', out, '--', ...argv], { extraEnv: stableEnv, cwd: dir, timeoutMs: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(out, 'utf8');
}

function skipReason(prog: string): string | undefined {
  if (!existsSync(launcher)) return 'the launcher is not built';
  if (!existsSync(prog)) return `${path.basename(prog)} is not built`;
  if (!haveStrace) return 'strace is not installed';
  return undefined;
}

// Iterations keep each run well under a second; the counts are the least
// each kind of agreed line must reach, so that the comparison has signals
// to compare.
const cases: Array<{ name: string; argv: string[]; least: Record<string, number> }> = [
  {
    // 12 rounds: SIGURG each round (and nested in 3 SIGALRM handlers, and
    // from the helpers of 3 interrupted reads), SIGALRM each round (3 left
    // by siglongjmp: no rt_sigreturn), SIGCHLD for 6 children and 3 helpers.
    name: 'sig_harness sync',
    argv: [testProgram('sig_harness'), '12', '1', 'sync'],
    least: { '--- SIGURG': 18, '--- SIGALRM': 12, '--- SIGCHLD': 9, rt_sigreturn: 36 },
  },
  {
    // 3 threads x 6 turns: each turn SIGUSR2 from the previous thread,
    // SIGURG to itself, SIGALRM in sigsuspend; thread 0 reaps 3 children.
    name: 'sig_harness_mt sync (3 threads)',
    argv: [testProgram('sig_harness_mt'), '6', '3', 'sync'],
    least: { '--- SIGUSR2': 18, '--- SIGURG': 18, '--- SIGALRM': 18, '--- SIGCHLD': 3, rt_sigreturn: 57 },
  },
];

for (const c of cases) {
  test(`signal lines and rt_sigreturn vs strace: ${c.name}`, (t) => {
    const why = skipReason(c.argv[0]!);
    if (why) return t.skip(why);
    const ours = parse(trapline(c.argv));
    const enough = (r: SignalComparison): boolean => Object.entries(c.least).every(([name, n]) => (r.agreed[name] ?? 0) >= n);
    // Under load two strace runs can place a child's SIGCHLD differently
    // (strace itself slows the program): up to three runs, the first pair
    // that agrees on enough signals is the reference.
    const runs = [parse(strace(c.argv)), parse(strace(c.argv))];
    let r = compareSignals(runs[0]!, runs[1]!, ours);
    if (!enough(r)) {
      runs.push(parse(strace(c.argv)));
      const others = [compareSignals(runs[0]!, runs[2]!, ours), compareSignals(runs[1]!, runs[2]!, ours)];
      r = others.find(enough) ?? r;
    }
    for (const [name, n] of Object.entries(c.least))
      assert.ok((r.agreed[name] ?? 0) >= n, `two strace runs agree on ${r.agreed[name] ?? 0} \`${name}\` lines, expected ${n}: ${JSON.stringify(r.agreed)}`);
    assert.deepEqual(r.problems.slice(0, 20), [], `${r.problems.length} of ${r.total} agreed lines missing`);
    assert.ok(r.excused <= Math.ceil(r.total * 0.02), `${r.excused} of ${r.total} lines excused as known differences (at most 2%)`);
    assert.ok(r.sameArgs >= r.compared * 0.9, `decoded arguments equal on ${r.sameArgs} of ${r.compared} lines (need 90%):\n${r.argDiffs.slice(0, 20).join('\n')}`);
  });
}

test('the signal comparison catches a missing, moved or changed signal line and a missing rt_sigreturn', (t) => {
  const argv = cases[0]!.argv;
  const why = skipReason(argv[0]!);
  if (why) return t.skip(why);
  const s1 = parse(strace(argv));
  const s2 = parse(strace(argv));
  // A third strace run passes.
  const s3 = parse(strace(argv));
  assert.deepEqual(compareSignals(s1, s2, s3).problems, []);
  const main = s3[0]!.tid;
  const nth = (pred: (l: Line) => boolean, n: number): number => {
    const idx = s3.map((l, i) => [l, i] as const).filter(([l]) => l.tid === main && pred(l)).map(([, i]) => i);
    return idx[n]!;
  };
  const problemsOf = (lines: Line[]): string[] => compareSignals(s1, s2, lines).problems;
  // A signal line dropped.
  const alarm = nth((l) => l.name === '--- SIGALRM', 3);
  assert.ok(problemsOf(s3.filter((_, i) => i !== alarm)).some((p) => p.includes('--- SIGALRM')));
  // A signal line with another si_code.
  const changed = s3.map((l, i) => (i === alarm ? { ...l, args: l.args.replace('SI_KERNEL', 'SI_USER') } : l));
  assert.ok(problemsOf(changed).some((p) => p.includes('--- SIGALRM')));
  // A signal line one call late: after its handler's first call.
  const moved = [...s3];
  const [line] = moved.splice(alarm, 1);
  moved.splice(alarm + 1, 0, line!);
  assert.notDeepEqual(problemsOf(moved), []);
  // An rt_sigreturn dropped.
  const ret = nth((l) => l.name === 'rt_sigreturn', 5);
  assert.ok(problemsOf(s3.filter((_, i) => i !== ret)).some((p) => p.includes('rt_sigreturn')));
});
