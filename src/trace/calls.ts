// Records become calls: a SYSCALL_ENTER waits, per tid, for its
// SYSCALL_EXIT; calls that never return (exit, exit_group, a successful
// execve) are closed by the process's exit or its next image.
import { interruptedErrno, sigreturnResult } from './args.js';
import type { Blob, SyscallRecord, TraceRecord } from './stream.js';
import { syscallByNr, vdsoByFn } from './syscall-table.js';

export interface Call {
  pid: number;
  tid: number;
  /** Syscall number; -1 for vDSO calls. */
  nr: number;
  name: string;
  vdso: boolean;
  args: bigint[];
  /** Entry and exit blobs together. */
  blobs: Blob[];
  enterTime: bigint;
  /** Undefined while the call is in flight, and for calls that never returned. */
  result?: bigint;
  exitTime?: bigint;
  /** The call never returned to its caller (`= ?`). */
  noReturn?: boolean;
  /** Made up from an image record (the first execve): no addresses known. */
  synthetic?: boolean;
}

export type CallEvent =
  /** A whole call at once. */
  | { kind: 'call'; call: Call }
  /** A call began and its thread is now inside it. */
  | { kind: 'enter'; call: Call }
  /** A call that began earlier returned (or ended without returning). */
  | { kind: 'resume'; call: Call }
  /** A thread other than the process's first ended with exit(2). */
  | { kind: 'thread_exit'; pid: number; tid: number; time: bigint; status: number }
  | { kind: 'process_exit'; pid: number; tid: number; time: bigint; status: number; signal: number }
  /** A signal about to run the client's handler. */
  | { kind: 'signal'; pid: number; tid: number; time: bigint; signo: number; siginfo: Buffer }
  | { kind: 'image_start'; pid: number; tid: number; ppid: number; time: bigint; initial: boolean; path: string; argv: string[]; envCount?: number };

const NO_RETURN = new Set(['exit', 'exit_group']);
const EXECS = new Set(['execve', 'execveat']);
const FORKS = new Set(['clone', 'clone3', 'fork', 'vfork']);

function nameOf(nr: number): string {
  return syscallByNr(nr)?.name ?? `syscall_${nr}`;
}

/** A call with every field present from the start, so that all calls share
 *  one object shape (code that reads them stays monomorphic, and fast). */
export function newCall(
  pid: number, tid: number, nr: number, name: string, vdso: boolean, args: bigint[], blobs: Blob[], enterTime: bigint,
  result: bigint | undefined, exitTime: bigint | undefined, synthetic = false,
): Call {
  return { pid, tid, nr, name, vdso, args, blobs, enterTime, result, exitTime, noReturn: false, synthetic };
}

/** The whole call a SYSCALL record holds. */
function syscallCall(r: SyscallRecord): Call {
  return newCall(r.pid, r.tid, r.nr, nameOf(r.nr), false, r.args, r.blobs, r.time, r.result, r.exitTime);
}

export class CallPairer {
  private inFlight = new Map<number, Call>();

  /** A SYSCALL record's call when it is all the record makes (no entry of
   *  its thread is open): the common case, without an event list. */
  whole(r: TraceRecord): Call | undefined {
    return r.type === 'syscall' && !this.inFlight.has(r.tid) ? syscallCall(r) : undefined;
  }

