// `npm run bench`: native vs `trapline run --` (native/build/trapline) (passthrough), interleaved
// in one invocation, median of at least 10 runs with the spread, for a getpid
// loop, a clock_gettime loop, signal delivery (raise → handler), a syscall
// caught by the backstop (JIT code), /bin/true and `python3 -c pass`, each
// with a cold and a warm rewrite cache; then isolation: a getppid loop under
// raw and isolated plugins, fs switches per hook, and resident memory per
// live thread.
//
//   node dist/src/bench/main.js [--runs N] [--iterations N] [--only NAME]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { binPath, nativeBuildDir } from '../paths.js';

interface Options {
  runs: number;
  iterations: number;
  only?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 10, iterations: 1_000_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--runs' && v) (o.runs = Math.max(1, Number(v))), i++;
    else if (a === '--iterations' && v) (o.iterations = Math.max(1, Number(v))), i++;
    else if (a === '--only' && v) (o.only = v), i++;
    else {
      process.stderr.write(`usage: bench [--runs N] [--iterations N] [--only NAME]\n`);
      process.exit(2);
    }
  }
  return o;
}

interface Case {
  name: string;
  cmd: string;
  args: string[];
  /** Calls made per run (loops), for ns added per call. */
  calls?: number;
  /** Same program with no calls, to take start-up out of the per-call cost. */
  baseline?: string[];
  /** trapline's arguments before `-- CMD` (default: `run`, i.e. passthrough). */
  trapline?: string[];
  /** Measure this tool (with `trapline` as its arguments) instead of trapline. */
  tool?: string;
  /** Rewrite-cache modes to measure (default: cold and warm). */
  modes?: Mode[];
  /** The client takes `--per-call` after its arguments and prints
   *  `per-call ns: mean M median D`, timed inside its loop. */
  perCall?: boolean;
  /** Makes what the case needs (files), once, before its first run. */
  setup?: () => void;
}

/** One in-loop timing: the client's own mean and median ns per call. */
interface InLoop {
  mean: number;
  median: number;
}

