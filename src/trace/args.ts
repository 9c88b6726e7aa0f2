// Decoding one call's arguments and result into strace's text, by argument
// kind (src/syscall/syscalls.json), with the few calls whose printing
// depends on another argument (open's mode, fcntl, futex, ioctl, clone).
import type { Call } from './calls.js';
import * as C from './constants.js';
import { describeErrno, isError } from './errno.js';
import { pairNames } from './fd-paths.js';
import { enumName, flags, hex, type FlagTable } from './flags.js';
import { formatSigset, signalName } from './signals.js';
import { limitBytes, quote, type QuoteOptions } from './strings.js';
import * as S from './structs.js';
import { kindsOf } from './syscall-table.js';
import type { Blob } from './stream.js';

export interface DecodeOptions {
  /** -s: bytes of a buffer shown. */
  stringLimit: number;
  /** -v */
  verbose: boolean;
  /** -X raw */
  raw: boolean;
  /** -y: the path behind a descriptor, when known. */
  fdPath?: (pid: number, fd: number) => string | undefined;
  /** -y: the path behind the descriptor a call returns. */
  resultFdPath?: (call: Call) => string | undefined;
}

/** A call's arguments as text, split where strace splits a call that is
 *  interrupted: texts before `split` are printed at entry, the others once
 *  it returned. */
export interface DecodedArgs {
  texts: string[];
  split: number;
  /** Where strace prints the text between the two parts only once the call
   *  returned (clone's `, child_tidptr=`, clone3's ` => {parent_tid=[N]}, `);
   *  otherwise the `, ` after the entry part is printed at entry. */
  deferredSeparator?: string;
}

/** The texts printed at entry. */
export const entryTexts = (a: DecodedArgs): string[] => a.texts.slice(0, a.split);
/** The texts printed once the call returned. */
export const exitTexts = (a: DecodedArgs): string[] => a.texts.slice(a.split);

/** texts[from, to) joined by `, `: concatenated rather than with join(),
 *  which copies them all into a new string (the line is copied once more
 *  when it is written anyway). */
function joined(texts: string[], from: number, to: number): string {
  let s = from < to ? texts[from]! : '';
  for (let i = from + 1; i < to; i++) s = s + ', ' + texts[i]!;
  return s;
}

/** The text of the arguments: all of them, the part printed at entry, or
 *  the part printed once the call returned. */
export function argsText(a: DecodedArgs, part: 'all' | 'entry' | 'exit'): string {
  // The usual case: a whole call.
  if (part === 'all' && a.deferredSeparator === undefined) return joined(a.texts, 0, a.texts.length);
  const entry = joined(a.texts, 0, a.split);
  const exit = joined(a.texts, a.split, a.texts.length);
  const sep = a.deferredSeparator ?? (a.split > 0 && a.split < a.texts.length ? ', ' : '');
  if (part === 'all') return entry + sep + exit;
  if (part === 'entry') return a.deferredSeparator === undefined ? entry + sep : entry;
  return a.deferredSeparator === undefined ? exit : sep + exit;
}

// Most values are small: the range checks spare BigInt.asIntN's generic path.
const i32 = (v: bigint): bigint => (v >= -0x80000000n && v <= 0x7fffffffn ? v : BigInt.asIntN(32, v));
const u32 = (v: bigint): bigint => (v >= 0n && v <= 0xffffffffn ? v : BigInt.asUintN(32, v));
const ptr = (v: bigint): string => (v === 0n ? 'NULL' : hex(v));
/** A BigInt in decimal, through a number when that is exact (much faster). */
const decimal = (v: bigint): string => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? String(n) : v.toString();
};

/** Kinds whose value is known only once the call returned. */
const EXIT_KINDS = new Set(['buf_out', 'sockopt_out', 'epoll_events_out', 'cwd_out', 'dirent_out', 'cpuset_out', 'sockaddr_out', 'socklen_ptr', 'wait_status',
  'fds_out', 'ioctl_arg', 'stat_out', 'statfs_out', 'statx_out', 'sigset_out', 'sigaction_out', 'stack_out', 'timespec_out',
  'timeval_out', 'itimerval_out', 'itimerspec_out', 'rlimit_out', 'rusage_out', 'tms_out', 'utsname_out', 'sysinfo_out',
  'iovec_out']);

function blobFor(call: Call, arg: number): Blob | undefined {
  // An exit copy describes the memory after the call: prefer it.
  let entry: Blob | undefined;
  for (const b of call.blobs) {
    if (b.arg !== arg) continue;
    if (b.exit) return b;
    entry ??= b;
  }
  return entry;
}

function fd(v: bigint, call: Call, o: DecodeOptions): string {
  const n = Number(i32(v));
  const p = n >= 0 && o.fdPath ? o.fdPath(call.pid, n) : undefined;
  return p === undefined ? String(n) : `${n}<${p}>`;
}

