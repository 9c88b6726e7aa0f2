// `trapline trace`, `record` and `show`: usage errors as strace gives them,
// --json lines, the stream reader's strictness.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { TraceFormatError, TraceParser, type TraceRecord } from '../src/trace/stream.js';
import { describe, launcher, root, run, skipWithoutLauncher, tempDir, testCacheDir } from './helpers.js';
import { writeStream } from './trace-writer.js';

const cliJs = path.join(root, 'dist', 'src', 'cli.js');
const node = (args: string[]) => run(process.execPath, [cliJs, ...args]);
const dir = tempDir('trace-cli');
const sample = path.join(dir, 'sample.tltrace');
writeFileSync(
  sample,
  writeStream({
    records: [
      { image: '/bin/true', argv: ['true'], initial: true },
      { syscall: 'openat', args: [-100, 1, 0], ret: -2, blobs: [{ arg: 1, cstr: '/nope' }] },
      { syscall: 'close', args: [3], ret: 0 },
      { enter: 'exit_group', args: [0] },
      { process_exit: true, status: 0 },
    ],
  }),
);

for (const [what, args] of [
  ['an unknown option', ['trace', '--frobnicate', '/bin/true']],
  ['an unknown syscall in -e', ['trace', '-e', 'trace=nosuchcall', '/bin/true']],
  ['an unknown class', ['trace', '-e', 'trace=%nosuchclass', '/bin/true']],
  ['a bad -e qualifier', ['trace', '-e', 'frob=open', '/bin/true']],
  ['a bad -s', ['trace', '-s', 'x', '/bin/true']],
  ['a bad -X', ['trace', '-X', 'fancy', '/bin/true']],
  ['no program', ['trace']],
  ['-p', ['trace', '-p', '1']],
  ['show with an unknown syscall', ['show', '-e', 'bogus', sample]],
  ['record without -o', ['record', '--', '/bin/true']],
] as const) {
  test(`trace usage: ${what} exits 2 with a message`, () => {
    const r = node([...args]);
    assert.equal(r.status, 2, describe(r));
    // strace's shape: one line saying what is wrong, one hint.
    assert.match(r.stderr, /^trapline (trace|record|show): [^\n]+\nTry 'trapline (trace|record|show) -h' for more information\.\n$/, describe(r));
  });
}

test('-p explains that trapline starts programs itself', () => {
  const r = node(['trace', '-p', '1234']);
  assert.match(r.stderr, /cannot attach/);
});

test('show --json: one parseable object per call, with errno names', () => {
  const r = node(['show', '--json', sample]);
  assert.equal(r.status, 0, describe(r));
  const lines = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const open = lines.find((l) => l.name === 'openat');
  assert.ok(open, r.stderr);
  assert.equal(open.errno, 'ENOENT');
  assert.equal(open.result, -2);
  assert.deepEqual(open.args, ['AT_FDCWD', '"/nope"', 'O_RDONLY']);
  assert.ok(lines.some((l) => l.type === 'exit' && l.status === 0));
});

test('show -e selects calls; -o writes a file', () => {
  const out = path.join(dir, 'out.txt');
  const r = node(['show', '-e', 'trace=close', '-o', out, sample]);
  assert.equal(r.status, 0, describe(r));
  assert.equal(r.stderr, '');
  const text = run('/bin/cat', [out]).stdout;
  assert.match(text, /^close\(3\) +\s= 0\n\+\+\+ exited with 0 \+\+\+\n$/);
});

test('show refuses a file that is not a trace, and a cut one', () => {
  const bad = path.join(dir, 'bad.tltrace');
  writeFileSync(bad, 'hello, this is not a trace stream at all');
  const r = node(['show', bad]);
  assert.equal(r.status, 1, describe(r));
  assert.match(r.stderr, /not a trapline trace/);
  const parser = new TraceParser();
  const whole = writeStream({ records: [{ syscall: 'getpid', ret: 5 }] });
  assert.equal(parser.push(whole.subarray(0, whole.length - 8)).length, 0);
  assert.throws(() => parser.end(), TraceFormatError);
});

