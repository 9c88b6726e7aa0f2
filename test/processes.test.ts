// Threads, processes and exec: real programs that create threads, fork,
// vfork, posix_spawn and exec, natively and under trapline, compared.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { foreignElf64, i386Elf } from './elf.js';
import path from 'node:path';
import { describe as suite, test } from 'node:test';
import {
  compareRuns,
  describe,
  launcher,
  readCountFile,
  run,
  runTrapline,
  skipWithout,
  skipWithoutLauncher,
  stableEnv,
  tempDir,
  testProgram,
} from './helpers.js';

const extraEnv = stableEnv;

suite('threads and processes: C test programs', () => {
  const cases: Array<[string, string[]]> = [
    ['threads50', ['10', '50']],
    ['spawn_mix', []],
    ['cancel_read', []],
    ['cancel_read_c', []],
    ['cancel_read_c-musl', []],
    ['protect_memory', []],
    // A vfork child's sigaction must not change its parent's actions.
    ['vfork_sigaction', []],
    // Sanitizers map shadow memory at fixed addresses: trapline's host heap
    // must lie where they accept it (src/host/host_heap.c).
    ['sanitized-asan', []],
    ['sanitized-tsan', []],
  ];
  for (const [name, args] of cases) {
    test(name, (t) => {
      const prog = testProgram(name);
      if (skipWithout(t, prog)) return;
      compareRuns(t, prog, args, { extraEnv, timeoutMs: 60_000 });
    });
  }

  test('the signal harness, multi-threaded: signals aimed at single threads, SIGCHLD from children', (t) => {
    const prog = testProgram('sig_harness_mt');
    if (skipWithout(t, prog)) return;
    const { native } = compareRuns(t, prog, ['10000', '4'], { timeoutMs: 120_000 });
    assert.match(native.stdout, /bad_rip=0 urg_wrong_thread=0 every_thread_got_urg=1 alarms>0=1 chlds>0=1/);
  });

  test('main thread pthread_exit: the last thread ends the image; dlopen on a worker is rewritten', (t) => {
    const prog = testProgram('main_pthread_exit');
    const lib = testProgram('libdlopen_lib.so');
    if (skipWithout(t, prog)) return;
    const out = path.join(tempDir('mpe'), 'c.jsonl');
    const { traced } = compareRuns(t, prog, [lib], {
      plugins: [`count:out=${out}`],
      traplineOpts: { extraEnv: { TRAPLINE_DEBUG: '1' } },
    });
    if (!traced) return;
    const recs = readCountFile(out);
    assert.equal(recs.length, 1, JSON.stringify(recs));
    assert.equal(recs[0]!.syscalls.exit, 1, JSON.stringify(recs[0]));
    assert.equal(recs[0]!.syscalls.exit_group, 1, JSON.stringify(recs[0]));
    assert.match(traced.stderr, /rewrite \S*libdlopen_lib\.so sites=2 patched=2 backstop=0/, describe(traced));
    assert.match(traced.stderr, /backstop calls=0 /, describe(traced));
  });

  test('thousands of short-lived threads do not leak', (t) => {
    const prog = testProgram('threads50');
    if (skipWithout(t, prog) || skipWithoutLauncher(t)) return;
    // 100 rounds x 40 threads; the areas of exited threads are reused.
    const r = runTrapline([], prog, ['100', '40'], { timeoutMs: 120_000 });
    assert.equal(r.status, 0, describe(r));
  });
});