function named(v: bigint, t: FlagTable, o: DecodeOptions, unknown?: string): string {
  return o.raw ? hex(v) : enumName(v, t, unknown);
}
function bits(v: bigint, t: FlagTable, o: DecodeOptions, zero = '0'): string {
  if (o.raw) return v === 0n ? '0' : hex(v);
  return flags(v, t, zero);
}

function failed(call: Call): boolean {
  return call.result !== undefined && isError(call.result);
}

/** The blob a pointer argument is shown from, or what is shown instead:
 *  NULL, or the address when nothing (or nothing usable) was captured. */
function blobOrAddress(call: Call, i: number): Blob | string {
  const v = call.args[i] ?? 0n;
  const b = blobFor(call, i);
  if (v === 0n && !(call.synthetic && b)) return 'NULL';
  if (!b || b.fault || b.count) return hex(v);
  return b;
}

/** A pointer argument shown from its blob, or as blobOrAddress says. */
function withBlob(call: Call, i: number, show: (data: Buffer, blob: Blob) => string): string {
  const b = blobOrAddress(call, i);
  return typeof b === 'string' ? b : show(b.data, b);
}

/** A struct argument from its blob. */
function struct(call: Call, i: number, fmt: (b: Buffer) => string): string {
  const b = blobOrAddress(call, i);
  return typeof b === 'string' ? b : fmt(b.data);
}

/** A struct the call fills in: its address when the call failed. */
function outStruct(call: Call, i: number, fmt: (b: Buffer) => string): string {
  return failed(call) ? ptr(call.args[i] ?? 0n) : struct(call, i, fmt);
}

// Strings are quoted where their bytes are, without a Buffer of their own.
const C_STRING: QuoteOptions = { nulTerminated: true };

/** A C string argument (a path). */
function cString(call: Call, i: number): string {
  const b = blobOrAddress(call, i);
  return typeof b === 'string' ? b : quote(b.source, C_STRING, b.offset, b.offset + b.length);
}

/** A buffer argument: its first -s bytes. */
function buffer(call: Call, i: number, o: DecodeOptions, hexBytes = false): string {
  const b = blobOrAddress(call, i);
  if (typeof b === 'string') return b;
  const cut = b.length > o.stringLimit;
  const end = b.offset + (cut ? o.stringLimit : b.length);
  return quote(b.source, { truncated: cut || b.truncated, hex: hexBytes }, b.offset, end);
}

function argv(call: Call, i: number, o: DecodeOptions): string {
  return withBlob(call, i, (data, b) => {
    const items: string[] = [];
    let start = 0;
    for (let k = 0; k < data.length; k++) {
      if (data[k] !== 0) continue;
      items.push(data.subarray(start, k).toString('latin1'));
      start = k + 1;
    }
    const shown = items.map((s) => {
      const { bytes, cut } = limitBytes(Buffer.from(s, 'latin1'), o.stringLimit, false);
      return quote(bytes, { truncated: cut });
    });
    return `[${shown.join(', ')}${b.truncated ? ', ...' : ''}]`;
  });
}

function envp(call: Call, i: number): string {
  const v = call.args[i] ?? 0n;
  const b = blobFor(call, i);
  if (call.synthetic) return `/* ${b && b.data.length >= 8 ? b.data.readBigUInt64LE(0) : '?'} vars */`;
  if (v === 0n) return 'NULL';
  if (b && b.count && b.data.length >= 8) return `${hex(v)} /* ${b.data.readBigUInt64LE(0)} vars */`;
  return hex(v);
}

function socketType(v: bigint, o: DecodeOptions): string {
  if (o.raw) return hex(v);
  const type = enumName(v & 0xfn, C.socketTypes);
  const rest = flags(v & ~0xfn, C.socketTypeFlags, '');
  return rest ? `${type}|${rest}` : type;
}

function mmapFlagsText(v: bigint, o: DecodeOptions): string {
  if (o.raw) return hex(v);
  const type = enumName(v & 0xfn, C.mmapTypes, undefined, true);
  const rest = flags(v & ~0xfn, C.mmapFlags, '');
  return rest ? `${type}|${rest}` : type;
}

function cloneFlagsText(v: bigint, o: DecodeOptions): string {
  if (o.raw) return hex(v);
  const sig = Number(v & 0xffn);
  const rest = flags(v & ~0xffn, C.cloneFlags, '');
  const parts = [rest, sig ? signalName(sig) : ''].filter((s) => s !== '');
  return parts.length ? parts.join('|') : '0';
}

function futexOp(v: bigint, o: DecodeOptions): string {
  if (o.raw) return hex(v);
  const cmd = v & 0x7fn;
  let s = enumName(cmd, C.futexCmds);
  if (v & C.FUTEX_PRIVATE_FLAG) s += '_PRIVATE';
  if (v & C.FUTEX_CLOCK_REALTIME) s += '|FUTEX_CLOCK_REALTIME';
  const rest = v & ~(0x7fn | C.FUTEX_PRIVATE_FLAG | C.FUTEX_CLOCK_REALTIME);
  return rest ? `${s}|${hex(rest)}` : s;
}

