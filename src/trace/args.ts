// Decoding one call's arguments and result into strace's text, by argument
// kind (src/syscall/syscalls.json), with the few calls whose printing
// depends on another argument (open's mode, fcntl, futex, ioctl, clone).
import type { Call } from './calls.js';
import * as C from './constants.js';
import { describeErrno, isError } from './errno.js';
import { pairNames } from './fd-paths.js';
import { enumName, flags, hex, type FlagTable } from './flags.js';
import { formatSigset, signalName } from './signals.js';
import { limitBytes, quote } from './strings.js';
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
 *  interrupted: `entry` is printed at entry, `exit` once it returned. */
export interface DecodedArgs {
  entry: string[];
  exit: string[];
  /** Where strace prints the text between the two parts only once the call
   *  returned (clone's `, child_tidptr=`, clone3's ` => {parent_tid=[N]}, `);
   *  otherwise the `, ` after the entry part is printed at entry. */
  deferredSeparator?: string;
}

/** The text of the arguments: all of them, the part printed at entry, or
 *  the part printed once the call returned. */
export function argsText(a: DecodedArgs, part: 'all' | 'entry' | 'exit'): string {
  const entry = a.entry.join(', ');
  const exit = a.exit.join(', ');
  const sep = a.deferredSeparator ?? (a.entry.length && a.exit.length ? ', ' : '');
  if (part === 'all') return entry + sep + exit;
  if (part === 'entry') return a.deferredSeparator === undefined ? entry + sep : entry;
  return a.deferredSeparator === undefined ? exit : sep + exit;
}

const i32 = (v: bigint): bigint => BigInt.asIntN(32, v);
const u32 = (v: bigint): bigint => BigInt.asUintN(32, v);
const ptr = (v: bigint): string => (v === 0n ? 'NULL' : hex(v));

/** Kinds whose value is known only once the call returned. */
const EXIT_KINDS = new Set(['buf_out', 'sockopt_out', 'epoll_events_out', 'cwd_out', 'dirent_out', 'cpuset_out', 'sockaddr_out', 'socklen_ptr', 'wait_status',
  'fds_out', 'ioctl_arg', 'stat_out', 'statfs_out', 'statx_out', 'sigset_out', 'sigaction_out', 'stack_out', 'timespec_out',
  'timeval_out', 'itimerval_out', 'itimerspec_out', 'rlimit_out', 'rusage_out', 'tms_out', 'utsname_out', 'sysinfo_out',
  'iovec_out']);

function blobFor(call: Call, arg: number): Blob | undefined {
  // An exit copy describes the memory after the call: prefer it.
  return call.blobs.find((b) => b.arg === arg && b.exit) ?? call.blobs.find((b) => b.arg === arg);
}