  /** The events one record makes. */
  push(r: TraceRecord): CallEvent[] {
    switch (r.type) {
      case 'syscall': {
        // A call made while an entry is unanswered: that one never returned.
        const stale = this.inFlight.get(r.tid);
        const call = syscallCall(r);
        return stale ? [this.close(stale), { kind: 'call', call }] : [{ kind: 'call', call }];
      }
      case 'vdso':
        return [
          {
            kind: 'call',
            call: newCall(r.pid, r.tid, -1, vdsoByFn(r.fn)?.name ?? `vdso_${r.fn}`, true, r.args, r.blobs, r.time, r.result, r.exitTime),
          },
        ];
      case 'enter': {
        const events: CallEvent[] = [];
        // A thread cannot be in two calls: an unanswered entry never returned.
        const stale = this.inFlight.get(r.tid);
        if (stale) events.push(this.close(stale));
        const call = newCall(r.pid, r.tid, r.nr, nameOf(r.nr), false, r.args, [...r.blobs], r.time, undefined, undefined);
        // rt_sigreturn "returns" what its frame restores: with the frame
        // captured it is a whole call, shown as strace shows it at its exit.
        const restored = call.name === 'rt_sigreturn' ? sigreturnResult(call) : undefined;
        if (restored !== undefined) {
          call.result = restored;
          call.exitTime = r.time;
          events.push({ kind: 'call', call });
          return events;
        }
        this.inFlight.set(r.tid, call);
        events.push({ kind: 'enter', call });
        if (NO_RETURN.has(call.name)) {
          // Nothing more comes from this thread: say so now, as strace does.
          events.push(this.close(call));
          if (call.name === 'exit' && call.tid !== call.pid)
            events.push({ kind: 'thread_exit', pid: r.pid, tid: r.tid, time: r.time, status: Number(r.args[0]! & 0xffn) });
        }
        return events;
      }
      case 'exit': {
        const call = this.inFlight.get(r.tid);
        if (!call || call.nr !== r.nr) {
          // The child's side of a fork returns without having entered: strace
          // does not show it either. Anything else is shown on its own.
          if (FORKS.has(nameOf(r.nr)) && r.result === 0n) return [];
          if (EXECS.has(nameOf(r.nr)) && r.result === 0n) return [];
          return [
            {
              kind: 'call',
              call: newCall(r.pid, r.tid, r.nr, nameOf(r.nr), false, [0n, 0n, 0n, 0n, 0n, 0n], r.blobs, r.time, r.result, r.time),
            },
          ];
        }
        this.inFlight.delete(r.tid);
        call.blobs.push(...r.blobs);
        call.result = r.result;
        call.exitTime = r.time;
        return [{ kind: 'resume', call }];
      }
      case 'signal': {
        // A call still open was interrupted for this handler (the kernel's
        // restart codes, as strace shows them), or never returns.
        const open = this.inFlight.get(r.tid);
        const events: CallEvent[] = [];
        if (open && !NO_RETURN.has(open.name) && !EXECS.has(open.name) && open.name !== 'rt_sigreturn') {
          this.inFlight.delete(r.tid);
          open.result = -BigInt(interruptedErrno(open));
          open.exitTime = r.time;
          events.push({ kind: 'resume', call: open });
        } else if (open) {
          events.push(this.close(open));
        }
        events.push({ kind: 'signal', pid: r.pid, tid: r.tid, time: r.time, signo: r.signo, siginfo: r.siginfo });
        return events;
      }
      case 'process_exit': {
        const events = this.closeWhere((c) => c.pid === r.pid);
        events.push({ kind: 'process_exit', pid: r.pid, tid: r.tid, time: r.time, status: r.status, signal: r.signal });
        return events;
      }
      case 'image_start': {
        // A successful exec ends with the new image: its call returned 0.
        const events: CallEvent[] = [];
        for (const c of [...this.inFlight.values()]) {
          if (c.pid !== r.pid) continue;
          this.inFlight.delete(c.tid);
          if (EXECS.has(c.name)) {
            c.result = 0n;
            c.exitTime = r.time;
            events.push({ kind: 'resume', call: c });
          } else {
            events.push(this.close(c));
          }
        }
        events.push({
          kind: 'image_start', pid: r.pid, tid: r.tid, ppid: r.ppid, time: r.time, initial: r.initial, path: r.path,
          argv: r.argv,
          envCount: r.envCount,
        });
        return events;
      }
      case 'unknown':
        return [];
    }
  }

  /** The stream ended: whatever is still in flight never returned. */
  finish(): CallEvent[] {
    return this.closeWhere(() => true);
  }

  private closeWhere(pred: (c: Call) => boolean): CallEvent[] {
    const events: CallEvent[] = [];
    for (const c of [...this.inFlight.values()]) if (pred(c)) events.push(this.close(c));
    return events;
  }

  private close(c: Call): CallEvent {
    this.inFlight.delete(c.tid);
    c.noReturn = true;
    return { kind: 'resume', call: c };
  }
}

/** Whether a call is one that ends its thread or process. */
export function endsThread(name: string): boolean {
  return NO_RETURN.has(name);
}
