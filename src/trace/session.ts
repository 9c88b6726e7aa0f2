// One viewing of a trace stream: records → calls → the filter of -f, -e and
// --vdso → text lines, JSON lines or the -c table. `trace` feeds it live,
// `show` from a file; both print the same.
import type { DecodeOptions } from './args.js';
import { CallPairer, newCall, type Call, type CallEvent } from './calls.js';
import { FdPaths } from './fd-paths.js';
import type { CallFilter } from './filter.js';
import { TextPrinter } from './format.js';
import { callToJson, exitToJson, signalToJson } from './json.js';
import { formatSiginfo } from './siginfo.js';
import { Blob, BlobFlag, type StreamHeader, type TraceRecord } from './stream.js';
import { Summary } from './summary.js';

export interface ViewOptions {
  /** -f: every process and thread, not only the first thread. */
  follow: boolean;
  filter: CallFilter;
  /** --vdso: show vDSO calls. */
  vdso: boolean;
  /** -c (summary only) or -C (lines and summary). */
  summary: 'none' | 'only' | 'also';
  json: boolean;
  /** -y */
  decodeFds: boolean;
  stringLimit: number;
  verbose: boolean;
  raw: boolean;
  timestamps: number;
  durations: boolean;
  /** `PID ` columns (strace -f -o FILE). */
  pidColumn: boolean;
  /** What the first process's descriptors 0..2 are, for -y. */
  initialFds?: ReadonlyMap<number, string>;
  cwd?: string;
  /** Environment size of the first process, for its execve line. */
  envCount?: number;
}

/** The C string an argument pointed to, as captured at entry. */
function pathArg(call: Call, i: number): string | undefined {
  const b = call.blobs.find((x) => x.arg === i && !x.exit && !x.fault);
  if (!b) return undefined;
  const nul = b.data.indexOf(0);
  return b.data.subarray(0, nul < 0 ? b.data.length : nul).toString('latin1');
}

export class TraceView {
  private pairer = new CallPairer();
  private header: StreamHeader | undefined;
  private printer: TextPrinter | undefined;
  private summary = new Summary();
  private fds: FdPaths;
  private firstPid: number | undefined;
  private decode: DecodeOptions;

  constructor(private o: ViewOptions, private write: (s: string) => void) {
    this.fds = new FdPaths(o.initialFds, o.cwd);
    this.decode = {
      stringLimit: o.stringLimit,
      verbose: o.verbose,
      raw: o.raw,
      fdPath: o.decodeFds ? this.fds.lookup : undefined,
      resultFdPath: o.decodeFds ? (call) => this.fds.resultPath(call, (i) => pathArg(call, i)) : undefined,
    };
  }

  /** Whether the stream's header arrived. */
  get started(): boolean {
    return this.header !== undefined;
  }

  onHeader(h: StreamHeader): void {
    this.header = h;
    this.printer = new TextPrinter(this.write, {
      ...this.decode,
      timestamps: this.o.timestamps,
      durations: this.o.durations,
      pidColumn: this.o.pidColumn,
      realtimeOffset: h.realtimeOffset,
    });
  }

  onRecord(r: TraceRecord): void {
    if (r.type === 'image_start' && r.initial) this.firstPid = r.pid;
    else if (this.firstPid === undefined && r.type !== 'unknown') this.firstPid = r.pid;
    const whole = this.pairer.whole(r);
    if (whole) this.onCall(whole, 'call');
    else for (const ev of this.pairer.push(r)) this.handle(ev);
  }

  /** The stream ended: close what is open, print the summary. */
  finish(): void {
    for (const ev of this.pairer.finish()) this.handle(ev);
    if (this.pendingExec) this.initialExec(this.pendingExec);
    this.pendingExec = undefined;
    this.printer?.finish();
    if (this.o.summary !== 'none') this.write(this.summary.render());
  }

  summaryCounts(): Record<string, number> {
    return this.summary.counts();
  }

  private lines(): boolean {
    return !this.o.json && this.o.summary !== 'only';
  }

  private followed(pid: number, tid: number): boolean {
    return this.o.follow || (pid === this.firstPid && tid === this.firstPid);
  }

  private shown(call: Call): boolean {
    if (call.vdso && !this.o.vdso) return false;
    return this.followed(call.pid, call.tid) && this.o.filter(call.name);
  }