suite('real programs with threads, children and exec', () => {
  test('a shell pipeline of four programs', (t) => {
    const dir = tempDir('pipeline');
    const input = path.join(dir, 'words.txt');
    writeFileSync(input, Array.from({ length: 3000 }, (_, i) => `w${(i * 31) % 97}`).join('\n') + '\n');
    compareRuns(t, '/bin/sh', ['-c', `cat ${input} | sort | uniq -c | sort -rn | head -5`], { extraEnv });
  });

  test('python3 with threads and subprocess', (t) => {
    const script = [
      'import threading, subprocess, hashlib',
      'out = [None] * 8',
      'def work(i): out[i] = hashlib.sha256(str(i).encode() * 100000).hexdigest()[:8]',
      'ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]',
      '[t.start() for t in ts]; [t.join() for t in ts]',
      'print(out)',
      'print(subprocess.run(["sh", "-c", "echo child; exit 7"], capture_output=True))',
      'print(subprocess.check_output(["ls", "/usr/share/doc/coreutils"]).decode().split()[:3])',
    ].join('\n');
    compareRuns(t, '/usr/bin/python3', ['-c', script], { extraEnv, timeoutMs: 60_000 });
  });

  test('gcc compiles and links, and the program runs', (t) => {
    const dir = tempDir('gcc');
    writeFileSync(path.join(dir, 'a.c'), '#include <stdio.h>\nint twice(int);\nint main(void){printf("%d\\n", twice(21));return 0;}\n');
    writeFileSync(path.join(dir, 'b.c'), 'int twice(int x){return 2*x;}\n');
    for (const [where, out] of [['native', 'n.out'], ['trapline', 't.out']] as const) {
      const args = ['-O1', '-o', path.join(dir, out), path.join(dir, 'a.c'), path.join(dir, 'b.c')];
      const r = where === 'native' ? run('gcc', args, { extraEnv }) : runTrapline([], 'gcc', args, { extraEnv, timeoutMs: 120_000 });
      if (where === 'trapline' && skipWithoutLauncher(t)) return;
      assert.equal(r.status, 0, describe(r));
    }
    assert.equal(run(path.join(dir, 'n.out')).stdout, '42\n');
    assert.equal(run(path.join(dir, 't.out')).stdout, '42\n');
  });

  test('make builds a small project', (t) => {
    if (skipWithoutLauncher(t)) return;
    const results: string[] = [];
    for (const mode of ['native', 'trapline']) {
      const dir = tempDir(`make-${mode}`);
      writeFileSync(path.join(dir, 'main.c'), '#include "lib.h"\n#include <stdio.h>\nint main(void){printf("%d\\n", add(2, 3));return 0;}\n');
      writeFileSync(path.join(dir, 'lib.c'), '#include "lib.h"\nint add(int a, int b){return a + b;}\n');
      writeFileSync(path.join(dir, 'lib.h'), 'int add(int, int);\n');
      writeFileSync(
        path.join(dir, 'Makefile'),
        'prog: main.o lib.o\n\t$(CC) -o $@ $^\n%.o: %.c lib.h\n\t$(CC) -O1 -c -o $@ $<\nclean:\n\trm -f prog *.o\n',
      );
      const args = ['-s', '-j2', '-C', dir];
      const r = mode === 'native' ? run('make', args, { extraEnv }) : runTrapline([], 'make', args, { extraEnv, timeoutMs: 120_000 });
      assert.equal(r.status, 0, describe(r));
      results.push(run(path.join(dir, 'prog')).stdout);
    }
    assert.deepEqual(results, ['5\n', '5\n']);
  });

  test('node with worker_threads and child_process', (t) => {
    const script =
      'const {Worker}=require("worker_threads");' +
      'const w=new Worker("require(\\"worker_threads\\").parentPort.postMessage(6*7)",{eval:true});' +
      'w.on("message",m=>{console.log("worker",m);' +
      'require("child_process").exec("echo from child",(e,o)=>{console.log(o.trim());w.terminate();});});';
    compareRuns(t, process.execPath, ['-e', script], { extraEnv, timeoutMs: 120_000 });
  });

  test('git init, add and commit in a temporary repository', (t) => {
    if (skipWithoutLauncher(t)) return;
    const env = {
      ...extraEnv,
      GIT_AUTHOR_NAME: 'T',
      GIT_AUTHOR_EMAIL: 't@example.invalid',
      GIT_COMMITTER_NAME: 'T',
      GIT_COMMITTER_EMAIL: 't@example.invalid',
      GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
      GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: tempDir('git-home'),
    };
    const outputs: string[] = [];
    for (const mode of ['native', 'trapline']) {
      const dir = tempDir(`git-${mode}`);
      writeFileSync(path.join(dir, 'f.txt'), 'hello\n');
      const script = `cd ${dir} && git init -q -b main && git add f.txt && git commit -q -m first && git log --format=%H%n%s`;
      const r = mode === 'native' ? run('/bin/sh', ['-c', script], { extraEnv: env }) : runTrapline([], '/bin/sh', ['-c', script], { extraEnv: env, timeoutMs: 120_000 });
      assert.equal(r.status, 0, describe(r));
      outputs.push(r.stdout);
    }
    assert.equal(outputs[1], outputs[0]);
  });

  test('--no-follow: an exec\'d program runs natively', (t) => {
    if (skipWithoutLauncher(t)) return;
    const out = path.join(tempDir('nofollow'), 'c.jsonl');
    const r = runTrapline([`count:out=${out}`], '/bin/sh', ['-c', 'exec /bin/true'], {});
    assert.equal(r.status, 0, describe(r));
    assert.equal(readCountFile(out).length, 2, 'following: sh and true each report');
    const out2 = path.join(tempDir('nofollow2'), 'c.jsonl');
    const r2 = run(launcher, ['run', '--no-follow', '--plugin', `count:out=${out2}`, '--', '/bin/sh', '-c', 'exec /bin/true']);
    assert.equal(r2.status, 0, describe(r2));
    const recs = readCountFile(out2);
    assert.equal(recs.length, 1, JSON.stringify(recs));
    assert.equal(recs[0]!.syscalls.execve, 2); // trapline's run, then the native exec
  });
});