function timeOnce(cmd: string, args: string[], env: NodeJS.ProcessEnv, inLoop?: InLoop[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', inLoop ? 'pipe' : 'ignore', 'pipe'], timeout: 120_000 });
  const ns = Number(process.hrtime.bigint() - t0);
  if (inLoop && !r.error && r.status === 0) {
    const m = /per-call ns: mean ([\d.]+) median ([\d.]+)/.exec(r.stdout?.toString() ?? '');
    if (!m) throw new Error(`${[cmd, ...args].join(' ')}: no per-call line in its output`);
    inLoop.push({ mean: Number(m[1]), median: Number(m[2]) });
  }
  if (r.error || r.status !== 0 || r.signal) {
    const why = r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `status ${r.status}`;
    throw new Error(`${[cmd, ...args].join(' ')}: ${why}\n${r.stderr?.toString().slice(0, 2000) ?? ''}`);
  }
  return ns;
}

interface Stats {
  median: number;
  min: number;
  max: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

type Mode = 'cold' | 'warm';

interface Row {
  name: string;
  mode: Mode;
  native: Stats;
  trapline: Stats;
  perCallNs?: number;
  /** Medians over runs of the client's in-loop mean and median, trapline
   *  minus native. */
  inLoopAdded?: InLoop;
  error?: string;
}

function machine(): string {
  let model = os.cpus()[0]?.model ?? 'unknown CPU';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1]!.trim();
  } catch {
    /* keep os.cpus() */
  }
  return [
    `CPU:    ${model}`,
    `cores:  ${os.cpus().length}`,
    `memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `kernel: ${os.type()} ${os.release()} ${os.machine?.() ?? process.arch}`,
    `node:   ${process.version}`,
  ].join('\n');
}

const fmtMs = (ns: number): string => (ns / 1e6).toFixed(ns < 1e7 ? 2 : 1);
const fmtStats = (s: Stats): string => `${fmtMs(s.median)} [${fmtMs(s.min)}–${fmtMs(s.max)}]`;

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 || c === 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '))
    .join('\n');
}

/** A small C project for the make benchmark in `dir`: 8 files, 2 jobs. */
function makeProject(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir);
  const objs: string[] = [];
  for (let i = 0; i < 8; i++) {
    writeFileSync(path.join(dir, `f${i}.c`), `int f${i}(int x) { return x * ${i + 1}; }\n`);
    objs.push(`f${i}.o`);
  }
  writeFileSync(
    path.join(dir, 'main.c'),
    `#include <stdio.h>\n${objs.map((_, i) => `int f${i}(int);`).join('\n')}\nint main(void) { printf("%d\\n", ${objs.map((_, i) => `f${i}(1)`).join(' + ')}); return 0; }\n`,
  );
  writeFileSync(path.join(dir, 'Makefile'), `MAKEFLAGS += -j2\nprog: main.o ${objs.join(' ')}\n\t$(CC) -o $@ $^\n%.o: %.c\n\t$(CC) -O1 -c -o $@ $<\n`);
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(binPath)) {
    process.stderr.write(`bench: ${binPath} is missing: run \`npm run build\`\n`);
    process.exit(1);
  }
  const tests = path.join(nativeBuildDir, 'tests');
  const N = opts.iterations;
  // Everything the bench writes is below tmpRoot, removed at the end.
  const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'trapline-bench-'));
  const makeDir = path.join(tmpRoot, 'make');
  const cases: Case[] = [
    { name: 'getpid loop', cmd: path.join(tests, 'getpid_loop'), args: [String(N)], calls: N, baseline: ['0'] },
    ...tracerCases(tests, N, tmpRoot),
    {
      name: 'clock_gettime loop',
      cmd: path.join(tests, 'clock_loop'),
      args: [String(N * 4)],
      calls: N * 4,
      baseline: ['0'],
    },
    {
      name: 'signal raise→handler',
      cmd: path.join(tests, 'signal_latency'),
      args: [String(N / 10)],
      calls: N / 10,
      baseline: ['0'],
    },
    {
      name: 'backstop (JIT) syscall',
      cmd: path.join(tests, 'jit_syscalls'),
      args: [String(N / 10)],
      calls: N / 10,
      baseline: ['0'],
    },
    { name: '/bin/true', cmd: '/bin/true', args: [] },
    { name: 'python3 -c pass', cmd: '/usr/bin/python3', args: ['-c', 'pass'] },
    {
      // 250 rounds x 40 threads: 10,000 thread create+join.
      name: 'thread create+join',
      cmd: path.join(tests, 'threads50'),
      args: ['250', '40'],
      calls: 10_000,
      baseline: ['0', '40'],
    },
    {
      name: 'fork+exec sh -c true',
      cmd: '/bin/sh',
      args: ['-c', 'i=0; while [ $i -lt 50 ]; do sh -c true; i=$((i+1)); done'],
      calls: 50,
      baseline: ['-c', 'true'],
    },
    { name: 'make build', cmd: 'make', args: ['-s', '-B', '-C', makeDir], setup: () => makeProject(makeDir) },
    ...isolationCases(tests, N),
  ].filter((c) => !opts.only || c.name.includes(opts.only));

  const warmCache = path.join(tmpRoot, 'warm');
  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  delete baseEnv.TRAPLINE_DEBUG;
  let coldCount = 0;
  const envFor = (mode: Mode): NodeJS.ProcessEnv => ({
    ...baseEnv,
    XDG_CACHE_HOME: mode === 'warm' ? warmCache : path.join(tmpRoot, `cold-${coldCount++}`),
  });

  process.stdout.write(`trapline bench: native vs trapline run (passthrough), ${opts.runs} interleaved runs each\n`);
  process.stdout.write(machine() + '\n\n');

  const rows: Row[] = [];
  try {
    for (const c of cases) {
      for (const mode of c.modes ?? (['cold', 'warm'] as const)) {
        process.stderr.write(`bench: ${c.name} (${mode} cache)…\n`);
        const nat: number[] = [];
        const tl: number[] = [];
        const natBase: number[] = [];
        const tlBase: number[] = [];
        const natLoop: InLoop[] = [];
        const tlLoop: InLoop[] = [];
        const tlArgs = (args: string[]): string[] => [...(c.trapline ?? ['run']), '--', c.cmd, ...args];
        const args = c.perCall ? [...c.args, '--per-call'] : c.args;
        try {
          c.setup?.();
          // Warm-up: fills the warm cache and the page cache.
          timeOnce(c.cmd, c.args, baseEnv);
          const tool = c.tool ?? binPath;
          timeOnce(tool, tlArgs(c.args), envFor('warm'));
          for (let i = 0; i < opts.runs; i++) {
            // Alternate which goes first so drift hits both sides alike.
            const pair: (() => void)[] = [
              () => nat.push(timeOnce(c.cmd, args, baseEnv, c.perCall ? natLoop : undefined)),
              () => tl.push(timeOnce(tool, tlArgs(args), envFor(mode), c.perCall ? tlLoop : undefined)),
            ];
            if (c.baseline) {
              pair.push(() => natBase.push(timeOnce(c.cmd, c.baseline!, baseEnv)));
              pair.push(() => tlBase.push(timeOnce(tool, tlArgs(c.baseline!), envFor(mode))));
            }
            if (i % 2) pair.reverse();
            for (const f of pair) f();
          }
          const row: Row = { name: c.name, mode, native: stats(nat), trapline: stats(tl) };
          if (c.calls) {
            const startNat = c.baseline ? stats(natBase).median : 0;
            const startTl = c.baseline ? stats(tlBase).median : 0;
            row.perCallNs = (row.trapline.median - startTl - (row.native.median - startNat)) / c.calls;
          }
          if (c.perCall) {
            const added = (k: keyof InLoop): number =>
              stats(tlLoop.map((x) => x[k])).median - stats(natLoop.map((x) => x[k])).median;
            row.inLoopAdded = { mean: added('mean'), median: added('median') };
          }
          rows.push(row);
        } catch (e) {
          rows.push({
            name: c.name,
            mode,
            native: stats(nat.length ? nat : [0]),
            trapline: stats(tl.length ? tl : [0]),
            error: (e as Error).message.split('\n').slice(0, 3).join(' | '),
          });
        }
      }
    }
  } finally {
    rmSync(tmpRoot, { recursive: true, force: true });
  }

  const table: string[][] = [
    [
      'case',
      'cache',
      'native ms median [min–max]',
      'trapline ms median [min–max]',
      'added',
      'ns/call added',
      'in-loop mean/median',
      'ratio',
    ],
  ];
  for (const r of rows) {
    if (r.error) {
      table.push([r.name, r.mode, 'FAILED', r.error, '', '', '', '']);
      continue;
    }
    const added = r.trapline.median - r.native.median;
    table.push([
      r.name,
      r.mode,
      fmtStats(r.native),
      fmtStats(r.trapline),
      `${added >= 0 ? '+' : ''}${fmtMs(added)} ms`,
      r.perCallNs === undefined ? '—' : r.perCallNs.toFixed(1),
      r.inLoopAdded ? `${r.inLoopAdded.mean.toFixed(0)} / ${r.inLoopAdded.median.toFixed(0)}` : '—',
      `${(r.trapline.median / r.native.median).toFixed(3)}x`,
    ]);
  }
  process.stdout.write(pad(table) + '\n');
  if (!opts.only || 'isolation'.includes(opts.only)) isolationReport(tests, baseEnv);
  process.stdout.write(
    `\nns/call added = ((trapline − native) at ${N.toLocaleString('en')} calls − (trapline − native) at 0 calls) / calls;` +
      ` the clock_gettime loop makes ${(N * 4).toLocaleString('en')} calls.\n` +
      `in-loop mean/median = ns per call added as the getppid loop times itself (TSC per call; medians over runs):\n` +
      `  the mean is the loop's whole cost without start-up, the median what a typical call costs on a busy machine.\n` +
      `cold: a fresh empty XDG_CACHE_HOME for every trapline run; warm: one cache shared by all warm runs.\n`,
  );
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