/** How one argument is printed: from its value, the options, and the call
 *  (for its blobs, result and other arguments) with the argument's index. */
type ArgFormatter = (v: bigint, o: DecodeOptions, call: Call, i: number) => string;

/** Several kinds printed alike. */
function sameFormatter(kinds: string[], f: ArgFormatter): Array<[string, ArgFormatter]> {
  return kinds.map((k) => [k, f]);
}

/** The formatter of each argument kind (src/syscall/syscalls.json). Small
 *  functions rather than one switch: only the kinds in use get compiled. */
const FORMATTERS = new Map<string, ArgFormatter>([
  ['int', (v) => decimal(i32(v))],
  ['uint', (v) => decimal(u32(v))],
  ['size', (v) => decimal(BigInt.asUintN(64, v))],
  ['offset', (v) => decimal(v)],
  ['hex', (v) => v === 0n ? '0' : hex(v)],
  ...sameFormatter(['addr', 'ptr'], (v) => ptr(v)),
  ['pid', (v) => decimal(i32(v))],
  ...sameFormatter(['uid', 'gid'], (v) => u32(v) === 0xffffffffn ? '-1' : decimal(u32(v))),
  ['fd', (v, o, call) => fd(v, call, o)],
  ['dirfd', (v, o, call) => i32(v) === C.AT_FDCWD && !o.raw ? 'AT_FDCWD' : fd(v, call, o)],
  ['mode', (v, o) => S.fileMode(Number(u32(v)), o)],
  ['umask', (v) => S.octalMode(u32(v))],
  ['path', (_v, _o, call, i) => cString(call, i)],
  ['buf_in', (_v, o, call, i) => buffer(call, i, o)],
  ['buf_out', (v, o, call, i) => {
    if (failed(call)) return ptr(v);
    // Nothing was read, so nothing was captured: strace shows "".
    if (call.result === 0n && v !== 0n) return '""';
    return buffer(call, i, o, call.name === 'getrandom');
  }],
  ['cwd_out', (v, _o, call, i) => failed(call) ? ptr(v) : cString(call, i)],
  ['argv', (_v, o, call, i) => argv(call, i, o)],
  ['envp', (_v, _o, call, i) => envp(call, i)],
  ['open_flags', (v, o) => o.raw ? hex(v) : S.openFlagsText(u32(v))],
  ['fd_flags', (v, o) => bits(u32(v), C.openFlags, o)],
  ['access_mode', (v, o) => bits(v, C.accessModes, o, 'F_OK')],
  ['at_flags', (v, o) => bits(u32(v), C.atFlags, o)],
  ['faccessat_flags', (v, o) => bits(u32(v), C.faccessatFlags, o)],
  ['statx_flags', (v, o) => {
    if (o.raw) return v === 0n ? '0' : hex(v);
    const sync = enumName(u32(v) & 0x6000n, C.statxSyncTypes);
    const rest = flags(u32(v) & ~0x6000n, C.atFlags, '');
    return rest ? `${sync}|${rest}` : sync;
  }],
  ['mmap_prot', (v, o) => bits(v, C.mmapProt, o, 'PROT_NONE')],
  ['mmap_flags', (v, o) => mmapFlagsText(v, o)],
  ['signal', (v, o) => o.raw ? i32(v).toString() : signalName(Number(i32(v)))],
  ['sigprocmask_how', (v, o) => named(v, C.sigprocmaskHow, o)],
  ['clone_flags', (v, o) => cloneFlagsText(v, o)],
  ['fcntl_cmd', (v, o) => named(i32(v), C.fcntlCmds, o)],
  ['clockid', (v, o) => named(i32(v), C.clockIds, o)],
  ['whence', (v, o) => named(v, C.whence, o)],
  ['madvise_advice', (v, o) => named(v, C.madviseAdvice, o)],
  ['fadvise_advice', (v, o) => named(v, C.fadviseAdvice, o)],
  ['socket_domain', (v, o) => named(v, C.addressFamilies, o)],
  ['socket_type', (v, o) => socketType(u32(v), o)],
  ['sock_flags', (v, o) => bits(v, C.socketTypeFlags, o)],
  ['msg_flags', (v, o) => bits(u32(v), C.msgFlags, o)],
  ['shutdown_how', (v, o) => named(v, C.shutdownHow, o)],
  ['sockopt_level', (v, o) => named(i32(v), C.sockoptLevels, o)],
  ['ioctl_cmd', (v, o) => o.raw ? hex(v) : enumName(u32(v), C.ioctlCmds, undefined, true)],
  ['futex_op', (v, o) => futexOp(v, o)],
  ['prctl_option', (v, o) => named(v, C.prctlOptions, o, 'PR_???')],
  ['arch_prctl_code', (v, o) => o.raw ? hex(v) : enumName(v, C.archPrctlCodes, 'ARCH_???', true)],
  ['wait_options', (v, o) => bits(u32(v), C.waitOptions, o)],
  ['flock_op', (v, o) => bits(v, C.flockOps, o)],
  ['epoll_ctl_op', (v, o) => named(v, C.epollCtlOps, o)],
  ['rlimit_resource', (v, o) => named(v, C.rlimitResources, o)],
  ['rusage_who', (v, o) => named(i32(v), C.rusageWho, o)],
  ['itimer_which', (v, o) => named(v, C.itimerWhich, o)],
  ['prio_which', (v, o) => named(v, C.prioWhich, o)],
  ['sched_policy', (v, o) => named(v, C.schedPolicies, o)],
  ['timer_flags', (v, o) => bits(v, C.timerFlags, o)],
  ['epoll_flags', (v, o) => bits(v, C.epollCreateFlags, o)],
  ['efd_flags', (v, o) => bits(v, C.eventfdFlags, o)],
  ['tfd_flags', (v, o) => bits(v, C.timerfdFlags, o)],
  ['sfd_flags', (v, o) => bits(v, C.signalfdFlags, o)],
  ['memfd_flags', (v, o) => bits(v, C.memfdFlags, o)],
  ['getrandom_flags', (v, o) => bits(v, C.getrandomFlags, o)],
  ['mremap_flags', (v, o) => bits(v, C.mremapFlags, o)],
  ['msync_flags', (v, o) => bits(v, C.msyncFlags, o)],
  ['mlockall_flags', (v, o) => bits(v, C.mlockallFlags, o)],
  ['rename_flags', (v, o) => bits(v, C.renameFlags, o)],
  ['close_range_flags', (v, o) => bits(v, C.closeRangeFlags, o)],
  ['statx_mask', (v, o) => bits(u32(v), C.statxMask, o)],
  ['inotify_mask', (v, o) => bits(u32(v), C.inotifyMask, o)],
  ['ptrace_request', (v, o) => named(v, C.ptraceRequests, o)],
  ['waitid_idtype', (v, o) => named(v, C.waitidTypes, o)],
  ['stat_out', (v, o, call, i) => {
    if (failed(call)) return ptr(v);
    const b = blobOrAddress(call, i);
    return typeof b === 'string' ? b : S.formatStat(b.source, o, b.offset, b.length);
  }],
  ['statfs_out', (_v, o, call, i) => outStruct(call, i, (b) => S.formatStatfs(b, o))],
  ['statx_out', (_v, o, call, i) => outStruct(call, i, (b) => S.formatStatx(b, o))],
  ['sockaddr', (_v, o, call, i) => struct(call, i, (b) => S.formatSockaddr(b, o))],
  ['sockaddr_out', (_v, o, call, i) => outStruct(call, i, (b) => S.formatSockaddr(b, o))],
  ['socklen_ptr', (_v, _o, call, i) => socklen(call, i)],
  ['sockopt_in', (_v, _o, call, i) => struct(call, i, sockoptValue)],
  ['sockopt_out', (_v, _o, call, i) => outStruct(call, i, sockoptValue)],
  // The events a wait returned: none is `[]`; the array is not captured.
  ['epoll_events_out', (v, _o, call) => call.result === 0n && v !== 0n ? '[]' : ptr(v)],
  ['sigset_in', (_v, o, call, i) => struct(call, i, (b) => (b.length >= 8 ? (o.raw ? `[${hex(b.readBigUInt64LE(0))}]` : formatSigset(b.readBigUInt64LE(0))) : '[...]'))],
  ['sigset_out', (_v, _o, call, i) => outStruct(call, i, (b) => (b.length >= 8 ? formatSigset(b.readBigUInt64LE(0)) : '[...]'))],
  ['sigaction_in', (_v, o, call, i) => struct(call, i, (b) => S.formatSigaction(b, o))],
  ['sigaction_out', (_v, o, call, i) => outStruct(call, i, (b) => S.formatSigaction(b, o))],
  ['stack_in', (_v, _o, call, i) => struct(call, i, S.formatStack)],
  ['stack_out', (_v, _o, call, i) => outStruct(call, i, S.formatStack)],
  ...sameFormatter(['timespec_in', 'futex_timeout'], (_v, _o, call, i) => struct(call, i, (b) => S.formatTimespec(b))),
  ['timespec_out', (_v, _o, call, i) => outStruct(call, i, (b) => S.formatTimespec(b))],
  ['utimens_in', (_v, _o, call, i) => struct(call, i, S.formatUtimens)],
  ['timeval_in', (_v, _o, call, i) => struct(call, i, (b) => S.formatTimeval(b))],
  ['timeval_out', (_v, _o, call, i) => outStruct(call, i, (b) => S.formatTimeval(b))],
  ['itimerval_in', (_v, _o, call, i) => struct(call, i, S.formatItimerval)],
  ['itimerval_out', (_v, _o, call, i) => outStruct(call, i, S.formatItimerval)],
  ['itimerspec_in', (_v, _o, call, i) => struct(call, i, S.formatItimerspec)],
  ['itimerspec_out', (_v, _o, call, i) => outStruct(call, i, S.formatItimerspec)],
  ['rlimit_in', (_v, _o, call, i) => struct(call, i, S.formatRlimit)],
  ['rlimit_out', (_v, _o, call, i) => outStruct(call, i, S.formatRlimit)],
  ['rusage_out', (_v, o, call, i) => outStruct(call, i, (b) => S.formatRusage(b, o))],
  ['tms_out', (_v, _o, call, i) => outStruct(call, i, S.formatTms)],
  ['wait_status', (_v, o, call, i) => outStruct(call, i, (b) => S.formatWaitStatus(b, o))],
  ['utsname_out', (_v, o, call, i) => outStruct(call, i, (b) => S.formatUtsname(b, o))],
  ['sysinfo_out', (_v, _o, call, i) => outStruct(call, i, S.formatSysinfo)],
  ['fds_out', (_v, o, call, i) => {
    if (!o.fdPath) return outStruct(call, i, S.formatIntPair);
    // -y: what pipe/socketpair made, from the inodes the capture added.
    const names = pairNames(call);
    return outStruct(call, i, (b) => (b.length < 8 ? '[?]' : `[${b.readInt32LE(0)}<${names[0]}>, ${b.readInt32LE(4)}<${names[1]}>]`));
  }],
  ['pollfd_in', (_v, o, call, i) =>
    struct(call, i, (b) => S.formatPollfds(b, Number(u32(call.args[i + 1] ?? 0n)), arrayLimit(o), o, (n) => fd(BigInt(n), call, o)))],
  ['timespec_inout', (v, _o, call, i) => {
    // The timeout as given: the exit copy holds the time left.
    const b = call.blobs.find((x) => x.arg === i && !x.exit);
    return v === 0n ? 'NULL' : !b || b.fault ? hex(v) : S.formatTimespec(b.data);
  }],
  ['iovec_in', (_v, o, call, i) => iovecs(call, i, o, false)],
  ['iovec_out', (_v, o, call, i) => iovecs(call, i, o, true)],
  ['epoll_event_in', (_v, o, call, i) => struct(call, i, (b) => S.formatEpollEvent(b, o))],
  ['clone_args_in', (_v, o, call, i) => struct(call, i, (b) => S.formatCloneArgs(b, o))],
  ['open_how_in', (_v, o, call, i) => struct(call, i, (b) => S.formatOpenHow(b, o))],
  ['cpuset_in', (_v, _o, call, i) => struct(call, i, S.formatCpuset)],
  ['cpuset_out', (_v, _o, call, i) => outStruct(call, i, S.formatCpuset)],
  ['dirent_out', (v, o, call, i) => failed(call) ? ptr(v) : dirents(call, i, o)],
  ['ioctl_arg', (_v, o, call, i) => ioctlArg(call, i, o)],
  ['fcntl_arg', (_v, o, call) => fcntlArg(call, o)],
]);

