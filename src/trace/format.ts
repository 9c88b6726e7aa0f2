// strace's text output: one line per call, `<unfinished ...>` and
// `<... NAME resumed>` when another thread prints in between, `[pid N]`
// prefixes, timestamps (-t/-tt/-ttt), durations (-T), exit lines.
import { argsText, decodeArgs, formatResult, type DecodeOptions } from './args.js';
import type { Call } from './calls.js';
import { signalName } from './signals.js';

export interface TextOptions extends DecodeOptions {
  /** 0, or 1/2/3 for -t, -tt, -ttt. */
  timestamps: number;
  /** -T */
  durations: boolean;
  /** `PID ` on every line (strace -f -o FILE); else `[pid N]` once several run. */
  pidColumn: boolean;
  /** CLOCK_REALTIME - CLOCK_MONOTONIC, ns. */
  realtimeOffset: bigint;
}

/** Where ` = ` starts, as in strace (its default -a 40). */
const RESULT_COLUMN = 39;

export class TextPrinter {
  /** A line begun at a call's entry and not yet ended. */
  private open: { tid: number; text: string } | null = null;
  /** Live threads, by tid, with their process. */
  private live = new Map<number, number>();
  private multi = false;

  constructor(private write: (s: string) => void, private o: TextOptions) {}

  /** A thread appeared: with two or more, lines carry `[pid N]`. */
  seen(tid: number, pid: number): void {
    this.live.set(tid, pid);
    if (this.live.size > 1) this.multi = true;
  }
  /** A thread ended; with `process`, every thread of its process did. */
  gone(tid: number, process = false): void {
    const pid = this.live.get(tid) ?? tid;
    this.live.delete(tid);
    if (process) for (const [t, p] of [...this.live]) if (p === pid) this.live.delete(t);
  }

  /** `PID ` texts by tid (-f -o FILE prints one on every line). */
  private pidColumns = new Map<number, string>();

  private prefix(tid: number, time: bigint): string {
    let p = '';
    if (this.o.pidColumn) {
      p = this.pidColumns.get(tid) ?? '';
      if (!p) this.pidColumns.set(tid, (p = `${String(tid).padEnd(5)} `));
    }
    else if (this.multi && this.live.size > 1) p = `[pid ${String(tid).padStart(5)}] `;
    return this.o.timestamps ? p + this.timestamp(time) : p;
  }

  private timestamp(mono: bigint): string {
    if (!this.o.timestamps) return '';
    const ns = mono + this.o.realtimeOffset;
    const sec = ns / 1_000_000_000n;
    const usec = String((ns % 1_000_000_000n) / 1000n).padStart(6, '0');
    if (this.o.timestamps >= 3) return `${sec}.${usec} `;
    const d = new Date(Number(sec) * 1000);
    const hms = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    return this.o.timestamps === 2 ? `${hms}.${usec} ` : `${hms} `;
  }

  /** Another thread is about to print: end the open line as strace does. */
  private interrupt(tid: number): void {
    if (this.open && this.open.tid !== tid) {
      this.write(' <unfinished ...>\n');
      this.open = null;
    }
  }

  private ending(call: Call, line: string): string {
    let s = line.length < RESULT_COLUMN ? line.padEnd(RESULT_COLUMN) : line;
    s += ` = ${formatResult(call, this.o)}`;
    if (this.o.durations && call.exitTime !== undefined && !call.noReturn) {
      const us = (call.exitTime - call.enterTime) / 1000n;
      s += ` <${us / 1_000_000n}.${String(us % 1_000_000n).padStart(6, '0')}>`;
    }
    return s + '\n';
  }

  /** A whole call. */
  call(call: Call): void {
    this.interrupt(call.tid);
    if (this.open) this.open = null;
    const a = decodeArgs(call, this.o);
    const line = `${this.prefix(call.tid, call.enterTime)}${call.name}(${argsText(a, 'all')})`;
    this.write(this.ending(call, line));
  }

  /** A call began: print what is known, leaving the line open. */
  enter(call: Call): void {
    this.interrupt(call.tid);
    const a = decodeArgs(call, this.o);
    const text = `${this.prefix(call.tid, call.enterTime)}${call.name}(${argsText(a, 'entry')}`;
    this.write(text);
    this.open = { tid: call.tid, text };
  }

  /** A call that began earlier returned. */
  resume(call: Call): void {
    const a = decodeArgs(call, this.o);
    const rest = `${argsText(a, 'exit')})`;
    if (this.open && this.open.tid === call.tid) {
      const line = this.open.text + rest;
      this.write(this.ending(call, line).slice(this.open.text.length));
      this.open = null;
      return;
    }
    this.interrupt(call.tid);
    // The entry part ended with ", " where arguments remained.
    const line = `${this.prefix(call.tid, call.exitTime ?? call.enterTime)}<... ${call.name} resumed>${rest}`;
    this.write(this.ending(call, line));
  }

  /** `+++ exited with N +++` / `+++ killed by SIGX +++`, for a thread or
   *  (`process`) for a whole process. */
  exited(tid: number, time: bigint, status: number, signal: number, process = false): void {
    this.interrupt(tid);
    if (this.open?.tid === tid) {
      this.write(' <unfinished ...>\n');
      this.open = null;
    }
    const what = signal ? `killed by ${signalName(signal)}` : `exited with ${status}`;
    this.write(`${this.prefix(tid, time)}+++ ${what} +++\n`);
    this.gone(tid, process);
  }

  /** `--- SIGCHLD {si_signo=SIGCHLD, ...} ---` */
  signal(tid: number, time: bigint, signo: number, siginfo: string): void {
    this.interrupt(tid);
    if (this.open?.tid === tid) {
      this.write(' <unfinished ...>\n');
      this.open = null;
    }
    this.write(`${this.prefix(tid, time)}--- ${signalName(signo)} ${siginfo} ---\n`);
  }

  /** The stream ended: close an open line. */
  finish(): void {
    if (this.open) {
      this.write(' <unfinished ...>\n');
      this.open = null;
    }
  }
}