test('the reader gives the same records whatever the chunking', () => {
  const whole = writeStream({
    records: [
      { syscall: 'write', args: [1, '0x1000', 3], ret: 3, blobs: [{ arg: 1, text: 'abc' }] },
      { enter: 'read', args: [0, '0x2000', 10] },
      { exit: 'read', ret: 2, blobs: [{ arg: 1, exit: true, text: 'hi' }] },
    ],
  });
  const once = new TraceParser().push(whole);
  const p = new TraceParser();
  const bytewise = [...whole].flatMap((b) => p.push(Buffer.from([b])));
  p.end();
  assert.equal(once.length, 3);
  // Blobs refer to the chunk they came in: compare what they hold.
  const held = (r: TraceRecord): unknown =>
    'blobs' in r
      ? { ...r, blobs: r.blobs.map((b) => ({ arg: b.arg, exit: b.exit, truncated: b.truncated, fault: b.fault, strvec: b.strvec, count: b.count, data: b.data })) }
      : r;
  assert.deepEqual(bytewise.map(held), once.map(held));
});

// The CLI's plumbing with a stand-in capture (test/fixtures/fake-capture.mjs).
const fake = { TRAPLINE_CAPTURE_BIN: path.join(root, 'test', 'fixtures', 'fake-capture.mjs') };
const traced = (args: string[]) => run(process.execPath, [cliJs, ...args], { extraEnv: fake });

test('trace reads the capture through a pipe and prints to stderr; the program keeps stdout', () => {
  const r = traced(['trace', '--', '/bin/echo', 'hi']);
  assert.equal(r.status, 0, describe(r));
  assert.equal(r.stdout, 'hi\n');
  assert.equal(
    r.stderr,
    'execve("/bin/echo", ["/bin/echo", "hi"], /* 3 vars */) = 0\n' +
      'write(1, "ran /bin/echo\\n", 14)         = 14\n' +
      'exit_group(0)                           = ?\n' +
      '+++ exited with 0 +++\n',
  );
});

test('trace exits with the program\'s status and dies by its signal', () => {
  const r = traced(['trace', '-o', '/dev/null', '--', '/bin/sh', '-c', 'exit 7']);
  assert.equal(r.status, 7, describe(r));
  const k = traced(['trace', '-o', '/dev/null', '--', '/bin/sh', '-c', 'kill -TERM $$']);
  assert.equal(k.signal, 'SIGTERM', describe(k));
});

test('through the trapline command (Node never forked): status, signal, errors and record as from Node', (t) => {
  if (skipWithoutLauncher(t)) return;
  const cmd = (args: string[]) => run(launcher, args);
  const r = cmd(['trace', '--', '/bin/sh', '-c', 'echo out; exit 7']);
  assert.equal(r.status, 7, describe(r));
  assert.equal(r.stdout, 'out\n');
  assert.match(r.stderr, /^execve\("\/bin\/sh", \["\/bin\/sh", "-c", "echo out; exit 7"\], 0x[0-9a-f]+ \/\* \d+ vars \*\/\) = 0\n/);
  assert.match(r.stderr, /\+\+\+ exited with 7 \+\+\+\n$/);
  const k = cmd(['trace', '-o', '/dev/null', '--', '/bin/sh', '-c', 'kill -TERM $$']);
  assert.equal(k.signal, 'SIGTERM', describe(k));
  const missing = cmd(['trace', '--', path.join(dir, 'no-such-program')]);
  assert.equal(missing.status, 127, describe(missing));
  assert.equal(missing.stderr, `trapline: ${path.join(dir, 'no-such-program')}: not found\n`);
  const usage = cmd(['trace', '-e', 'trace=bogus', '--', '/bin/true']);
  assert.equal(usage.status, 2, describe(usage));
  assert.match(usage.stderr, /^trapline trace: invalid system call 'bogus'\n/);
  const help = cmd(['trace', '--help']);
  assert.equal(help.status, 0, describe(help));
  assert.match(help.stdout, /^Usage: trapline trace /);
  const file = path.join(dir, 'supervised.tltrace');
  const rec = cmd(['record', '-o', file, '--', '/bin/sh', '-c', 'exit 3']);
  assert.equal(rec.status, 3, describe(rec));
  const shown = cmd(['show', file]);
  assert.equal(shown.status, 0, describe(shown));
  assert.match(shown.stderr, /\+\+\+ exited with 3 \+\+\+\n$/);
});

test('through the trapline command: 50,000 arguments reach the program', (t) => {
  if (skipWithoutLauncher(t)) return;
  const many = Array.from({ length: 50_000 }, (_, i) => String(i));
  const r = run(launcher, ['trace', '-o', '/dev/null', '--', '/bin/sh', '-c', 'echo $# "$1" "${50000}"', 'sh', ...many]);
  assert.equal(r.status, 0, describe(r));
  assert.equal(r.stdout, '50000 0 49999\n');
});