const hexFormatter: ArgFormatter = (v) => hex(v);

function formatterOf(kind: string): ArgFormatter {
  return FORMATTERS.get(kind) ?? hexFormatter;
}

/** One argument of a given kind. */
export function formatArg(kind: string, i: number, call: Call, o: DecodeOptions): string {
  return formatterOf(kind)(call.args[i] ?? 0n, o, call, i);
}

/** How many elements of an array strace shows: -s of them, unless -v. */
function arrayLimit(o: DecodeOptions): number {
  return o.verbose ? Infinity : o.stringLimit;
}

/** readv/writev's iovecs with what they point to; a readv's strings are
 *  what it read, up to its result. */
function iovecs(call: Call, i: number, o: DecodeOptions, out: boolean): string {
  const count = Number(i32(call.args[i + 1] ?? 0n));
  return withBlob(call, i, (data, b) => {
    if (!b.iovec) return S.formatIovec(data, count);
    const total = out ? (failed(call) || call.result === undefined ? 0n : call.result) : undefined;
    return S.formatIovecs(S.iovElements(data), count, arrayLimit(o), o.stringLimit, total, out && failed(call),
      (bytes, cut) => quote(bytes, { truncated: cut }));
  });
}

/** poll's result note: the revents set, and ppoll's time left. */
function pollNote(call: Call, o: DecodeOptions): string {
  const so: S.StructOptions = o;
  const fds = call.blobs.find((b) => b.arg === 0 && b.exit && !b.fault);
  let note = fds ? S.formatRevents(fds.data, Number(u32(call.args[1] ?? 0n)), arrayLimit(o), so) : '';
  const left = call.name === 'ppoll' ? call.blobs.find((b) => b.arg === 2 && b.exit && !b.fault && b.data.length >= 16) : undefined;
  if (left) note += `${note ? ', ' : ''}left ${S.formatTimespec(left.data)}`;
  return note;
}

