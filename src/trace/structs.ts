// Decoders of the structs syscalls pass by pointer, from the bytes capture
// copied, printed as strace prints them (abbreviated with `...` unless -v).
import {
  addressFamilies, cloneFlags, epollEvents, fileTypes, openAccessModes, openFlags, pollEvents, saFlags, statxAttributes,
  statxMask, termiosCflags, termiosControlChars, termiosCsizes, termiosDelays, termiosIflags, termiosLflags, termiosOflags,
  termiosSpeeds,
} from './constants.js';
import { i64, i64Text, rdU32 as u32, u64, u64Text } from './fields.js';
import { enumName, flags, hex } from './flags.js';
import { formatSigset, signalName } from './signals.js';
import { quote } from './strings.js';

export interface StructOptions {
  verbose: boolean;
  raw: boolean;
}

/** `0644`, `000`: strace's %#03o. */
export function octalMode(v: bigint | number): string {
  return Number(v) === 0 ? '000' : ('0' + v.toString(8)).padStart(3, '0');
}

/** Mode texts already made (a trace shows the same few modes again and again). */
const modeTexts = new Map<number, string>();

/** `S_IFREG|S_ISUID|0755`. */
export function fileMode(mode: number, o: StructOptions): string {
  if (o.raw) return octalMode(mode);
  let s = modeTexts.get(mode);
  if (s !== undefined) return s;
  const parts: string[] = [];
  const type = mode & 0o170000;
  if (type) parts.push(enumName(type, fileTypes, undefined, true));
  if (mode & 0o4000) parts.push('S_ISUID');
  if (mode & 0o2000) parts.push('S_ISGID');
  if (mode & 0o1000) parts.push('S_ISVTX');
  parts.push(octalMode(mode & 0o777));
  s = parts.join('|');
  if (modeTexts.size < 1024) modeTexts.set(mode, s);
  return s;
}

export function makedev(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `makedev(${hex(major)}, ${hex(minor)})`;
}

/** `2023-11-14T22:13:20.123456789+0000` in local time, as strace writes
 *  dates (the fraction only when there is one, unless `fraction`). */
function isoDate(sec: bigint, nsec: bigint, fraction = false): string {
  const d = new Date(Number(sec) * 1000);
  if (Number.isNaN(d.getTime())) return '?';
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const tz = `${off >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}${pad(Math.abs(off) % 60)}`;
  const frac = nsec !== 0n || fraction ? `.${nsec.toString().padStart(9, '0')}` : '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${frac}${tz}`;
}

/** `1700000000 /* 2023-11-14T22:13:20.123456789+0000 *\/` for -v times. */
function timeWithDate(sec: bigint, nsec: bigint): string {
  return `${sec} /* ${isoDate(sec, nsec, true)} */`;
}

/** struct stat (x86-64, 144 bytes), `size` bytes at `at` of `b`: the
 *  commonest struct, read where it is rather than from a Buffer of its own. */
export function formatStat(b: Buffer, o: StructOptions, at = 0, size = b.length - at): string {
  if (size < 144) return '{...}';
  const mode = u32(b, at + 24);
  const type = mode & 0o170000;
  const isDev = type === 0o020000 || type === 0o060000;
  const sizeOrDev = isDev ? `st_rdev=${makedev(u64(b, at + 40))}` : `st_size=${i64Text(b, at + 48)}`;
  if (!o.verbose) return `{st_mode=${fileMode(mode, o)}, ${sizeOrDev}, ...}`;
  const t = (name: string, off: number): string =>
    `st_${name}=${timeWithDate(i64(b, at + off), u64(b, at + off + 8))}, st_${name}_nsec=${u64Text(b, at + off + 8)}`;
  return `{st_dev=${makedev(u64(b, at))}, st_ino=${u64Text(b, at + 8)}, st_mode=${fileMode(mode, o)}, st_nlink=${u64Text(b, at + 16)}, ` +
    `st_uid=${u32(b, at + 28)}, st_gid=${u32(b, at + 32)}, st_blksize=${i64Text(b, at + 56)}, st_blocks=${i64Text(b, at + 64)}, ${sizeOrDev}, ` +
    `${t('atime', 72)}, ${t('mtime', 88)}, ${t('ctime', 104)}}`;
}