  private learn(call: Call): void {
    if (!this.o.decodeFds || call.result === undefined) return;
    this.fds.update(call, (i) => pathArg(call, i));
    if ((call.name === 'pipe' || call.name === 'pipe2' || call.name === 'socketpair') && call.result === 0n) {
      const arg = call.name === 'socketpair' ? 3 : 0;
      const b = call.blobs.find((x) => x.arg === arg && x.exit && x.data.length >= 8);
      if (b) this.fds.addPair(call, [b.data.readInt32LE(0), b.data.readInt32LE(4)], call.name === 'socketpair' ? 'socket' : 'pipe');
    }
  }

  private emitJson(call: Call): void {
    this.write(JSON.stringify(callToJson(call, this.decode, this.header?.realtimeOffset ?? 0n)) + '\n');
  }

  /** The initial image's execve, shown from its image record unless the
   *  capture recorded the call itself (trapline announces it to plugins). */
  private pendingExec: Extract<CallEvent, { kind: 'image_start' }> | undefined;

  /** Before any event of a call: the initial execve, if it was not this. */
  private settleExec(call: Call): void {
    const pending = this.pendingExec;
    if (pending && call.pid === pending.pid) {
      this.pendingExec = undefined;
      if (call.name !== 'execve') this.initialExec(pending);
    }
  }

  /** A call whole, or one that began earlier returning. */
  private onCall(call: Call, kind: 'call' | 'resume'): void {
    const p = this.printer;
    if (!p) return;
    this.settleExec(call);
    if (this.shown(call)) {
      p.seen(call.tid, call.pid);
      if (this.o.summary !== 'none') this.summary.add(call);
      if (this.o.json) this.emitJson(call);
      else if (this.lines()) kind === 'call' ? p.call(call) : p.resume(call);
    }
    this.learn(call);
  }

  private handle(ev: CallEvent): void {
    const p = this.printer;
    if (!p) return;
    switch (ev.kind) {
      case 'call':
      case 'resume':
        this.onCall(ev.call, ev.kind);
        break;
      case 'enter':
        this.settleExec(ev.call);
        if (this.shown(ev.call) && this.lines()) {
          p.seen(ev.call.tid, ev.call.pid);
          p.enter(ev.call);
        }
        break;
      case 'thread_exit':
        if (this.o.follow && this.lines()) p.exited(ev.tid, ev.time, ev.status, 0);
        break;
      case 'signal': {
        if (!this.followed(ev.pid, ev.tid)) break;
        const info = formatSiginfo(ev.siginfo);
        if (this.o.json) this.write(JSON.stringify(signalToJson(ev.pid, ev.tid, ev.time, ev.signo, info, this.header?.realtimeOffset ?? 0n)) + '\n');
        else if (this.lines()) {
          p.seen(ev.tid, ev.pid);
          p.signal(ev.tid, ev.time, ev.signo, info);
        }
        break;
      }
      case 'process_exit':
        if (!this.followed(ev.pid, ev.pid)) break;
        if (this.o.json) this.write(JSON.stringify(exitToJson(ev.pid, ev.time, ev.status, ev.signal, this.header?.realtimeOffset ?? 0n)) + '\n');
        else if (this.lines()) p.exited(ev.pid, ev.time, ev.status, ev.signal, true);
        break;
      case 'image_start':
        if (ev.initial) this.pendingExec = ev;
        break;
    }
  }

  /** The execve strace would show for the program trapline started, from
   *  the image record (for captures that do not record the call). */
  private initialExec(ev: Extract<CallEvent, { kind: 'image_start' }>): void {
    const argv = Buffer.from(ev.argv.map((a) => a + '\0').join(''), 'latin1');
    const blobs = [
      Blob.of(0, 0, Buffer.from(ev.path + '\0', 'latin1')),
      Blob.of(1, BlobFlag.STRVEC, argv),
    ];
    const envCount = ev.envCount ?? this.o.envCount;
    if (envCount !== undefined) {
      const n = Buffer.alloc(8);
      n.writeBigUInt64LE(BigInt(envCount));
      blobs.push(Blob.of(2, BlobFlag.COUNT, n));
    }
    const call = newCall(ev.pid, ev.tid, 59, 'execve', false, [0n, 0n, 0n, 0n, 0n, 0n], blobs, ev.time, 0n, ev.time, true);
    this.handle({ kind: 'call', call });
  }
}