/** A socket option's value: an int as `[1]`, anything else as bytes. */
function sockoptValue(b: Buffer): string {
  return b.length === 4 ? `[${b.readInt32LE(0)}]` : quote(b);
}

/** socklen_t in, and out when the sockaddr blob shows what the kernel wrote. */
function socklen(call: Call, i: number): string {
  const v = call.args[i] ?? 0n;
  if (v === 0n) return 'NULL';
  const b = blobFor(call, i);
  if (!b || b.data.length < 4) return hex(v);
  const before = b.data.readUInt32LE(0);
  const addr = blobFor(call, i - 1);
  if (!failed(call) && addr && !addr.fault && addr.data.length !== before) return `[${before} => ${addr.data.length}]`;
  return `[${before}]`;
}

function dirents(call: Call, i: number, o: DecodeOptions): string {
  const v = call.args[i] ?? 0n;
  if (call.result === 0n) return `${hex(v)} /* 0 entries */`;
  const b = blobFor(call, i);
  if (!b || b.fault || b.truncated) return hex(v);
  const entries = S.direntEntries(b.data, call.name === 'getdents64');
  if (!entries) return hex(v);
  if (o.verbose) return `[${entries.join(', ')}]`;
  return `${hex(v)} /* ${entries.length} entries */`;
}