/** struct statx (256 bytes). */
export function formatStatx(b: Buffer, o: StructOptions): string {
  if (b.length < 144) return '{...}';
  const mask = flags(BigInt(u32(b, 0)), statxMask);
  const mode = fileMode(b.readUInt16LE(28), o);
  const attrs = o.raw && u64(b, 8) ? hex(u64(b, 8)) : flags(u64(b, 8), statxAttributes);
  const head = `{stx_mask=${o.raw ? hex(BigInt(u32(b, 0))) : mask}, stx_attributes=${attrs}, stx_mode=${mode}, stx_size=${u64(b, 40)}`;
  if (!o.verbose) return `${head}, ...}`;
  const ts = (off: number): string => `{tv_sec=${i64(b, off)}, tv_nsec=${u32(b, off + 8)}}`;
  return `${head}, stx_blksize=${u32(b, 4)}, stx_attributes_mask=${hex(u64(b, 56))}, stx_nlink=${u32(b, 16)}, ` +
    `stx_uid=${u32(b, 20)}, stx_gid=${u32(b, 24)}, stx_ino=${u64(b, 32)}, stx_blocks=${u64(b, 48)}, ` +
    `stx_atime=${ts(64)}, stx_btime=${ts(80)}, stx_ctime=${ts(96)}, stx_mtime=${ts(112)}, ` +
    `stx_rdev_major=${u32(b, 128)}, stx_rdev_minor=${u32(b, 132)}, stx_dev_major=${u32(b, 136)}, stx_dev_minor=${u32(b, 140)}}`;
}

const fsMagics: ReadonlyArray<readonly [string, bigint]> = [
  ['EXT2_SUPER_MAGIC', 0xef53n], ['TMPFS_MAGIC', 0x01021994n], ['PROC_SUPER_MAGIC', 0x9fa0n],
  ['OVERLAYFS_SUPER_MAGIC', 0x794c7630n], ['SYSFS_MAGIC', 0x62656572n], ['XFS_SUPER_MAGIC', 0x58465342n],
  ['BTRFS_SUPER_MAGIC', 0x9123683en], ['CGROUP2_SUPER_MAGIC', 0x63677270n], ['DEVPTS_SUPER_MAGIC', 0x1cd1n],
];

const mountFlags: ReadonlyArray<readonly [string, bigint]> = [
  ['ST_RDONLY', 1n], ['ST_NOSUID', 2n], ['ST_NODEV', 4n], ['ST_NOEXEC', 8n], ['ST_SYNCHRONOUS', 16n], ['ST_VALID', 32n],
  ['ST_MANDLOCK', 64n], ['ST_NOATIME', 1024n], ['ST_NODIRATIME', 2048n], ['ST_RELATIME', 4096n], ['ST_NOSYMFOLLOW', 8192n],
];

/** struct statfs (120 bytes). */
export function formatStatfs(b: Buffer, o: StructOptions): string {
  if (b.length < 88) return '{...}';
  const type = o.raw ? hex(i64(b, 0)) : enumName(i64(b, 0), fsMagics, undefined, true);
  return `{f_type=${type}, f_bsize=${i64(b, 8)}, f_blocks=${u64(b, 16)}, f_bfree=${u64(b, 24)}, f_bavail=${u64(b, 32)}, ` +
    `f_files=${u64(b, 40)}, f_ffree=${u64(b, 48)}, f_fsid={val=[${hex(BigInt(u32(b, 56)))}, ${hex(BigInt(u32(b, 60)))}]}, ` +
    `f_namelen=${i64(b, 64)}, f_frsize=${i64(b, 72)}, f_flags=${o.raw ? hex(i64(b, 80)) : flags(i64(b, 80), mountFlags)}}`;
}

function ipv6(b: Buffer, off: number): string {
  const words: string[] = [];
  for (let i = 0; i < 8; i++) words.push(b.readUInt16BE(off + 2 * i).toString(16));
  // The longest run of zero words becomes "::".
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return words.join(':');
  return `${words.slice(0, best).join(':')}::${words.slice(best + bestLen).join(':')}`;
}