test('the launcher keeps NODE_EXTRA_CA_CERTS from Node, and the program gets it back', (t) => {
  if (skipWithoutLauncher(t)) return;
  const env = { NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' };
  // Node itself would warn that it cannot load the file: it never saw it.
  const r = run(launcher, ['trace', '-o', '/dev/null', '--', '/bin/sh', '-c',
    'echo "$NODE_EXTRA_CA_CERTS ${TRAPLINE_NODE_EXTRA_CA_CERTS-unset}"'], { extraEnv: env });
  assert.equal(r.status, 0, describe(r));
  assert.equal(r.stdout, '/nonexistent/ca.pem unset\n');
  assert.doesNotMatch(r.stderr, /extra certs/i);
});

test('the launcher tunes only the malloc of Node: the program sees GLIBC_TUNABLES as it was', (t) => {
  if (skipWithoutLauncher(t)) return;
  const show = ['trace', '-o', '/dev/null', '--', '/bin/sh', '-c', 'echo "${GLIBC_TUNABLES-unset} ${TRAPLINE_NODE_TUNABLES-unset}"'];
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: testCacheDir };
  delete env.GLIBC_TUNABLES;
  const unset = run(launcher, show, { env });
  assert.equal(unset.status, 0, describe(unset));
  assert.equal(unset.stdout, 'unset unset\n');
  const own = run(launcher, show, { env: { ...env, GLIBC_TUNABLES: 'glibc.malloc.check=0' } });
  assert.equal(own.status, 0, describe(own));
  assert.equal(own.stdout, 'glibc.malloc.check=0 unset\n');
});

test('options after PROG belong to PROG', () => {
  const r = traced(['trace', '-e', 'trace=write', '/bin/echo', '-e', 'x']);
  assert.equal(r.status, 0, describe(r));
  assert.equal(r.stdout, 'x\n');
  assert.match(r.stderr, /^write\(1, "ran \/bin\/echo\\n", 14\) += 14\n\+\+\+ exited with 0 \+\+\+\n$/);
});

test('record writes a file that show prints as trace did', () => {
  const file = path.join(dir, 'rec.tltrace');
  const rec = traced(['record', '-o', file, '--', '/bin/true']);
  assert.equal(rec.status, 0, describe(rec));
  const live = traced(['trace', '-s', '8', '--', '/bin/true']);
  const shown = node(['show', '-s', '8', file]);
  assert.equal(shown.status, 0, describe(shown));
  assert.equal(shown.stderr, live.stderr);
  assert.match(shown.stderr, /"ran /);
});

test('a capture that cannot start is reported, with its status', () => {
  const r = run(process.execPath, [cliJs, 'trace', '--', '/bin/true'], { extraEnv: { TRAPLINE_CAPTURE_BIN: path.join(dir, 'no-such-capture') } });
  assert.equal(r.status, 1, describe(r));
  assert.match(r.stderr, /no-such-capture/);
});

test('-e trace= sets: names, negation, classes with and without %, regex', async () => {
  const { parseTraceExpression: parse } = await import('../src/trace/filter.js');
  const set = (e: string): Set<string> => parse(e)!;
  assert.deepEqual([...set('trace=open,close')].sort(), ['close', 'open']);
  assert.deepEqual([...set('read')], ['read']);
  assert.ok(!set('trace=!write').has('write') && set('trace=!write').has('read'));
  for (const c of ['%file', 'file']) assert.ok(set(`trace=${c}`).has('openat') && !set(`trace=${c}`).has('read'), c);
  assert.ok(set('%process').has('clone3') && set('%process').has('execve') && !set('%process').has('read'));
  assert.ok(set('%network').has('connect') && set('%net').has('accept4'));
  assert.ok(set('%signal').has('rt_sigaction') && set('%memory').has('mmap') && set('%desc').has('read'));
  assert.ok(set('%desc').has('pipe2') && !set('%desc').has('getpid'));
  assert.deepEqual([...set('/^rt_sig(action|return)$')].sort(), ['rt_sigaction', 'rt_sigreturn']);
  assert.equal(set('none').size, 0);
  assert.ok(set('all').has('clock_gettime'));
});