function ioctlArg(call: Call, i: number, o: DecodeOptions): string {
  const v = call.args[i] ?? 0n;
  const cmd = u32(call.args[1] ?? 0n);
  if (failed(call)) return ptr(v);
  const so: S.StructOptions = o;
  switch (cmd) {
    case 0x5401n: return withBlob(call, i, (b) => S.formatTermios(b, so));
    case 0x5413n: return withBlob(call, i, S.formatWinsize);
    case 0x541bn:
    case 0x540fn: return withBlob(call, i, (b) => (b.length >= 4 ? `[${b.readInt32LE(0)}]` : hex(v)));
    default: return ptr(v);
  }
}

function fcntlArg(call: Call, o: DecodeOptions): string {
  const cmd = i32(call.args[1] ?? 0n);
  const v = call.args[2] ?? 0n;
  switch (cmd) {
    case 2n: return bits(v, C.fdFlags, o);
    case 4n: return o.raw ? hex(v) : S.openFlagsText(u32(v));
    case 0n:
    case 1030n: return fd(v, call, o);
    default: return o.raw ? hex(v) : i32(v).toString();
  }
}

const argAt = (call: Call, i: number): bigint => call.args[i] ?? 0n;

/** Futex commands whose fourth argument is a timeout. */
const FUTEX_TIMEOUT_CMDS = new Set([0n, 6n, 9n, 11n, 13n]);

/** How many leading arguments strace shows for this call. */
function shownArgCount(call: Call, kinds: string[]): number {
  switch (call.name) {
    case 'open':
    case 'openat': {
      const flagsAt = call.name === 'open' ? 1 : 2;
      // O_TMPFILE includes O_DIRECTORY's bit: only the whole of it takes a mode.
      const f = argAt(call, flagsAt);
      return f & C.O_CREAT || (f & C.O_TMPFILE) === C.O_TMPFILE ? kinds.length : kinds.length - 1;
    }
    case 'fcntl': {
      const cmd = i32(argAt(call, 1));
      return [1n, 3n, 9n, 11n, 1025n, 1032n, 1034n].includes(cmd) ? 2 : 3;
    }
    case 'futex': {
      const cmd = argAt(call, 1) & 0x7fn;
      if (cmd === 1n || cmd === 7n || cmd === 8n) return 3; // WAKE, UNLOCK_PI, TRYLOCK_PI
      if (cmd === 0n || cmd === 6n || cmd === 13n) return 4; // WAIT, LOCK_PI, LOCK_PI2
      if (cmd === 3n) return 5; // REQUEUE: no val3
      return 6; // the bitset variants stop at the bitset (decodeArgs)
    }
    case 'prctl': return 5;
    case 'ioctl': {
      // Requests without an argument.
      const req = u32(argAt(call, 1));
      return req === 0x5450n || req === 0x5451n || req === 0x5422n ? 2 : 3;
    }
    default: return kinds.length;
  }
}

/** What decoding needs of a call, worked out once per syscall: its argument
 *  kinds, each argument's formatter, and where the exit part starts (the
 *  number of arguments when it has none). */
interface Plan {
  kinds: string[];
  formatters: ArgFormatter[];
  exitStart: number;
  /** An argument is printed according to another one (decodeArgs). */
  dependent: boolean;
}
const syscallPlans = new Map<string, Plan>();
const vdsoPlans = new Map<string, Plan>();

function planOf(call: Call): Plan {
  const plans = call.vdso ? vdsoPlans : syscallPlans;
  let plan = plans.get(call.name);
  if (!plan) {
    const kinds = kindsOf(call.name, call.vdso);
    const exitStart = kinds.findIndex((kind) => EXIT_KINDS.has(kind));
    plan = {
      kinds,
      formatters: kinds.map(formatterOf),
      exitStart: exitStart < 0 ? kinds.length : exitStart,
      dependent: DEPENDENT_ARGS.has(call.name),
    };
    plans.set(call.name, plan);
  }
  return plan;
}