/** The tracer: `record` (the capture alone), `trace -f -o FILE` (capture,
 *  decoding and printing) and strace on a getppid loop; `trace` and strace
 *  on tar of many small files; `trace` on a workload of over a second. */
function tracerCases(tests: string, n: number, root: string): Case[] {
  const out = path.join(root, 'trace-out');
  const loop = path.join(tests, 'getppid_loop');
  const fewer = Math.max(1, Math.floor(n / 50)); // strace: ~56 µs a call
  const tree = path.join(root, 'tree');
  const setup = (): void => smallFilesTree(tree);
  const loopCase = (name: string, trapline: string[], k: number, tool?: string): Case => ({
    name: `getppid loop, ${name}`, cmd: loop, args: [String(k)], calls: k, baseline: ['0'], trapline, tool, modes: ['warm'],
    perCall: true,
  });
  const tarArgs = ['-cf', '/dev/null', '-C', tree, '.'];
  return [
    loopCase('record', ['record', '-o', `${out}.tltrace`], n),
    loopCase('trace -f -o FILE', ['trace', '-f', '-o', `${out}.txt`], n),
    loopCase('strace -f -o FILE', ['-f', '-o', `${out}.strace`], fewer, 'strace'),
    { name: 'tar of 20,000 small files, trace -f -o FILE', cmd: '/bin/tar', args: tarArgs, trapline: ['trace', '-f', '-o', `${out}.txt`], modes: ['warm'], setup },
    { name: 'tar of 20,000 small files, strace -f -o FILE', cmd: '/bin/tar', args: tarArgs, trapline: ['-f', '-o', `${out}.strace`], tool: 'strace', modes: ['warm'], setup },
    {
      // Over a second natively: compression, reading and writing files.
      name: 'tar+gzip of 20,000 files x4, trace -o FILE',
      cmd: '/bin/sh',
      args: ['-c', `for i in 1 2 3 4; do tar -czf ${out}.tgz -C ${tree} . ; done`],
      trapline: ['trace', '-o', `${out}.txt`],
      modes: ['warm'],
      setup,
    },
  ];
}

