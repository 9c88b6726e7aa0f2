// `trapline trace -f` against `strace -f` on real programs. Per thread (tids
// renumbered in order of appearance) the sequence of syscall names and
// results must match strace wherever two strace runs agree with each other;
// decoded arguments (addresses and times normalised) must match on >= 90% of
// lines; the known differences (trace-known-differences.json) may excuse at
// most 2% of a program's lines. Also `-c` counts, and `record` + `show`
// printing what `trace` prints. These need the native capture
// (`native/build/trapline capture`); without it they skip.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { launcher, parseStraceSummary, root, run, stableEnv, tempDir, testProgram, type RunResult } from './helpers.js';
import { compareTraces, norm, parseStraceText } from './strace-text.js';

const cliJs = path.join(root, 'dist', 'src', 'cli.js');
const known = JSON.parse(readFileSync(path.join(root, 'test', 'trace-known-differences.json'), 'utf8')) as {
  syscalls: Record<string, string>;
  lines: Record<string, string>;
};
const knownSyscalls = new Set(Object.keys(known.syscalls));
const dir = tempDir('trace-vs-strace');

/** Why the e2e tests cannot run, or undefined when they can. Only a
 *  launcher that does not know `capture` (a usage error) skips them: a
 *  capture that exists but fails makes them fail. */
function captureMissing(): string | undefined {
  if (!existsSync(launcher)) return `${path.relative(root, launcher)} is not built`;
  const out = path.join(dir, 'probe.tltrace');
  const r = run(launcher, ['capture', '--output', out, '--', '/bin/true']);
  if (r.status === 2 && /unknown command|usage/i.test(r.stderr))
    return `\`trapline capture\` does not exist yet (${r.stderr.trim().split('\n')[0] ?? ''})`;
  return undefined;
}
const missing = captureMissing();

test('the capture writes a trace stream', (t) => {
  if (missing) return t.skip(`native capture missing: ${missing}`);
  const out = path.join(dir, 'probe2.tltrace');
  const r = run(launcher, ['capture', '--output', out, '--', '/bin/true']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readFileSync(out).subarray(0, 8).equals(Buffer.from('TLTRACE\0', 'latin1')), 'no TLTRACE header');
});
const haveStrace = run('strace', ['-V']).status === 0;

const small = path.join(dir, 'tree');
mkdirSync(path.join(small, 'sub'), { recursive: true });
writeFileSync(path.join(small, 'a.txt'), 'alpha\nbeta\ngamma\n');
writeFileSync(path.join(small, 'sub', 'b.txt'), 'delta\n');

// The interpreter itself, not a wrapper script in front of it (pyenv's shim
// is a bash script whose SIGCHLD timing differs from run to run).
const python3 = run('python3', ['-c', 'import sys; print(sys.executable)']).stdout.trim() || 'python3';

const programs: Array<{ name: string; argv: string[] }> = [
  { name: 'ls -l /', argv: ['/bin/ls', '-l', '/'] },
  { name: 'cat', argv: ['/bin/cat', path.join(small, 'a.txt')] },
  { name: 'wc', argv: ['/usr/bin/wc', path.join(small, 'a.txt')] },
  { name: 'sort', argv: ['/usr/bin/sort', path.join(small, 'a.txt')] },
  { name: 'head', argv: ['/usr/bin/head', '-n', '2', path.join(small, 'a.txt')] },
  { name: 'cp', argv: ['/bin/cp', path.join(small, 'a.txt'), path.join(dir, 'copy.txt')] },
  { name: 'mkdir', argv: ['/bin/mkdir', '-p', path.join(dir, 'made', 'deep')] },
  { name: 'rmdir', argv: ['/bin/rmdir', path.join(dir, 'never-made')] },
  { name: 'true', argv: ['/bin/true'] },
  { name: 'echo', argv: ['/bin/echo', 'hello', 'world'] },
  { name: 'python3 -c', argv: [python3, '-I', '-c', 'import os; print(len(os.listdir("/")))'] },
  { name: 'sh -c pipeline', argv: ['/bin/sh', '-c', `cat ${path.join(small, 'a.txt')} | sort | wc -l`] },
  { name: 'tar', argv: ['/bin/tar', '-cf', '/dev/null', '-C', small, '.'] },
  { name: 'sqlite3', argv: ['sqlite3', ':memory:', 'create table t(x); insert into t values (1),(2); select sum(x) from t;'] },
  { name: 'threads (C)', argv: [testProgram('threads50'), '1', '4'] },
  { name: 'fork and exec (C)', argv: [testProgram('spawn_mix')] },
];

function strace(argv: string[], extra: string[]): string {
  const out = path.join(dir, `strace-${Math.random().toString(36).slice(2)}.txt`);
  const r = run('strace', ['-f', ...extra, '-o', out, '--', ...argv], { extraEnv: stableEnv, cwd: dir });
  assert.ok(!r.timedOut, 'strace timed out');
  return readFileSync(out, 'utf8');
}