/** struct sockaddr of `len` bytes. */
export function formatSockaddr(b: Buffer, o: StructOptions): string {
  if (b.length < 2) return '{}';
  const family = b.readUInt16LE(0);
  const fam = o.raw ? String(family) : enumName(BigInt(family), addressFamilies);
  switch (family) {
    case 1: {
      const path = b.subarray(2);
      if (path.length === 0) return `{sa_family=${fam}}`;
      if (path[0] === 0) return `{sa_family=${fam}, sun_path=@${quote(path.subarray(1))}}`;
      return `{sa_family=${fam}, sun_path=${quote(path, { nulTerminated: true })}}`;
    }
    case 2:
      if (b.length < 8) break;
      return `{sa_family=${fam}, sin_port=htons(${b.readUInt16BE(2)}), sin_addr=inet_addr("${b[4]}.${b[5]}.${b[6]}.${b[7]}")}`;
    case 10:
      if (b.length < 24) break;
      return `{sa_family=${fam}, sin6_port=htons(${b.readUInt16BE(2)}), sin6_flowinfo=htonl(${b.readUInt32BE(4)}), ` +
        `inet_pton(AF_INET6, "${ipv6(b, 8)}", &sin6_addr), sin6_scope_id=${b.length >= 28 ? u32(b, 24) : 0}}`;
    case 16:
      if (b.length < 12) break;
      return `{sa_family=${fam}, nl_pid=${b.readInt32LE(4)}, nl_groups=${u32(b, 8).toString(16).padStart(8, '0')}}`;
  }
  return `{sa_family=${fam}, sa_data=${quote(b.subarray(2))}}`;
}

/** Kernel struct sigaction (32 bytes). */
export function formatSigaction(b: Buffer, o: StructOptions): string {
  if (b.length < 32) return '{...}';
  const handler = u64(b, 0);
  const f = u64(b, 8);
  const h = handler === 0n ? 'SIG_DFL' : handler === 1n ? 'SIG_IGN' : hex(handler);
  const fl = o.raw ? hex(f) : flags(f, saFlags);
  const restorer = f & 0x04000000n ? `, sa_restorer=${hex(u64(b, 16))}` : '';
  return `{sa_handler=${h}, sa_mask=${o.raw ? hex(u64(b, 24)) : formatSigset(u64(b, 24))}, sa_flags=${fl}${restorer}}`;
}

export function formatTimespec(b: Buffer, off = 0): string {
  if (b.length < off + 16) return '{...}';
  const nsec = i64(b, off + 8);
  const n = nsec === 0x3fffffffn ? 'UTIME_NOW' : nsec === 0x3ffffffen ? 'UTIME_OMIT' : nsec.toString();
  return `{tv_sec=${i64(b, off)}, tv_nsec=${n}}`;
}
export function formatTimeval(b: Buffer, off = 0): string {
  if (b.length < off + 16) return '{...}';
  return `{tv_sec=${i64(b, off)}, tv_usec=${i64(b, off + 8)}}`;
}
export function formatItimerval(b: Buffer): string {
  return `{it_interval=${formatTimeval(b, 0)}, it_value=${formatTimeval(b, 16)}}`;
}
export function formatItimerspec(b: Buffer): string {
  return `{it_interval=${formatTimespec(b, 0)}, it_value=${formatTimespec(b, 16)}}`;
}
/** utimensat's two times, each with its date as strace adds it. */
export function formatUtimens(b: Buffer): string {
  if (b.length < 32) return '[...]';
  const one = (off: number): string => {
    const ts = formatTimespec(b, off);
    const nsec = i64(b, off + 8);
    if (nsec === 0x3fffffffn || nsec === 0x3ffffffen) return ts;
    return `${ts} /* ${isoDate(i64(b, off), nsec)} */`;
  };
  return `[${one(0)}, ${one(16)}]`;
}

function rlim(v: bigint): string {
  if (v === 0xffffffffffffffffn) return 'RLIM64_INFINITY';
  if (v > 1024n && v % 1024n === 0n) return `${v / 1024n}*1024`;
  return v.toString();
}
export function formatRlimit(b: Buffer): string {
  if (b.length < 16) return '{...}';
  return `{rlim_cur=${rlim(u64(b, 0))}, rlim_max=${rlim(u64(b, 8))}}`;
}

export function formatRusage(b: Buffer, o: StructOptions): string {
  if (b.length < 144) return '{...}';
  const head = `{ru_utime=${formatTimeval(b, 0)}, ru_stime=${formatTimeval(b, 16)}`;
  if (!o.verbose) return `${head}, ...}`;
  const names = ['maxrss', 'ixrss', 'idrss', 'isrss', 'minflt', 'majflt', 'nswap', 'inblock', 'oublock', 'msgsnd',
    'msgrcv', 'nsignals', 'nvcsw', 'nivcsw'];
  return `${head}, ${names.map((n, i) => `ru_${n}=${i64(b, 32 + 8 * i)}`).join(', ')}}`;
}

