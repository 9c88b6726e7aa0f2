// trace's usual command lines, read without commander: loading it delays
// the traced program's start by tens of milliseconds. Anything else (help,
// an unknown option, a missing value, no program) is left to commander
// (command-line.ts), which reads what this reads the same way.
import type { ViewFlags } from './command.js';

type Kind = 'count' | 'flag' | 'value' | 'values';

/** trace's options (command-line.ts) by spelling, with what they take. */
const OPTIONS: ReadonlyMap<string, readonly [keyof ViewFlags, Kind]> = new Map([
  ['-f', ['f', 'count']],
  ['-e', ['e', 'values']],
  ['-o', ['o', 'value']],
  ['-c', ['c', 'flag']],
  ['-C', ['C', 'flag']],
  ['-y', ['y', 'flag']],
  ['-T', ['T', 'flag']],
  ['-t', ['t', 'count']],
  ['-s', ['s', 'value']],
  ['-v', ['v', 'flag']],
  ['-X', ['X', 'value']],
  ['-p', ['p', 'value']],
  ['--json', ['json', 'flag']],
  ['--vdso', ['vdso', 'flag']],
] as const);

const X_CHOICES = new Set(['raw', 'abbrev']);

/** The arguments after `trace`: the program with its arguments and the
 *  options, as commander would give them; undefined when commander is needed. */
export function quickTraceArgs(args: readonly string[]): { prog: string[]; flags: ViewFlags } | undefined {
  const flags: Record<string, unknown> = {};
  const set = (name: keyof ViewFlags, kind: Kind, value: string | undefined): boolean => {
    if (kind === 'count') flags[name] = ((flags[name] as number | undefined) ?? 0) + 1;
    else if (kind === 'flag') flags[name] = true;
    else if (value === undefined || (name === 'X' && !X_CHOICES.has(value))) return false;
    else if (kind === 'values') flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    else flags[name] = value;
    return true;
  };
  let i = 0;
  while (i < args.length) {
    let arg = args[i++]!;
    if (arg === '--') break;
    // Options end at the program (commander's passThroughOptions); `-` is one.
    if (arg.length < 2 || arg[0] !== '-') {
      i--;
      break;
    }
    const whole = OPTIONS.get(arg);
    if (whole) {
      const [name, kind] = whole;
      // A value is the next argument, whatever it looks like.
      const takes = kind === 'value' || kind === 'values';
      if (!set(name, kind, takes ? args[i++] : undefined)) return undefined;
      continue;
    }
    // Short options together (-ff, -fo FILE, -s64, -etrace=open).
    if (arg[1] === '-') return undefined;
    while (arg.length > 1) {
      const one = OPTIONS.get(arg.slice(0, 2));
      if (!one) return undefined;
      const [name, kind] = one;
      const rest = arg.slice(2);
      if (kind === 'value' || kind === 'values') {
        if (!set(name, kind, rest !== '' ? rest : args[i++])) return undefined;
        break;
      }
      set(name, kind, undefined);
      arg = '-' + rest;
    }
  }
  const prog = args.slice(i);
  if (prog.length === 0) return undefined;
  return { prog, flags: flags as ViewFlags };
}