/** strace without -f (no pid column): the file it wrote. */
function straceTo(argv: string[], extra: string[]): string {
  const out = path.join(dir, `strace-${Math.random().toString(36).slice(2)}.txt`);
  const r = run('strace', [...extra, '-o', out, '--', ...argv], { extraEnv: stableEnv, cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

function trapline(cmd: string, args: string[], argv: string[]): RunResult {
  return run(process.execPath, [cliJs, cmd, ...args, '--', ...argv], { extraEnv: stableEnv, cwd: dir, timeoutMs: 60_000 });
}

for (const p of programs) {
  test(`trace vs strace: ${p.name}`, (t) => {
    if (missing) return t.skip(`native capture missing: ${missing}`);
    if (!haveStrace) return t.skip('strace is not installed');
    if (!p.argv[0]!.includes('/') && run('which', [p.argv[0]!]).status !== 0) return t.skip(`${p.argv[0]} is not installed`);
    if (p.argv[0]!.startsWith('/') && !existsSync(p.argv[0]!)) return t.skip(`${p.argv[0]} is missing`);
    const s1 = parseStraceText(strace(p.argv, []));
    const s2 = parseStraceText(strace(p.argv, []));
    const out = path.join(dir, `trace-${p.name.replace(/\W+/g, '_')}.txt`);
    const r = trapline('trace', ['-f', '-o', out], p.argv);
    assert.equal(r.error, undefined, r.stderr);
    const c = compareTraces(s1, s2, parseStraceText(readFileSync(out, 'utf8')), knownSyscalls);
    const { problems, excused, total, compared, sameArgs } = c;
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} lines differ`);
    assert.ok(excused <= Math.ceil(total * 0.02), `${excused} of ${total} lines excused as known differences (at most 2%)`);
    assert.ok(sameArgs >= compared * 0.9, `decoded arguments equal on ${sameArgs} of ${compared} lines (need 90%):\n${c.argDiffs.slice(0, 20).join('\n')}`);
  });
}

test('signal lines: a signal for a handler shows as strace shows it', (t) => {
  if (missing) return t.skip(`native capture missing: ${missing}`);
  if (!haveStrace) return t.skip('strace is not installed');
  const script = 'import os, signal\nsignal.signal(signal.SIGUSR1, lambda *a: None)\nos.kill(os.getpid(), signal.SIGUSR1)\n';
  const argv = [python3, '-I', '-c', script];
  const signalLines = (text: string): string[] =>
    text.split('\n').filter((l) => / --- SIG/.test(l)).map((l) => l.replace(/^\d+\s+/, '').replace(/si_pid=\d+/, 'si_pid=PID'));
  const out = path.join(dir, 'trace-signal.txt');
  const r = trapline('trace', ['-f', '-o', out], argv);
  assert.equal(r.status, 0, r.stderr);
  const ours = signalLines(readFileSync(out, 'utf8'));
  assert.deepEqual(ours, signalLines(strace(argv, [])));
  assert.deepEqual(ours, [`--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=PID, si_uid=${process.getuid?.() ?? 0}} ---`]);
});

test('iovecs and pollfds: every element, as strace prints them, with -s and -v', (t) => {
  if (missing) return t.skip(`native capture missing: ${missing}`);
  if (!haveStrace) return t.skip('strace is not installed');
  const argv = [testProgram('iovec_poll'), path.join(dir, 'iovec-scratch')];
  if (!existsSync(argv[0]!)) return t.skip('iovec_poll is not built');
  // Only stack addresses and the time ppoll left differ between runs.
  const lines = (text: string): string[] =>
    text.split('\n').filter((l) => /^(readv|writev|preadv|pwritev|poll|ppoll)\(/.test(l))
      .map((l) => l.replace(/0x7ff[0-9a-f]+/g, 'ADDR').replace(/left \{tv_sec=\d+, tv_nsec=\d+\}/, 'left {...}'));
  for (const opts of [[], ['-s', '8'], ['-v', '-s', '8'], ['-v']]) {
    const want = lines(readFileSync(straceTo(argv, opts), 'utf8'));
    assert.equal(want.length, 15, `strace ${opts.join(' ')}: ${want.length} lines`);
    const out = path.join(dir, 'iovec-trace.txt');
    const r = trapline('trace', [...opts, '-o', out], argv);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(readFileSync(out, 'utf8')), want, `trace ${opts.join(' ')}`);
  }
});

test('-y names pipes and sockets by inode, as strace does', (t) => {
  if (missing) return t.skip(`native capture missing: ${missing}`);
  if (!haveStrace) return t.skip('strace is not installed');
  const script = [
    'import os, socket',
    'r, w = os.pipe()',
    "os.write(w, b'x'); os.read(r, 1)",
    'a, b = socket.socketpair()',
    "a.send(b'y'); b.recv(1)",
    's = socket.socket()',
    'for x in (a, b, s): x.close()',
    'os.close(r); os.close(w)',
  ].join('\n');
  const argv = [python3, '-I', '-c', script];
  // Inodes and stack addresses differ between runs: inodes are numbered in
  // order of appearance.
  const lines = (text: string): string[] => {
    const seen = new Map<string, number>();
    return text.split('\n').filter((l) => /(pipe|socket):\[/.test(l)).map((l) =>
      l.replace(/0x7ff[0-9a-f]+/g, 'ADDR').replace(/(pipe|socket):\[(\d+)\]/g, (_m, kind: string, ino: string) => {
        if (!seen.has(ino)) seen.set(ino, seen.size);
        return `${kind}:[#${seen.get(ino)}]`;
      }));
  };
  const want = lines(readFileSync(straceTo(argv, ['-y']), 'utf8'));
  assert.ok(want.length >= 12, `strace -y: ${want.length} lines\n${want.join('\n')}`);
  const out = path.join(dir, 'fds-trace.txt');
  const r = trapline('trace', ['-y', '-o', out], argv);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(lines(readFileSync(out, 'utf8')), want);
});

