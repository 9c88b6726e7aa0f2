// -c: strace's summary table (time, calls, errors per syscall), sorted by
// time spent, then by name.
import type { Call } from './calls.js';
import { isError } from './errno.js';

interface Row {
  name: string;
  ns: bigint;
  calls: number;
  errors: number;
}

export class Summary {
  private rows = new Map<string, Row>();

  add(call: Call): void {
    let r = this.rows.get(call.name);
    if (!r) {
      r = { name: call.name, ns: 0n, calls: 0, errors: 0 };
      this.rows.set(call.name, r);
    }
    r.calls++;
    if (call.result !== undefined && !call.noReturn && isError(call.result)) r.errors++;
    if (call.exitTime !== undefined && call.exitTime > call.enterTime) r.ns += call.exitTime - call.enterTime;
  }

  counts(): Record<string, number> {
    return Object.fromEntries([...this.rows.values()].map((r) => [r.name, r.calls]));
  }

  render(): string {
    const rows = [...this.rows.values()].sort((a, b) => (a.ns === b.ns ? (a.name < b.name ? -1 : 1) : a.ns > b.ns ? -1 : 1));
    const total = rows.reduce((t, r) => ({ ns: t.ns + r.ns, calls: t.calls + r.calls, errors: t.errors + r.errors }), { ns: 0n, calls: 0, errors: 0 });
    const sep = '------ ----------- ----------- --------- --------- ----------------';
    const line = (pct: number, ns: bigint, calls: number, errors: number, name: string): string => {
      const secs = (Number(ns) / 1e9).toFixed(6).padStart(11);
      const usecs = String(calls ? ns / 1000n / BigInt(calls) : 0n).padStart(11);
      const errs = (errors ? String(errors) : '').padStart(9);
      return `${pct.toFixed(2).padStart(6)} ${secs} ${usecs} ${String(calls).padStart(9)} ${errs} ${name}`;
    };
    const out = ['% time     seconds  usecs/call     calls    errors syscall', sep];
    for (const r of rows) out.push(line(total.ns ? (Number(r.ns) * 100) / Number(total.ns) : 0, r.ns, r.calls, r.errors, r.name));
    out.push(sep, line(100, total.ns, total.calls, total.errors, 'total'));
    return out.join('\n') + '\n';
  }
}