export function formatTms(b: Buffer): string {
  if (b.length < 32) return '{...}';
  // Clock ticks, with seconds (at 100 ticks a second) as strace adds them.
  const t = (off: number): string => {
    const v = i64(b, off);
    return v === 0n ? '0' : `${v} /* ${(Number(v) / 100).toFixed(2)} s */`;
  };
  return `{tms_utime=${t(0)}, tms_stime=${t(8)}, tms_cutime=${t(16)}, tms_cstime=${t(24)}}`;
}

/** wait status: `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`. */
export function formatWaitStatus(b: Buffer, o: StructOptions): string {
  if (b.length < 4) return '[?]';
  const s = u32(b, 0);
  if (o.raw) return `[${hex(BigInt(s))}]`;
  const sig = s & 0x7f;
  let text: string;
  if (sig === 0) text = `WIFEXITED(s) && WEXITSTATUS(s) == ${(s >> 8) & 0xff}`;
  else if (sig === 0x7f) text = `WIFSTOPPED(s) && WSTOPSIG(s) == ${signalName((s >> 8) & 0xff)}`;
  else text = `WIFSIGNALED(s) && WTERMSIG(s) == ${signalName(sig)}${s & 0x80 ? ' && WCOREDUMP(s)' : ''}`;
  if (s === 0xffff) text = 'WIFCONTINUED(s)';
  return `[{${text}}]`;
}

export function formatUtsname(b: Buffer, o: StructOptions): string {
  const field = (i: number): string => quote(b.subarray(65 * i, 65 * (i + 1)), { nulTerminated: true });
  if (b.length < 390) return '{...}';
  if (!o.verbose) return `{sysname=${field(0)}, nodename=${field(1)}, ...}`;
  return `{sysname=${field(0)}, nodename=${field(1)}, release=${field(2)}, version=${field(3)}, machine=${field(4)}, domainname=${field(5)}}`;
}

export function formatSysinfo(b: Buffer): string {
  if (b.length < 108) return '{...}';
  return `{uptime=${i64(b, 0)}, loads=[${u64(b, 8)}, ${u64(b, 16)}, ${u64(b, 24)}], totalram=${u64(b, 32)}, ` +
    `freeram=${u64(b, 40)}, sharedram=${u64(b, 48)}, bufferram=${u64(b, 56)}, totalswap=${u64(b, 64)}, ` +
    `freeswap=${u64(b, 72)}, procs=${b.readUInt16LE(80)}, totalhigh=${u64(b, 88)}, freehigh=${u64(b, 96)}, mem_unit=${u32(b, 104)}}`;
}

export function formatIntPair(b: Buffer): string {
  if (b.length < 8) return '[?]';
  return `[${b.readInt32LE(0)}, ${b.readInt32LE(4)}]`;
}

/** An array as strace prints it: at most `limit` elements (the -s value
 *  unless -v), then `...` if more exist, or were not captured. */
function array(items: string[], count: number, limit: number): string {
  const shown = items.slice(0, Math.min(items.length, limit));
  if (count > shown.length) shown.push('...');
  return `[${shown.join(', ')}]`;
}

/** pollfds at entry: `{fd=3, events=POLLIN}`, `{fd=-1}` for an fd poll skips. */
export function formatPollfds(b: Buffer, count: number, limit: number, o: StructOptions, fd: (n: number) => string): string {
  const items: string[] = [];
  for (let i = 0; i + 8 <= b.length && i / 8 < Math.min(count, limit); i += 8) {
    const n = b.readInt32LE(i);
    const ev = BigInt(b.readUInt16LE(i + 4));
    items.push(n >= 0 ? `{fd=${fd(n)}, events=${o.raw ? hex(ev) : flags(ev, pollEvents)}}` : `{fd=${fd(n)}}`);
  }
  return array(items, count, limit);
}

/** The pollfds with revents set, after the call, as strace's result note
 *  (at most `limit` of them, within its 1024-byte buffer). */
export function formatRevents(b: Buffer, count: number, limit: number, o: StructOptions): string {
  let out = '';
  let printed = 0;
  for (let i = 0; i + 8 <= b.length && i / 8 < count; i += 8) {
    const rev = BigInt(b.readUInt16LE(i + 6));
    if (!rev) continue;
    out += out ? ', ' : '[';
    if (printed + 1 > limit) {
      out += '...';
      break;
    }
    const head = `{fd=${b.readInt32LE(i)}, revents=`;
    const names = o.raw ? hex(rev) : flags(rev, pollEvents);
    if (out.length + head.length + names.length + 1 >= 1024 - 27) {
      out += '...';
      break;
    }
    out += `${head}${names}}`;
    printed++;
  }
  return out ? out + ']' : '';
}

