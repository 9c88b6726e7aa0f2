// --json: one object per line for each call and each process end.
import { decodeArgs, entryTexts, exitTexts, formatResult, type DecodeOptions } from './args.js';
import type { Call } from './calls.js';
import { errnoName, isError } from './errno.js';
import { hex } from './flags.js';
import { signalName } from './signals.js';

export interface JsonCall {
  type: 'call';
  pid: number;
  tid: number;
  /** Wall-clock seconds at entry. */
  time: number;
  name: string;
  vdso: boolean;
  args: string[];
  raw: string[];
  /** The numeric result; null when the call never returned. */
  result: number | string | null;
  /** The result as strace prints it. */
  text: string;
  errno: string | null;
  /** Seconds between entry and exit. */
  duration: number | null;
}

export interface JsonExit {
  type: 'exit';
  pid: number;
  time: number;
  status: number | null;
  signal: string | null;
}

const seconds = (mono: bigint, offset: bigint): number => Number(mono + offset) / 1e9;

export function callToJson(call: Call, o: DecodeOptions, realtimeOffset: bigint): JsonCall {
  const a = decodeArgs(call, o);
  const r = call.noReturn ? undefined : call.result;
  const err = r !== undefined && isError(r) ? errnoName(Number(-r)) : null;
  return {
    type: 'call',
    pid: call.pid,
    tid: call.tid,
    time: seconds(call.enterTime, realtimeOffset),
    name: call.name,
    vdso: call.vdso,
    args: a.deferredSeparator?.startsWith(' => ')
      ? [...entryTexts(a).slice(0, -1), `${entryTexts(a).at(-1)}${a.deferredSeparator.slice(0, -2)}`, ...exitTexts(a)]
      : a.texts,
    raw: call.synthetic ? [] : call.args.map((v) => hex(v)),
    result: r === undefined ? null : Number.isSafeInteger(Number(r)) ? Number(r) : r.toString(),
    text: formatResult(call, o),
    errno: err,
    duration: call.exitTime !== undefined && !call.noReturn ? Number(call.exitTime - call.enterTime) / 1e9 : null,
  };
}

export interface JsonSignal {
  type: 'signal';
  pid: number;
  tid: number;
  time: number;
  signal: string;
  siginfo: string;
}

export function signalToJson(pid: number, tid: number, time: bigint, signo: number, siginfo: string, realtimeOffset: bigint): JsonSignal {
  return { type: 'signal', pid, tid, time: seconds(time, realtimeOffset), signal: signalName(signo), siginfo };
}

export function exitToJson(pid: number, time: bigint, status: number, signal: number, realtimeOffset: bigint): JsonExit {
  return { type: 'exit', pid, time: seconds(time, realtimeOffset), status: signal ? null : status, signal: signal ? signalName(signal) : null };
}
