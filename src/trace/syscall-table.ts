// The one syscall table (src/syscall/syscalls.json, which also generates
// the C tables), read at start-up, plus strace's classes of calls.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths.js';

export interface SyscallEntry {
  nr: number;
  name: string;
  /** Argument kinds (see scripts/gen-syscall-table.mjs and args.ts). */
  args: string[];
  blocks: boolean;
}

interface RawEntry {
  nr: number;
  name: string;
  args?: string[];
  blocks?: boolean;
}

export const tablePath: string = path.join(packageRoot, 'src', 'syscall', 'syscalls.json');

function load(): SyscallEntry[] {
  const raw = JSON.parse(readFileSync(tablePath, 'utf8')) as RawEntry[];
  return raw.map((e) => ({ nr: e.nr, name: e.name, args: e.args ?? [], blocks: e.blocks === true }));
}

export const syscalls: readonly SyscallEntry[] = load();
/** By number: an array (numbers are small and dense), read for every call. */
const byNr = new Array<SyscallEntry | undefined>(Math.max(...syscalls.map((e) => e.nr)) + 1).fill(undefined);
for (const e of syscalls) byNr[e.nr] = e;
const byName = new Map(syscalls.map((e) => [e.name, e]));

export function syscallByNr(nr: number): SyscallEntry | undefined {
  return nr >= 0 && nr < byNr.length ? byNr[nr] : undefined;
}
export function syscallByName(name: string): SyscallEntry | undefined {
  return byName.get(name) ?? vdsoByName.get(name);
}

/** The vDSO functions trapline intercepts (enum trapline_vdso_fn), with the
 *  kinds of their arguments in the same vocabulary. */
export const vdsoFunctions: readonly SyscallEntry[] = [
  { nr: 0, name: 'clock_gettime', args: ['clockid', 'timespec_out'], blocks: false },
  { nr: 1, name: 'gettimeofday', args: ['timeval_out', 'ptr'], blocks: false },
  { nr: 2, name: 'time', args: ['ptr'], blocks: false },
  { nr: 3, name: 'getcpu', args: ['ptr', 'ptr', 'ptr'], blocks: false },
  { nr: 4, name: 'clock_getres', args: ['clockid', 'timespec_out'], blocks: false },
  { nr: 5, name: 'getrandom', args: ['buf_out', 'size', 'getrandom_flags'], blocks: false },
];
const vdsoByName = new Map<string, SyscallEntry>();
export function vdsoByFn(fn: number): SyscallEntry | undefined {
  return vdsoFunctions[fn];
}

/** Argument kinds of a call, syscall or vDSO. */
export function kindsOf(name: string, vdso: boolean): string[] {
  if (vdso) return vdsoByName.get(name)?.args ?? [];
  return byName.get(name)?.args ?? [];
}

const named = (...names: string[]): Set<string> => new Set(names);

// strace's classes (-e trace=%CLASS). %file and %desc follow from the
// argument kinds, as strace's TRACE_FILE/TRACE_DESC flags follow from the
// signatures; the others are lists, as in strace's syscallent.h.
const fdCreators = named('pipe', 'pipe2', 'socket', 'socketpair', 'epoll_create', 'epoll_create1', 'eventfd', 'eventfd2',
  'inotify_init', 'inotify_init1', 'memfd_create', 'signalfd', 'signalfd4', 'timerfd_create', 'userfaultfd',
  'fanotify_init', 'perf_event_open', 'pidfd_open', 'io_uring_setup', 'memfd_secret', 'fsopen', 'open_tree', 'fspick');
export const syscallClasses: ReadonlyMap<string, ReadonlySet<string>> = new Map<string, ReadonlySet<string>>([
  ['file', new Set(syscalls.filter((e) => e.args.includes('path') && !['memfd_create', 'delete_module', 'init_module', 'sethostname'].includes(e.name)).map((e) => e.name))],
  ['desc', new Set(syscalls.filter((e) => e.args.includes('fd') || e.args.includes('dirfd') || fdCreators.has(e.name) || ['open', 'creat', 'select', 'poll', 'ppoll', 'pselect6'].includes(e.name)).map((e) => e.name))],
  ['process', named('clone', 'clone3', 'fork', 'vfork', 'execve', 'execveat', 'exit', 'exit_group', 'wait4', 'waitid',
    'kill', 'tkill', 'tgkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'pidfd_open', 'pidfd_send_signal', 'pidfd_getfd')],
  ['network', named('socket', 'socketpair', 'bind', 'connect', 'listen', 'accept', 'accept4', 'getsockname',
    'getpeername', 'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg', 'shutdown', 'setsockopt', 'getsockopt')],
  ['signal', named('rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigpending', 'rt_sigtimedwait',
    'rt_sigqueueinfo', 'rt_sigsuspend', 'rt_tgsigqueueinfo', 'sigaltstack', 'kill', 'tkill', 'tgkill', 'pause',
    'signalfd', 'signalfd4', 'pidfd_send_signal')],
  ['memory', named('mmap', 'munmap', 'mprotect', 'brk', 'mremap', 'msync', 'mincore', 'madvise', 'mlock', 'munlock',
    'mlockall', 'munlockall', 'mlock2', 'mbind', 'set_mempolicy', 'get_mempolicy', 'migrate_pages', 'move_pages',
    'remap_file_pages', 'pkey_mprotect', 'shmat', 'shmdt', 'process_madvise', 'set_mempolicy_home_node')],
  ['ipc', named('shmget', 'shmat', 'shmctl', 'shmdt', 'semget', 'semop', 'semctl', 'semtimedop', 'msgget', 'msgsnd', 'msgrcv', 'msgctl')],
  ['clock', named('clock_gettime', 'clock_settime', 'clock_getres', 'clock_nanosleep', 'clock_adjtime', 'gettimeofday',
    'settimeofday', 'time', 'adjtimex', 'timer_create', 'timer_settime', 'timer_gettime', 'timer_getoverrun', 'timer_delete',
    'timerfd_create', 'timerfd_settime', 'timerfd_gettime', 'nanosleep')],
  ['creds', named('getuid', 'getgid', 'geteuid', 'getegid', 'setuid', 'setgid', 'setreuid', 'setregid', 'getgroups',
    'setgroups', 'setresuid', 'getresuid', 'setresgid', 'getresgid', 'setfsuid', 'setfsgid', 'capget', 'capset', 'prctl')],
  ['stat', named('stat', 'statx')],
  ['lstat', named('lstat')],
  ['fstat', named('fstat', 'newfstatat')],
  ['%stat', named('stat', 'lstat', 'fstat', 'newfstatat', 'statx')],
  ['statfs', named('statfs')],
  ['fstatfs', named('fstatfs')],
  ['%statfs', named('statfs', 'fstatfs')],
  ['pure', named('getpid', 'getppid', 'gettid', 'getuid', 'getgid', 'geteuid', 'getegid', 'getpgrp', 'sched_yield', 'munlockall', 'restart_syscall')],
]);
(syscallClasses as Map<string, ReadonlySet<string>>).set('net', syscallClasses.get('network')!); // strace's alias
for (const f of vdsoFunctions) vdsoByName.set(f.name, f);