/** First iovec of `count`: the layout of captures before IOVEC blobs. */
export function formatIovec(b: Buffer, count: number): string {
  if (b.length < 16) return '[...]';
  return `[{iov_base=${u64(b, 0) ? hex(u64(b, 0)) : 'NULL'}, iov_len=${u64(b, 8)}}${count > 1 ? ', ...' : ''}]`;
}

/** One element of an IOVEC blob (native/src/base/trace_record.h). */
export interface IovElement {
  base: bigint;
  len: bigint;
  data: Buffer;
  fault: boolean;
}

export function iovElements(b: Buffer): IovElement[] {
  const out: IovElement[] = [];
  for (let off = 0; off + 24 <= b.length; ) {
    const kept = u32(b, off + 16);
    out.push({ base: u64(b, off), len: u64(b, off + 8), data: b.subarray(off + 24, off + 24 + kept), fault: (u32(b, off + 20) & 1) !== 0 });
    off += 24 + ((kept + 7) & ~7);
  }
  return out;
}

/** iovecs as strace prints them: each `iov_base` as a string of what is left
 *  of `total` bytes (a readv's result; undefined for writev), or as its
 *  address when `addresses` (a failed readv) or unreadable. */
export function formatIovecs(elems: IovElement[], count: number, limit: number, stringLimit: number, total: bigint | undefined, addresses: boolean,
  show: (bytes: Buffer, cut: boolean) => string): string {
  const items: string[] = [];
  let left = total;
  for (const e of elems.slice(0, Math.min(count, limit))) {
    const shown = left === undefined || e.len < left ? e.len : left;
    if (left !== undefined) left -= shown;
    let base: string;
    if (e.base === 0n) base = 'NULL';
    else if (addresses || e.fault) base = hex(e.base);
    else {
      const cut = BigInt(e.data.length) < shown || e.data.length > stringLimit;
      base = show(e.data.subarray(0, stringLimit), cut);
    }
    items.push(`{iov_base=${base}, iov_len=${e.len}}`);
  }
  return array(items, count, limit);
}

export function formatEpollEvent(b: Buffer, o: StructOptions): string {
  if (b.length < 12) return '{...}';
  const ev = BigInt(u32(b, 0));
  const data = u64(b, 4);
  return `{events=${o.raw ? hex(ev) : flags(ev, epollEvents)}, data={u32=${Number(data & 0xffffffffn)}, u64=${data}}}`;
}

const stackFlags: ReadonlyArray<readonly [string, bigint]> = [['SS_ONSTACK', 1n], ['SS_DISABLE', 2n], ['SS_AUTODISARM', 0x80000000n]];
export function formatStack(b: Buffer): string {
  if (b.length < 24) return '{...}';
  const sp = u64(b, 0);
  return `{ss_sp=${sp ? hex(sp) : 'NULL'}, ss_flags=${flags(BigInt(u32(b, 8)), stackFlags)}, ss_size=${u64(b, 16)}}`;
}

/** struct clone_args up to tls, fields printed as strace does. */
export function formatCloneArgs(b: Buffer, o: StructOptions): string {
  if (b.length < 64) return '{...}';
  const f = u64(b, 0);
  const parts = [`flags=${o.raw ? hex(f) : flags(f, cloneFlags)}`];
  const ptr = (v: bigint): string => (v ? hex(v) : 'NULL');
  if (f & 0x1000n) parts.push(`pidfd=${ptr(u64(b, 8))}`);
  if (f & 0x1200000n) parts.push(`child_tid=${ptr(u64(b, 16))}`);
  if (f & 0x100000n) parts.push(`parent_tid=${ptr(u64(b, 24))}`);
  const sig = u64(b, 32);
  parts.push(`exit_signal=${sig === 0n || o.raw ? sig : signalName(Number(sig))}`);
  parts.push(`stack=${ptr(u64(b, 40))}`, `stack_size=${hex(u64(b, 48))}`);
  if (f & 0x80000n) parts.push(`tls=${ptr(u64(b, 56))}`);
  return `{${parts.join(', ')}}`;
}