/** What a call without arguments decodes to (shared: never modified). */
const NO_ARGS: DecodedArgs = { texts: [], split: 0 };

/** Calls with an argument printed according to another one (decodeArgs). */
const DEPENDENT_ARGS = new Set(['futex', 'socket', 'setsockopt', 'getsockopt']);

/** The arguments of a call as strace shows them. */
export function decodeArgs(call: Call, o: DecodeOptions): DecodedArgs {
  if (call.name === 'clone' && !o.raw) return decodeClone(call, o);
  if (call.name === 'rt_sigreturn') return decodeSigreturn(call, o);
  if (call.name === 'clone3') return decodeClone3(call, o);
  const plan = planOf(call);
  const kinds = plan.kinds;
  const n = Math.min(shownArgCount(call, kinds), kinds.length);
  if (!plan.dependent) {
    if (n === 0) return NO_ARGS;
    // The usual case: one text per argument, in a list made at its size.
    const texts: string[] = new Array(n);
    for (let i = 0; i < n; i++) texts[i] = plan.formatters[i]!(call.args[i] ?? 0n, o, call, i);
    return { texts, split: Math.min(plan.exitStart, n) };
  }
  const texts: string[] = [];
  const futexCmd = (call.args[1] ?? 0n) & 0x7fn;
  for (let i = 0; i < n; i++) {
    if (call.name === 'futex' && i === 4 && (futexCmd === 9n || futexCmd === 10n)) {
      // The bitset variants take no second address: strace shows the bitset.
      const bitset = u32(call.args[5] ?? 0n);
      texts.push(bitset === 0xffffffffn ? 'FUTEX_BITSET_MATCH_ANY' : hex(bitset));
      break;
    }
    if (call.name === 'futex' && i === 3 && !FUTEX_TIMEOUT_CMDS.has(futexCmd)) {
      // Not a timeout for this command but a number (val2).
      texts.push(u32(call.args[3] ?? 0n).toString());
      continue;
    }
    if (call.name === 'socket' && i === 2) {
      texts.push(socketProtocol(call.args[0] ?? 0n, call.args[2] ?? 0n, o));
      continue;
    }
    if ((call.name === 'setsockopt' || call.name === 'getsockopt') && i === 2 && i32(call.args[1] ?? 0n) === 1n && !o.raw) {
      texts.push(enumName(i32(call.args[2] ?? 0n), C.socketOptions));
      continue;
    }
    texts.push(formatArg(kinds[i]!, i, call, o));
  }
  return { texts, split: Math.min(plan.exitStart, texts.length) };
}

/** rt_sigreturn shows the mask it restores (from the signal frame the
 *  capture copied); a capture without it shows nothing, as before. */
function decodeSigreturn(call: Call, o: DecodeOptions): DecodedArgs {
  const b = blobFor(call, 0);
  if (!b || b.fault || b.data.length < 16) return { texts: [], split: 0 };
  const mask = b.data.readBigUInt64LE(0);
  return { texts: [`{mask=${o.raw ? `[${hex(mask)}]` : formatSigset(mask)}}`], split: 1 };
}

/** What rt_sigreturn restores as its result: the frame's rax. */
export function sigreturnResult(call: Call): bigint | undefined {
  const b = blobFor(call, 0);
  return b && !b.fault && b.data.length >= 16 ? b.data.readBigInt64LE(8) : undefined;
}

function socketProtocol(domain: bigint, proto: bigint, o: DecodeOptions): string {
  if (o.raw) return i32(proto).toString();
  if (domain === 2n || domain === 10n) return enumName(proto, C.ipProtocols);
  if (domain === 16n) return enumName(proto, C.netlinkProtocols);
  return i32(proto).toString();
}

/** clone(2) as strace prints it on x86-64: named arguments, the child's tid
 *  pointer only once the call returned. */
function decodeClone(call: Call, o: DecodeOptions): DecodedArgs {
  const f = call.args[0] ?? 0n;
  const entry = [`child_stack=${ptr(call.args[1] ?? 0n)}`, `flags=${cloneFlagsText(f, o)}`];
  if (f & 0x100000n) entry.push(`parent_tid=${ptr(call.args[2] ?? 0n)}`);
  const exit: string[] = [];
  if (f & 0x1200000n) exit.push(`child_tidptr=${ptr(call.args[3] ?? 0n)}`);
  if (f & 0x80000n) exit.push(`tls=${ptr(call.args[4] ?? 0n)}`);
  const texts = [...entry, ...exit];
  return exit.length ? { texts, split: entry.length, deferredSeparator: ', ' } : { texts, split: entry.length };
}

/** clone3(2): with CLONE_PARENT_SETTID the kernel stores the child's tid
 *  (the result) at parent_tid, which strace shows once the call returned. */