suite('exec targets trapline cannot run', () => {
  test('a setuid program is exec\'d natively, with one warning', (t) => {
    if (skipWithoutLauncher(t)) return;
    if (process.getuid?.() !== 0) return t.skip('needs root to make a setuid file');
    const dir = tempDir('setuid');
    const prog = path.join(dir, 'suid-echo');
    copyFileSync('/bin/echo', prog);
    chmodSync(prog, 0o4755);
    const script = `${prog} from-setuid; echo after`;
    const native = run('/bin/sh', ['-c', script]);
    const r = runTrapline([], '/bin/sh', ['-c', script]);
    assert.equal(r.status, native.status, describe(r));
    assert.equal(r.stdout, native.stdout);
    assert.equal(r.stderr.match(/runs without trapline/g)?.length, 1, describe(r));
    assert.match(r.stderr, /setuid\/setgid program/);
  });

  test('a 32-bit or foreign ELF is exec\'d natively, with one warning, and fails as natively', (t) => {
    if (skipWithoutLauncher(t)) return;
    const dir = tempDir('foreign');
    for (const [name, bytes] of [['i386', i386Elf()], ['aarch64', foreignElf64()]] as const) {
      const prog = path.join(dir, name);
      writeFileSync(prog, bytes, { mode: 0o755 });
      const script = `${prog}; echo status=$?`;
      const native = run('/bin/sh', ['-c', script]);
      const r = runTrapline([], '/bin/sh', ['-c', script]);
      assert.equal(r.stdout, native.stdout, describe(r));
      assert.equal(r.status, native.status, describe(r));
      assert.match(r.stderr, /not an x86-64 program, runs without trapline/, describe(r));
    }
  });
});

suite('count per process equals strace -ff', () => {
  test('a shell that forks and execs', (t) => {
    if (skipWithoutLauncher(t)) return;
    // Sequential children only: a pipe makes read counts depend on timing.
    const script = '/bin/true; /bin/echo hi; /bin/cat /etc/hostname; (exit 3); echo done';
    // Per-process totals of one strace -ff run, sorted.
    const straceRun = (): number[] | undefined => {
      const dir = tempDir('ff');
      const s = run('strace', ['-ff', '-o', path.join(dir, 't'), '/bin/sh', '-c', script]);
      if (s.error || s.status === null) return undefined;
      return readdirSync(dir)
        .filter((f) => f.startsWith('t.'))
        .map((f) =>
          readFileSync(path.join(dir, f), 'utf8')
            .split('\n')
            .filter((l) => /^[a-z_0-9]+\(/.test(l)).length,
        )
        .sort((a, b) => a - b);
    };
    const first = straceRun();
    if (!first) return t.skip('strace unavailable');
    const out = path.join(tempDir('ff-count'), 'c.jsonl');
    const r = runTrapline([`count:out=${out}`], '/bin/sh', ['-c', script]);
    assert.equal(r.status, 0, describe(r));
    const perPid = new Map<number, number>();
    for (const rec of readCountFile(out)) {
      const n = Object.values(rec.syscalls).reduce((a, b) => a + b, 0);
      perPid.set(rec.pid, (perPid.get(rec.pid) ?? 0) + n);
    }
    const countTotals = [...perPid.values()].sort((a, b) => a - b);
    // A process's count varies by a call now and then natively too (when a
    // child ends relative to its parent's next call): count must equal what
    // one of three strace runs shows.
    const runs = [first];
    while (runs.length < 3 && !runs.some((r) => JSON.stringify(r) === JSON.stringify(countTotals))) runs.push(straceRun()!);
    assert.ok(
      runs.some((r) => JSON.stringify(r) === JSON.stringify(countTotals)),
      `count per process ${JSON.stringify(countTotals)}; strace -ff runs: ${runs.map((r) => JSON.stringify(r)).join(' ')}`,
    );
  });
});