export function formatOpenHow(b: Buffer, o: StructOptions): string {
  if (b.length < 24) return '{...}';
  const f = u64(b, 0);
  const parts = [`flags=${o.raw ? hex(f) : openFlagsText(f)}`];
  if (f & 0o20200100n) parts.push(`mode=${octalMode(u64(b, 8))}`);
  if (u64(b, 16)) parts.push(`resolve=${hex(u64(b, 16))}`);
  return `{${parts.join(', ')}}`;
}

/** `O_RDONLY|O_CLOEXEC`: the access mode is a value, the rest are bits. */
export function openFlagsText(v: bigint): string {
  const mode = enumName(v & 3n, openAccessModes);
  const rest = flags(v & ~3n, openFlags, '');
  return rest ? `${mode}|${rest}` : mode;
}

/** struct termios (TCGETS): `{c_iflag=ICRNL|IXON, c_oflag=NL0|...|OPOST|ONLCR,
 *  c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|..., ...}`. */
export function formatTermios(b: Buffer, o: StructOptions): string {
  if (b.length < 36) return '{...}';
  const iflag = BigInt(u32(b, 0)), oflag = BigInt(u32(b, 4)), cflag = BigInt(u32(b, 8)), lflag = BigInt(u32(b, 12));
  if (o.raw)
    return `{c_iflag=${hex(iflag)}, c_oflag=${hex(oflag)}, c_cflag=${hex(cflag)}, c_lflag=${hex(lflag)}, ...}`;
  const delays = termiosDelays.map(([mask, names]) => enumName(oflag & mask, names, undefined, true));
  const oRest = flags(oflag & ~termiosDelays.reduce((m, [mask]) => m | mask, 0n), termiosOflags, '');
  const cRest = flags(cflag & ~(0o10017n | 0o60n), termiosCflags, '');
  const c = [enumName(cflag & 0o10017n, termiosSpeeds, undefined, true), enumName(cflag & 0o60n, termiosCsizes), cRest];
  const head = `{c_iflag=${flags(iflag, termiosIflags)}, c_oflag=${[...delays, oRest].filter((x) => x).join('|')}, ` +
    `c_cflag=${c.filter((x) => x).join('|')}, c_lflag=${flags(lflag, termiosLflags)}`;
  if (!o.verbose) return `${head}, ...}`;
  const cc: string[] = [];
  for (let i = 0; i < 19; i++) {
    const v = b[17 + i]!;
    cc.push(`[${termiosControlChars[i] ?? i}]=${v ? hex(BigInt(v)) : '0'}`);
  }
  return `${head}, c_line=${b[16] === 0 ? 'N_TTY' : b[16]}, c_cc=[${cc.join(', ')}]}`;
}

export function formatWinsize(b: Buffer): string {
  if (b.length < 8) return '{...}';
  return `{ws_row=${b.readUInt16LE(0)}, ws_col=${b.readUInt16LE(2)}, ws_xpixel=${b.readUInt16LE(4)}, ws_ypixel=${b.readUInt16LE(6)}}`;
}

const direntTypes = ['DT_UNKNOWN', 'DT_FIFO', 'DT_CHR', '3', 'DT_DIR', '5', 'DT_BLK', '7', 'DT_REG', '9', 'DT_LNK', '11', 'DT_SOCK', '13', 'DT_WHT'];

/** linux_dirent64 (getdents64) or linux_dirent (getdents) records: both
 *  keep d_reclen at offset 16. Null when the bytes are not whole records. */
export function direntEntries(b: Buffer, is64: boolean): string[] | null {
  const out: string[] = [];
  for (let off = 0; off < b.length; ) {
    if (off + 19 > b.length) return null;
    const reclen = b.readUInt16LE(off + 16);
    if (reclen < 19 || off + reclen > b.length) return null;
    const ino = u64Text(b, off), doff = i64Text(b, off + 8);
    const type = is64 ? b[off + 18]! : b[off + reclen - 1]!;
    const nameStart = off + (is64 ? 19 : 18);
    const name = quote(b.subarray(nameStart, off + reclen), { nulTerminated: true });
    out.push(`{d_ino=${ino}, d_off=${doff}, d_reclen=${reclen}, d_type=${direntTypes[type] ?? type}, d_name=${name}}`);
    off += reclen;
  }
  return out;
}

export function formatCpuset(b: Buffer): string {
  const cpus: number[] = [];
  for (let i = 0; i < b.length * 8; i++) if (b[i >> 3]! & (1 << (i & 7))) cpus.push(i);
  return `[${cpus.join(' ')}]`;
}