function decodeClone3(call: Call, o: DecodeOptions): DecodedArgs {
  const args = [formatArg('clone_args_in', 0, call, o), formatArg('size', 1, call, o)];
  const b = blobFor(call, 0);
  const flagsValue = b && !b.fault && b.data.length >= 8 ? b.data.readBigUInt64LE(0) : 0n;
  if (!(flagsValue & 0x100000n) || o.raw) return { texts: args, split: args.length };
  const r = call.result;
  const stored = r !== undefined && !call.noReturn && r > 0n ? ` => {parent_tid=[${r}]}` : '';
  return { texts: args, split: 1, deferredSeparator: `${stored}, ` };
}

const ERESTARTSYS = 512, ERESTARTNOHAND = 514, ERESTART_RESTARTBLOCK = 516, EINTR = 4;

/** Calls that get EINTR only from a restart code (for pipes and terminals:
 *  a socket with SO_RCVTIMEO/SO_SNDTIMEO gets EINTR itself). */
const RESTARTABLE = new Set(['read', 'write', 'readv', 'writev', 'pread64', 'pwrite64', 'preadv', 'pwritev', 'preadv2',
  'pwritev2', 'wait4', 'waitid', 'flock', 'nanosleep', 'clock_nanosleep', 'poll', 'ppoll', 'select', 'pselect6', 'pause',
  'rt_sigsuspend', 'futex']);

/** The kernel's code for a call a signal handler interrupted, as strace
 *  sees it at the call's exit (the program sees EINTR or a restart). */
export function interruptedErrno(call: Call): number {
  const a = (i: number): bigint => call.args[i] ?? 0n;
  switch (call.name) {
    case 'pause':
    case 'rt_sigsuspend':
    case 'select':
    case 'pselect6':
    case 'ppoll':
      return ERESTARTNOHAND;
    case 'poll':
      return i32(a(2)) < 0n ? ERESTARTNOHAND : ERESTART_RESTARTBLOCK;
    case 'nanosleep':
      return ERESTART_RESTARTBLOCK;
    case 'clock_nanosleep':
      return a(1) & 1n ? ERESTARTNOHAND : ERESTART_RESTARTBLOCK; // TIMER_ABSTIME
    case 'futex': {
      const cmd = a(1) & 0x7fn;
      return (cmd === 0n || cmd === 9n) && a(3) !== 0n ? ERESTART_RESTARTBLOCK : ERESTARTSYS;
    }
    default:
      return ERESTARTSYS;
  }
}

/** The result after ` = `: a number, an address, or `-1 ENOENT (...)`. */
export function formatResult(call: Call, o: DecodeOptions): string {
  if (call.noReturn || call.result === undefined) return '?';
  const r = call.result;
  if (isError(r)) {
    let e = Number(-r);
    // The kernel returns a restart code to a call a handler interrupts;
    // EINTR is what the program gets once the handler returned, and what
    // trapline sees. strace shows the former.
    const futexWait = call.name !== 'futex' || [0n, 9n].includes((call.args[1] ?? 0n) & 0x7fn);
    if (e === EINTR && RESTARTABLE.has(call.name) && futexWait) e = interruptedErrno(call);
    // strace shows the kernel's internal restart codes without `-1`.
    return e >= 512 && e <= 516 ? `? ${describeErrno(e)}` : `-1 ${describeErrno(e)}`;
  }
  switch (call.name) {
    case 'poll':
    case 'ppoll': {
      if (r === 0n) return '0 (Timeout)';
      const note = pollNote(call, o);
      return note ? `${r} (${note})` : r.toString();
    }
    case 'select':
    case 'pselect6':
      return r === 0n ? '0 (Timeout)' : r.toString();
    case 'mmap':
    case 'mremap':
    case 'brk':
    case 'shmat':
      return hex(r);
    case 'umask':
      return S.octalMode(r);
    case 'fcntl': {
      const cmd = i32(call.args[1] ?? 0n);
      // strace's %#lx: 0 has no 0x.
      const h = r === 0n ? '0' : hex(r);
      if (cmd === 3n && !o.raw) return `${h} (flags ${S.openFlagsText(r)})`;
      if (cmd === 1n && !o.raw) return r === 0n ? '0' : `${h} (flags ${flags(r, C.fdFlags)})`;
      if (cmd === 0n || cmd === 1030n) return resultFd(r, call, o);
      return r.toString();
    }
  }
  if (returnsFd(call.name)) return resultFd(r, call, o);
  return decimal(r);
}

function resultFd(r: bigint, call: Call, o: DecodeOptions): string {
  const p = o.resultFdPath?.(call);
  return p === undefined ? r.toString() : `${r}<${p}>`;
}

const FD_RESULTS = new Set(['open', 'openat', 'openat2', 'creat', 'dup', 'dup2', 'dup3', 'socket', 'accept', 'accept4',
  'epoll_create', 'epoll_create1', 'eventfd', 'eventfd2', 'memfd_create', 'signalfd', 'signalfd4', 'timerfd_create',
  'inotify_init', 'inotify_init1', 'pidfd_open', 'userfaultfd', 'perf_event_open', 'fanotify_init', 'open_by_handle_at']);
export function returnsFd(name: string): boolean {
  return FD_RESULTS.has(name);
}
