// Reading strace's text (`strace -f -o FILE`, also what `trapline trace -f
// -o FILE` writes) into calls per thread, and comparing two traces the way
// trace-vs-strace.test.ts does.

export interface Line {
  /** Thread: the program its process exec'd first and its rank among the
   *  threads with that program, in order of appearance (`/bin/sort#0`).
   *  Concurrent children appear in any order; what they run does not. */
  tid: string;
  name: string;
  args: string;
  result: string;
}

/** Normalise what differs between any two runs: addresses, times, random
 *  bytes, sizes of the environment and of directory reads. */
export function norm(s: string): string {
  return s
    .replace(/"(\\x[0-9a-f]{2})+"/g, '"RANDOM"')
    .replace(/0x[0-9a-f]{5,}/g, 'ADDR')
    .replace(/\b\d{9,}\b/g, 'N')
    .replace(/tv_(sec|nsec|usec)=\d+/g, 'tv_$1=N')
    .replace(/\/\* (\d+|\?) (vars|entries) \*\//g, '/* $2 */');
}

export interface ParseOptions {
  /** Keep signal lines (`--- SIGURG {...} ---`) as lines named `--- SIGURG`
   *  with the siginfo as their args. */
  signals?: boolean;
  /** Write the pids and tids of the trace, wherever they appear in
   *  arguments and results, as their thread names (`<-#0>`), and a pid
   *  outside the trace that getppid returns as `PPID`. */
  renumber?: boolean;
}

/** Parse `PID line` text, joining unfinished and resumed halves. */
export function parseStraceText(text: string, opts: ParseOptions = {}): Line[] {
  const ids = threadIds(text);
  const pids = new RegExp(`\\b(${[...ids.keys()].join('|')})\\b`, 'g');
  const renumber = (s: string): string => (opts.renumber && ids.size ? s.replace(pids, (pid) => `<${ids.get(Number(pid))}>`) : s);
  const open = new Map<string, string>();
  const out: Line[] = [];
  for (const raw of text.split('\n')) {
    const m = /^(\d+)\s+(.*)$/.exec(raw);
    if (!m) continue;
    const tid = ids.get(Number(m[1]))!;
    let body = m[2]!;
    const signal = /^--- (SIG\w+) (.*) ---$/.exec(body);
    if (signal && opts.signals) {
      out.push({ tid, name: `--- ${signal[1]}`, args: renumber(norm(signal[2]!)), result: '' });
      continue;
    }
    if (body.startsWith('---') || body.startsWith('+++')) continue;
    const unfinished = / <unfinished \.\.\.>$/.exec(body);
    if (unfinished) {
      open.set(tid, body.slice(0, unfinished.index));
      continue;
    }
    const resumed = /^<\.\.\. (\w+) resumed>(.*)$/.exec(body);
    if (resumed) {
      body = (open.get(tid) ?? `${resumed[1]}(`) + resumed[2];
      open.delete(tid);
    }
    const call = /^(\w+)\((.*)\)\s+= (.*)$/.exec(body);
    if (!call) continue;
    // strace's own `(flags ...)` and `([{fd=..., revents=...}])` notes stay in the result.
    let result = renumber(norm(call[3]!.replace(/ <[\d.]+>$/, '')));
    if (opts.renumber && call[1] === 'getppid' && /^\d+$/.test(result)) result = 'PPID';
    out.push({ tid, name: call[1]!, args: renumber(norm(call[2]!.replace(/, {2}$/, ''))), result });
  }
  return out;
}

/** Names each pid by the first program it exec'd (`-` if none) and its
 *  rank among the pids with that program. */
function threadIds(text: string): Map<number, string> {
  const order: number[] = [];
  const program = new Map<number, string>();
  const pending = new Map<number, string>(); // an unfinished execve's path
  for (const raw of text.split('\n')) {
    const m = /^(\d+)\s+(?:<\.\.\. )?(\w+)(?: resumed>|\()(.*)$/.exec(raw);
    if (!m) continue;
    const pid = Number(m[1]);
    if (!program.has(pid)) {
      order.push(pid);
      program.set(pid, '-');
    }
    if (m[2] !== 'execve' || program.get(pid) !== '-') continue;
    const path = /^"([^"]*)"/.exec(m[3]!)?.[1] ?? pending.get(pid);
    if (raw.endsWith('<unfinished ...>')) {
      if (path !== undefined) pending.set(pid, path);
    } else if (/\) += 0$/.test(raw) && path !== undefined) {
      program.set(pid, path); // only an execve that succeeded names it
    }
  }
  const ranks = new Map<string, number>();
  const ids = new Map<number, string>();
  for (const pid of order) {
    const p = program.get(pid)!;
    const k = ranks.get(p) ?? 0;
    ranks.set(p, k + 1);
    ids.set(pid, `${p}#${k}`);
  }
  return ids;
}

/** Longest common subsequence of two key lists: the index pairs. */
export function lcs(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const n = a.length, m = b.length;
  const dp = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const pairs: Array<[number, number]> = [];
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) i++;
    else j++;
  }
  return pairs;
}

/** A call's identity for sequence comparison: name and result (the errno
 *  name without its message, addresses normalised). */
export const callKey = (l: Line): string => `${l.name} = ${l.result.replace(/^(-1 E\w+).*/, '$1').replace(/ \(.*\)$/, '')}`;

export function byThread(lines: readonly Line[]): Map<string, Line[]> {
  const m = new Map<string, Line[]>();
  for (const l of lines) m.set(l.tid, [...(m.get(l.tid) ?? []), l]);
  return m;
}

export interface Comparison {
  /** Lines both strace runs show. */
  total: number;
  /** Of those, lines missing from `ours` but listed as known differences. */
  excused: number;
  /** Lines missing from `ours` that nothing excuses. */
  problems: string[];
  /** Lines matched by name and result; of those, equal in decoded arguments. */
  compared: number;
  sameArgs: number;
  argDiffs: string[];
}

/** Compare `ours` with what two strace runs agree on, per thread. */
export function compareTraces(strace1: readonly Line[], strace2: readonly Line[], ours: readonly Line[], knownSyscalls: ReadonlySet<string>): Comparison {
  const a = byThread(strace1), b = byThread(strace2), o = byThread(ours);
  const c: Comparison = { total: 0, excused: 0, problems: [], compared: 0, sameArgs: 0, argDiffs: [] };
  for (const [tid, run1] of a) {
    const run2 = b.get(tid) ?? [];
    const stable = lcs(run1.map(callKey), run2.map(callKey)).map(([i]) => run1[i]!);
    const mine = o.get(tid) ?? [];
    const pairs = lcs(stable.map(callKey), mine.map(callKey));
    c.total += stable.length;
    const matched = new Set(pairs.map(([i]) => i));
    stable.forEach((l, i) => {
      if (matched.has(i)) return;
      if (knownSyscalls.has(l.name)) c.excused++;
      else c.problems.push(`thread ${tid}: strace shows \`${l.name}(${l.args}) = ${l.result}\`, trapline does not`);
    });
    for (const [i, j] of pairs) {
      c.compared++;
      if (stable[i]!.args === mine[j]!.args) c.sameArgs++;
      else c.argDiffs.push(`strace:   ${stable[i]!.name}(${stable[i]!.args})\ntrapline: ${mine[j]!.name}(${mine[j]!.args})`);
    }
  }
  return c;
}