function fd(v: bigint, call: Call, o: DecodeOptions): string {
  const n = Number(i32(v));
  const p = n >= 0 ? o.fdPath?.(call.pid, n) : undefined;
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

/** A pointer argument shown from its blob, or as an address when nothing
 *  (or nothing usable) was captured. */
function withBlob(call: Call, i: number, show: (data: Buffer, blob: Blob) => string): string {
  const v = call.args[i] ?? 0n;
  const b = blobFor(call, i);
  if (v === 0n && !(call.synthetic && b)) return 'NULL';
  if (!b || b.fault || b.count) return hex(v);
  return show(b.data, b);
}

function buffer(call: Call, i: number, o: DecodeOptions, hexBytes = false): string {
  return withBlob(call, i, (data, b) => {
    const { bytes, cut } = limitBytes(data, o.stringLimit, b.truncated);
    return quote(bytes, { truncated: cut, hex: hexBytes });
  });
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

/** One argument of a given kind. */
export function formatArg(kind: string, i: number, call: Call, o: DecodeOptions): string {
  const v = call.args[i] ?? 0n;
  const so: S.StructOptions = { verbose: o.verbose, raw: o.raw };
  const struct = (fmt: (b: Buffer) => string): string => withBlob(call, i, (d) => fmt(d));
  const outStruct = (fmt: (b: Buffer) => string): string => (failed(call) ? ptr(v) : struct(fmt));
  switch (kind) {
    case 'int': return i32(v).toString();
    case 'uint': return u32(v).toString();
    case 'size': return BigInt.asUintN(64, v).toString();
    case 'offset': return v.toString();
    case 'hex': return v === 0n ? '0' : hex(v);
    case 'addr':
    case 'ptr': return ptr(v);
    case 'pid': return i32(v).toString();
    case 'uid':
    case 'gid': return u32(v) === 0xffffffffn ? '-1' : u32(v).toString();
    case 'fd': return fd(v, call, o);
    case 'dirfd': return i32(v) === C.AT_FDCWD && !o.raw ? 'AT_FDCWD' : fd(v, call, o);
    case 'mode': return S.fileMode(u32(v), so);
    case 'umask': return S.octalMode(u32(v));
    case 'path': return withBlob(call, i, (d) => quote(d, { nulTerminated: true }));
    case 'buf_in': return buffer(call, i, o);
    case 'buf_out':
      if (failed(call)) return ptr(v);
      // Nothing was read, so nothing was captured: strace shows "".
      if (call.result === 0n && v !== 0n) return '""';
      return buffer(call, i, o, call.name === 'getrandom');
    case 'cwd_out': return failed(call) ? ptr(v) : withBlob(call, i, (d) => quote(d, { nulTerminated: true }));
    case 'argv': return argv(call, i, o);
    case 'envp': return envp(call, i);
    case 'open_flags': return o.raw ? hex(v) : S.openFlagsText(u32(v));
    case 'fd_flags': return bits(u32(v), C.openFlags, o);
    case 'access_mode': return bits(v, C.accessModes, o, 'F_OK');
    case 'at_flags': return bits(u32(v), C.atFlags, o);
    case 'faccessat_flags': return bits(u32(v), C.faccessatFlags, o);
    case 'statx_flags': {
      if (o.raw) return v === 0n ? '0' : hex(v);
      const sync = enumName(u32(v) & 0x6000n, C.statxSyncTypes);
      const rest = flags(u32(v) & ~0x6000n, C.atFlags, '');
      return rest ? `${sync}|${rest}` : sync;
    }
    case 'mmap_prot': return bits(v, C.mmapProt, o, 'PROT_NONE');
    case 'mmap_flags': return mmapFlagsText(v, o);
    case 'signal': return o.raw ? i32(v).toString() : signalName(Number(i32(v)));
    case 'sigprocmask_how': return named(v, C.sigprocmaskHow, o);
    case 'clone_flags': return cloneFlagsText(v, o);
    case 'fcntl_cmd': return named(i32(v), C.fcntlCmds, o);
    case 'clockid': return named(i32(v), C.clockIds, o);
    case 'whence': return named(v, C.whence, o);
    case 'madvise_advice': return named(v, C.madviseAdvice, o);
    case 'fadvise_advice': return named(v, C.fadviseAdvice, o);
    case 'socket_domain': return named(v, C.addressFamilies, o);
    case 'socket_type': return socketType(u32(v), o);
    case 'sock_flags': return bits(v, C.socketTypeFlags, o);
    case 'msg_flags': return bits(u32(v), C.msgFlags, o);
    case 'shutdown_how': return named(v, C.shutdownHow, o);
    case 'sockopt_level': return named(i32(v), C.sockoptLevels, o);
    case 'ioctl_cmd': return o.raw ? hex(v) : enumName(u32(v), C.ioctlCmds, undefined, true);
    case 'futex_op': return futexOp(v, o);
    case 'prctl_option': return named(v, C.prctlOptions, o, 'PR_???');
    case 'arch_prctl_code': return o.raw ? hex(v) : enumName(v, C.archPrctlCodes, 'ARCH_???', true);
    case 'wait_options': return bits(u32(v), C.waitOptions, o);
    case 'flock_op': return bits(v, C.flockOps, o);
    case 'epoll_ctl_op': return named(v, C.epollCtlOps, o);
    case 'rlimit_resource': return named(v, C.rlimitResources, o);
    case 'rusage_who': return named(i32(v), C.rusageWho, o);
    case 'itimer_which': return named(v, C.itimerWhich, o);
    case 'prio_which': return named(v, C.prioWhich, o);
    case 'sched_policy': return named(v, C.schedPolicies, o);
    case 'timer_flags': return bits(v, C.timerFlags, o);
    case 'epoll_flags': return bits(v, C.epollCreateFlags, o);
    case 'efd_flags': return bits(v, C.eventfdFlags, o);
    case 'tfd_flags': return bits(v, C.timerfdFlags, o);
    case 'sfd_flags': return bits(v, C.signalfdFlags, o);
    case 'memfd_flags': return bits(v, C.memfdFlags, o);
    case 'getrandom_flags': return bits(v, C.getrandomFlags, o);
    case 'mremap_flags': return bits(v, C.mremapFlags, o);
    case 'msync_flags': return bits(v, C.msyncFlags, o);
    case 'mlockall_flags': return bits(v, C.mlockallFlags, o);
    case 'rename_flags': return bits(v, C.renameFlags, o);
    case 'close_range_flags': return bits(v, C.closeRangeFlags, o);
    case 'statx_mask': return bits(u32(v), C.statxMask, o);
    case 'inotify_mask': return bits(u32(v), C.inotifyMask, o);
    case 'ptrace_request': return named(v, C.ptraceRequests, o);
    case 'waitid_idtype': return named(v, C.waitidTypes, o);
    case 'stat_out': return outStruct((b) => S.formatStat(b, so));
    case 'statfs_out': return outStruct((b) => S.formatStatfs(b, so));
    case 'statx_out': return outStruct((b) => S.formatStatx(b, so));
    case 'sockaddr': return struct((b) => S.formatSockaddr(b, so));
    case 'sockaddr_out': return outStruct((b) => S.formatSockaddr(b, so));
    case 'socklen_ptr': return socklen(call, i);
    case 'sockopt_in': return struct(sockoptValue);
    case 'sockopt_out': return outStruct(sockoptValue);
    // The events a wait returned: none is `[]`; the array is not captured.
    case 'epoll_events_out': return call.result === 0n && v !== 0n ? '[]' : ptr(v);
    case 'sigset_in': return struct((b) => (b.length >= 8 ? (o.raw ? `[${hex(b.readBigUInt64LE(0))}]` : formatSigset(b.readBigUInt64LE(0))) : '[...]'));
    case 'sigset_out': return outStruct((b) => (b.length >= 8 ? formatSigset(b.readBigUInt64LE(0)) : '[...]'));
    case 'sigaction_in': return struct((b) => S.formatSigaction(b, so));
    case 'sigaction_out': return outStruct((b) => S.formatSigaction(b, so));
    case 'stack_in': return struct(S.formatStack);
    case 'stack_out': return outStruct(S.formatStack);
    case 'timespec_in':
    case 'futex_timeout': return struct((b) => S.formatTimespec(b));
    case 'timespec_out': return outStruct((b) => S.formatTimespec(b));
    case 'utimens_in': return struct(S.formatUtimens);
    case 'timeval_in': return struct((b) => S.formatTimeval(b));
    case 'timeval_out': return outStruct((b) => S.formatTimeval(b));
    case 'itimerval_in': return struct(S.formatItimerval);
    case 'itimerval_out': return outStruct(S.formatItimerval);
    case 'itimerspec_in': return struct(S.formatItimerspec);
    case 'itimerspec_out': return outStruct(S.formatItimerspec);
    case 'rlimit_in': return struct(S.formatRlimit);
    case 'rlimit_out': return outStruct(S.formatRlimit);
    case 'rusage_out': return outStruct((b) => S.formatRusage(b, so));
    case 'tms_out': return outStruct(S.formatTms);
    case 'wait_status': return outStruct((b) => S.formatWaitStatus(b, so));
    case 'utsname_out': return outStruct((b) => S.formatUtsname(b, so));
    case 'sysinfo_out': return outStruct(S.formatSysinfo);
    case 'fds_out': {
      if (!o.fdPath) return outStruct(S.formatIntPair);
      const names = pairNames(call);
      return outStruct((b) => (b.length < 8 ? '[?]' : `[${b.readInt32LE(0)}<${names[0]}>, ${b.readInt32LE(4)}<${names[1]}>]`));
    }
    case 'pollfd_in': return struct((b) => S.formatPollfds(b, Number(u32(call.args[i + 1] ?? 0n)), arrayLimit(o), so, (n) => fd(BigInt(n), call, o)));
    case 'timespec_inout': {
      // The timeout as given: the exit copy holds the time left.
      const b = call.blobs.find((x) => x.arg === i && !x.exit);
      return v === 0n ? 'NULL' : !b || b.fault ? hex(v) : S.formatTimespec(b.data);
    }
    case 'iovec_in':
    case 'iovec_out': return iovecs(call, i, o, kind === 'iovec_out');
    case 'epoll_event_in': return struct((b) => S.formatEpollEvent(b, so));
    case 'clone_args_in': return struct((b) => S.formatCloneArgs(b, so));
    case 'open_how_in': return struct((b) => S.formatOpenHow(b, so));
    case 'cpuset_in': return struct(S.formatCpuset);
    case 'cpuset_out': return outStruct(S.formatCpuset);
    case 'dirent_out': return failed(call) ? ptr(v) : dirents(call, i, o);
    case 'ioctl_arg': return ioctlArg(call, i, o);
    case 'fcntl_arg': return fcntlArg(call, o);
    default: return hex(v);
  }
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
  const so: S.StructOptions = { verbose: o.verbose, raw: o.raw };
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
  const so: S.StructOptions = { verbose: o.verbose, raw: o.raw };
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

/** Futex commands whose fourth argument is a timeout. */
const FUTEX_TIMEOUT_CMDS = new Set([0n, 6n, 9n, 11n, 13n]);

/** How many leading arguments strace shows for this call. */
function shownArgCount(call: Call, kinds: string[]): number {
  const a = (i: number): bigint => call.args[i] ?? 0n;
  switch (call.name) {
    case 'open':
    case 'openat': {
      const flagsAt = call.name === 'open' ? 1 : 2;
      // O_TMPFILE includes O_DIRECTORY's bit: only the whole of it takes a mode.
      const f = a(flagsAt);
      return f & C.O_CREAT || (f & C.O_TMPFILE) === C.O_TMPFILE ? kinds.length : kinds.length - 1;
    }
    case 'fcntl': {
      const cmd = i32(a(1));
      return [1n, 3n, 9n, 11n, 1025n, 1032n, 1034n].includes(cmd) ? 2 : 3;
    }
    case 'futex': {
      const cmd = a(1) & 0x7fn;
      if (cmd === 1n || cmd === 7n || cmd === 8n) return 3; // WAKE, UNLOCK_PI, TRYLOCK_PI
      if (cmd === 0n || cmd === 6n || cmd === 13n) return 4; // WAIT, LOCK_PI, LOCK_PI2
      if (cmd === 3n) return 5; // REQUEUE: no val3
      return 6; // the bitset variants stop at the bitset (decodeArgs)
    }
    case 'prctl': return 5;
    case 'ioctl': {
      // Requests without an argument.
      const req = u32(a(1));
      return req === 0x5450n || req === 0x5451n || req === 0x5422n ? 2 : 3;
    }
    default: return kinds.length;
  }
}

/** The arguments of a call as strace shows them. */
export function decodeArgs(call: Call, o: DecodeOptions): DecodedArgs {
  const kinds = kindsOf(call.name, call.vdso);
  if (call.name === 'clone' && !o.raw) return decodeClone(call, o);
  if (call.name === 'rt_sigreturn') return decodeSigreturn(call, o);
  if (call.name === 'clone3') return decodeClone3(call, o);
  const n = Math.min(shownArgCount(call, kinds), kinds.length);
  const texts: string[] = [];
  for (let i = 0; i < n; i++) {
    const futexCmd = (call.args[1] ?? 0n) & 0x7fn;
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
  let split = kinds.slice(0, n).findIndex((k) => EXIT_KINDS.has(k));
  if (split < 0) split = texts.length;
  return { entry: texts.slice(0, split), exit: texts.slice(split) };
}

/** rt_sigreturn shows the mask it restores (from the signal frame the
 *  capture copied); a capture without it shows nothing, as before. */
function decodeSigreturn(call: Call, o: DecodeOptions): DecodedArgs {
  const b = blobFor(call, 0);
  if (!b || b.fault || b.data.length < 16) return { entry: [], exit: [] };
  const mask = b.data.readBigUInt64LE(0);
  return { entry: [`{mask=${o.raw ? `[${hex(mask)}]` : formatSigset(mask)}}`], exit: [] };
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
  return exit.length ? { entry, exit, deferredSeparator: ', ' } : { entry, exit };
}

/** clone3(2): with CLONE_PARENT_SETTID the kernel stores the child's tid
 *  (the result) at parent_tid, which strace shows once the call returned. */
function decodeClone3(call: Call, o: DecodeOptions): DecodedArgs {
  const args = [formatArg('clone_args_in', 0, call, o), formatArg('size', 1, call, o)];
  const b = blobFor(call, 0);
  const flagsValue = b && !b.fault && b.data.length >= 8 ? b.data.readBigUInt64LE(0) : 0n;
  if (!(flagsValue & 0x100000n) || o.raw) return { entry: args, exit: [] };
  const r = call.result;
  const stored = r !== undefined && !call.noReturn && r > 0n ? ` => {parent_tid=[${r}]}` : '';
  return { entry: [args[0]!], exit: [args[1]!], deferredSeparator: `${stored}, ` };
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
  return r.toString();
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