/** 20,000 small files in 400 directories at `dir`, for the tar cases. */
function smallFilesTree(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir);
  for (let d = 0; d < 400; d++) {
    const sub = path.join(dir, `d${d}`);
    mkdirSync(sub);
    for (let f = 0; f < 50; f++) writeFileSync(path.join(sub, `f${f}.txt`), `file ${d}/${f}\n`.repeat(1 + ((d * 50 + f) % 40)));
  }
}

/** getppid loops under a raw plugin, libc-demo hooking getppid (two fs
 *  switches per call), and libc-demo hooking another call (no switch). */
function isolationCases(tests: string, n: number): Case[] {
  const loop = path.join(tests, 'getppid_loop');
  const calls = Math.max(1, Math.floor(n / 10));
  const variant = (name: string, plugin: string, k: number): Case => ({
    name: `getppid loop, ${name}`,
    cmd: loop,
    args: [String(k)],
    calls: k,
    baseline: ['0'],
    trapline: ['run', '--plugin', plugin],
    modes: ['warm'],
    perCall: true,
  });
  return [
    variant('raw passthrough', 'passthrough', n),
    variant('libc-demo on getppid', 'libc-demo:only=getppid:out=/dev/null', calls),
    variant('libc-demo on getpid only', 'libc-demo:only=getpid:out=/dev/null', n),
  ];
}

/** fs switches per isolated hook (arch_prctl calls counted by strace) and
 *  resident memory per live thread, native, raw and isolated. */
function isolationReport(tests: string, env: NodeJS.ProcessEnv): void {
  const lines: string[] = ['', 'isolation:'];
  const loop = path.join(tests, 'getppid_loop');
  const archPrctls = (k: number): number => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'trapline-bench-strace-')), 's.txt');
    const r = spawnSync('strace', ['-f', '-c', '-e', 'trace=arch_prctl', '-o', out, binPath, 'run', '--plugin',
      'libc-demo:only=getppid:out=/dev/null', '--', loop, String(k)], { env, stdio: 'ignore', timeout: 120_000 });
    if (r.status !== 0) return NaN;
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?arch_prctl\s*$/m.exec(readFileSync(out, 'utf8'));
    rmSync(path.dirname(out), { recursive: true, force: true });
    return m ? Number(m[1]) : 0;
  };
  const k = 2000;
  const switches = (archPrctls(k) - archPrctls(0)) / k;
  const fsgsbase = /\bfsgsbase\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  lines.push(
    Number.isNaN(switches)
      ? '  fs switches per hooked getppid: strace unavailable'
      : `  fs switches per hooked getppid: ${switches.toFixed(2)} arch_prctl calls (switch path: ${fsgsbase ? 'wrfsbase, not seen by strace' : 'arch_prctl, no FSGSBASE'})`,
  );
  const rss = (cmd: string, args: string[]): [number, number] | undefined => {
    const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 120_000 });
    const m = /threads=(\d+) rss_kib_before=(\d+) rss_kib_live=(\d+)/.exec(r.stdout ?? '');
    return m ? [Number(m[3]) - Number(m[2]), Number(m[1])] : undefined;
  };
  const prog = path.join(tests, 'threads_rss');
  const native = rss(prog, ['1000']);
  for (const [name, run] of [['raw', 'passthrough'], ['isolated', 'libc-demo:out=/dev/null']] as const) {
    const tl = rss(binPath, ['run', '--plugin', run, '--', prog, '1000']);
    if (!native || !tl) {
      lines.push(`  RSS per live thread (${name}): measurement failed`);
      continue;
    }
    const per = tl[0] / tl[1];
    const added = (tl[0] - native[0]) / tl[1];
    lines.push(`  RSS per live thread, 1000 threads, ${name}: ${per.toFixed(1)} KiB (native ${(native[0] / native[1]).toFixed(1)} KiB; trapline adds ${added.toFixed(1)} KiB)`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main();