test('trace -c counts what strace -c counts', (t) => {
  if (missing) return t.skip(`native capture missing: ${missing}`);
  if (!haveStrace) return t.skip('strace is not installed');
  const argv = ['/bin/ls', '-l', '/'];
  const s1 = parseStraceSummary(strace(argv, ['-c']));
  const s2 = parseStraceSummary(strace(argv, ['-c']));
  const out = path.join(dir, 'c.txt');
  const r = trapline('trace', ['-f', '-c', '-o', out], argv);
  assert.equal(r.status, 0, r.stderr);
  const mine = parseStraceSummary(readFileSync(out, 'utf8'));
  for (const [name, n] of Object.entries(s1)) {
    if (s2[name] !== n || knownSyscalls.has(name)) continue;
    assert.equal(mine[name], n, `calls of ${name}`);
  }
});

test('record, then show, prints what trace prints', (t) => {
  if (missing) return t.skip(`native capture missing: ${missing}`);
  const argv = ['/bin/cat', path.join(small, 'a.txt')];
  const live = path.join(dir, 'live.txt');
  const rt = trapline('trace', ['-f', '-o', live], argv);
  assert.equal(rt.status, 0, rt.stderr);
  const file = path.join(dir, 'run.tltrace');
  const rr = trapline('record', ['-o', file], argv);
  assert.equal(rr.status, 0, rr.stderr);
  assert.equal(rr.stdout, rt.stdout);
  const shown = path.join(dir, 'shown.txt');
  const rs = run(process.execPath, [cliJs, 'show', '-f', '-o', shown, file]);
  assert.equal(rs.status, 0, rs.stderr);
  // Two runs: the pid (first column, and results like set_tid_address's)
  // and addresses differ, nothing else.
  const lines = (f: string): string[] => {
    const text = readFileSync(f, 'utf8');
    const pid = /^\d+/.exec(text)?.[0] ?? 'none';
    return text.replace(new RegExp(`\\b${pid}\\b`, 'g'), 'PID').split('\n').map(norm);
  };
  assert.deepEqual(lines(shown), lines(live));
});

test('trace exits as the program does, and dies by its signal', (t) => {
  if (missing) return t.skip(`native capture missing: ${missing}`);
  const r = trapline('trace', ['-o', '/dev/null'], ['/bin/sh', '-c', 'exit 7']);
  assert.equal(r.status, 7, r.stderr);
  const k = trapline('trace', ['-o', '/dev/null'], ['/bin/sh', '-c', 'kill -TERM $$']);
  assert.equal(k.signal, 'SIGTERM', k.stderr);
});

test('the comparison itself: two strace runs agree, and a changed result is caught', (t) => {
  if (!haveStrace) return t.skip('strace is not installed');
  const argv = ['/bin/sh', '-c', `ls -l / > /dev/null; cat ${path.join(small, 'a.txt')} | wc -l`];
  const s1 = parseStraceText(strace(argv, []));
  const s2 = parseStraceText(strace(argv, []));
  const s3 = parseStraceText(strace(argv, []));
  assert.ok(s1.length > 100 && new Set(s1.map((l) => l.tid)).size >= 3, `parsed ${s1.length} lines`);
  const same = compareTraces(s1, s2, s3, knownSyscalls);
  assert.deepEqual(same.problems, []);
  assert.ok(same.sameArgs >= same.compared * 0.9, same.argDiffs.slice(0, 10).join('\n'));
  // One result changed, one call dropped: both reported.
  const changed = s3.map((l) => ({ ...l }));
  const i = changed.findIndex((l) => l.name === 'openat' && !l.result.startsWith('-1'));
  changed[i]!.result = '-1 EACCES (Permission denied)';
  const j = changed.findIndex((l) => l.name === 'close');
  changed.splice(j, 1);
  const caught = compareTraces(s1, s2, changed, knownSyscalls);
  assert.ok(caught.problems.some((p) => p.includes('openat')), caught.problems.join('\n'));
  assert.ok(caught.problems.some((p) => p.includes('close')), caught.problems.join('\n'));
});
