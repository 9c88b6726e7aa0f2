// -e trace=SET: which calls are shown. strace's syntax: names separated by
// commas, `!` or `none`/`all`, classes (%file, %process, ...), /regex.
import { syscallClasses, syscalls, vdsoFunctions } from './syscall-table.js';

export class FilterError extends Error {}

export interface CallFilter {
  /** Whether a call of this name is shown. */
  (name: string): boolean;
}

const allNames = (): string[] => [...syscalls.map((e) => e.name), ...vdsoFunctions.map((f) => f.name)];

/** Parse one -e expression (`trace=open,close`, `open`, `trace=!%file`). */
export function parseTraceExpression(expr: string): Set<string> | null {
  let value = expr;
  const eq = expr.indexOf('=');
  if (eq >= 0) {
    const qualifier = expr.slice(0, eq);
    if (qualifier !== 'trace' && qualifier !== 't') throw new FilterError(`invalid -e qualifier '${qualifier}' (trapline supports trace=)`);
    value = expr.slice(eq + 1);
  }
  let negate = false;
  if (value.startsWith('!')) {
    negate = true;
    value = value.slice(1);
  }
  const chosen = new Set<string>();
  let all = false;
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (item === '') throw new FilterError(`invalid system call '${value}'`);
    if (item === 'all') {
      all = true;
    } else if (item === 'none') {
      // nothing
    } else if (item.startsWith('%') || (syscallClasses.has(item) && !allNames().includes(item))) {
      // `%file`, or the old spelling without % (`file`, `process`).
      const cls = syscallClasses.get(item.startsWith('%') ? item.slice(1) : item);
      if (!cls) throw new FilterError(`invalid system call '${item}'`);
      for (const n of cls) chosen.add(n);
    } else if (item.startsWith('/')) {
      let re: RegExp;
      try {
        re = new RegExp(item.slice(1));
      } catch {
        throw new FilterError(`invalid system call '${item}'`);
      }
      for (const n of allNames()) if (re.test(n)) chosen.add(n);
    } else {
      const name = item.startsWith('?') ? item.slice(1) : item;
      if (!allNames().includes(name)) {
        if (item.startsWith('?')) continue;
        throw new FilterError(`invalid system call '${item}'`);
      }
      chosen.add(name);
    }
  }
  const set = all ? new Set(allNames()) : chosen;
  if (!negate) return set;
  return new Set(allNames().filter((n) => !set.has(n)));
}

/** Combine every -e: the last one wins, as in strace. */
export function makeFilter(expressions: readonly string[]): CallFilter {
  let set: Set<string> | null = null;
  for (const e of expressions) set = parseTraceExpression(e);
  const chosen = set;
  return (name) => chosen === null || chosen.has(name);
}
