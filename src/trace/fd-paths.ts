// -y: what each descriptor of each process refers to, learned from the
// calls that create, copy and close descriptors, as strace shows `3</etc/passwd>`.
import path from 'node:path';
import type { Call } from './calls.js';
import { isError } from './errno.js';

interface Entry {
  path: string;
  cloexec: boolean;
}

const O_CLOEXEC = 0o2000000n;
const SOCK_CLOEXEC = 0o2000000n;
const AT_FDCWD = -100;

/** Blob 6 of pipe, pipe2, socketpair, socket and accept: the inodes of the
 *  descriptors they made (capture.c), which strace shows as `pipe:[INODE]`. */
const INODES_ARG = 6;

function inodes(call: Call): bigint[] {
  const b = call.blobs.find((x) => x.arg === INODES_ARG);
  if (!b) return [];
  const out: bigint[] = [];
  for (let o = 0; o + 8 <= b.data.length; o += 8) out.push(b.data.readBigUInt64LE(o));
  return out;
}

const named = (kind: string, ino: bigint | undefined): string => `${kind}:[${ino ?? '?'}]`;

/** What the two descriptors pipe, pipe2 and socketpair made refer to, as
 *  -y shows them inside the call's own line. */
export function pairNames(call: Call): [string, string] {
  const kind = call.name === 'socketpair' ? 'socket' : 'pipe';
  const ino = inodes(call);
  return [named(kind, ino[0]), named(kind, ino[1])];
}

export class FdPaths {
  private tables = new Map<number, Map<number, Entry>>();
  private cwds = new Map<number, string>();

  /** Descriptors the first process starts with, and its working directory. */
  constructor(private initial: ReadonlyMap<number, string> = new Map(), private initialCwd = '/') {}

  private table(pid: number): Map<number, Entry> {
    let t = this.tables.get(pid);
    if (!t) {
      t = new Map([...this.initial].map(([fd, p]) => [fd, { path: p, cloexec: false }]));
      this.tables.set(pid, t);
    }
    return t;
  }

  lookup = (pid: number, fd: number): string | undefined => this.table(pid).get(fd)?.path;

  private resolve(pid: number, dirfd: number, p: string): string {
    if (p.startsWith('/')) return path.normalize(p);
    const base = dirfd === AT_FDCWD ? (this.cwds.get(pid) ?? this.initialCwd) : this.lookup(pid, dirfd);
    return base ? path.join(base, p) : p;
  }

  /** What the descriptor a call returns will refer to (printed before the
   *  call is learnt from, so its arguments show the state before it). */
  resultPath(call: Call, pathArg: (i: number) => string | undefined): string | undefined {
    const a = (i: number): number => Number(BigInt.asIntN(32, call.args[i] ?? 0n));
    switch (call.name) {
      case 'open':
      case 'creat': {
        const p = pathArg(0);
        return p === undefined ? undefined : this.resolve(call.pid, AT_FDCWD, p);
      }
      case 'openat':
      case 'openat2': {
        const p = pathArg(1);
        return p === undefined ? undefined : this.resolve(call.pid, a(0), p);
      }
      case 'socket':
      case 'accept':
      case 'accept4':
        return named('socket', inodes(call)[0]);
      case 'dup':
      case 'dup2':
      case 'dup3':
      case 'fcntl':
        return this.lookup(call.pid, a(0));
      default:
        return this.lookup(call.pid, Number(call.result ?? -1n));
    }
  }

  /** Learn from a call that returned. */
  update(call: Call, pathArg: (i: number) => string | undefined): void {
    if (call.result === undefined || call.noReturn || isError(call.result)) return;
    const r = Number(call.result);
    const a = (i: number): number => Number(BigInt.asIntN(32, call.args[i] ?? 0n));
    const t = this.table(call.pid);
    switch (call.name) {
      case 'open':
      case 'creat': {
        const p = pathArg(0);
        if (p !== undefined) t.set(r, { path: this.resolve(call.pid, AT_FDCWD, p), cloexec: call.name === 'open' && ((call.args[1] ?? 0n) & O_CLOEXEC) !== 0n });
        break;
      }
      case 'openat':
      case 'openat2': {
        const p = pathArg(1);
        if (p !== undefined) t.set(r, { path: this.resolve(call.pid, a(0), p), cloexec: call.name === 'openat' && ((call.args[2] ?? 0n) & O_CLOEXEC) !== 0n });
        break;
      }
      case 'socket':
        t.set(r, { path: named('socket', inodes(call)[0]), cloexec: ((call.args[1] ?? 0n) & SOCK_CLOEXEC) !== 0n });
        break;
      case 'accept':
      case 'accept4':
        t.set(r, { path: named('socket', inodes(call)[0]), cloexec: call.name === 'accept4' && ((call.args[3] ?? 0n) & SOCK_CLOEXEC) !== 0n });
        break;
      case 'dup':
      case 'dup2':
      case 'dup3': {
        const e = t.get(a(0));
        if (e) t.set(r, { path: e.path, cloexec: call.name === 'dup3' && ((call.args[2] ?? 0n) & O_CLOEXEC) !== 0n });
        else t.delete(r);
        break;
      }
      case 'fcntl': {
        const cmd = a(1);
        const e = t.get(a(0));
        if ((cmd === 0 || cmd === 1030) && e) t.set(r, { path: e.path, cloexec: cmd === 1030 });
        break;
      }
      case 'close':
        t.delete(a(0));
        break;
      case 'close_range':
        for (const fd of [...t.keys()]) if (fd >= a(0) && fd <= Number(BigInt.asUintN(32, call.args[1] ?? 0n))) t.delete(fd);
        break;
      case 'chdir': {
        const p = pathArg(0);
        if (p !== undefined) this.cwds.set(call.pid, this.resolve(call.pid, AT_FDCWD, p));
        break;
      }
      case 'fchdir': {
        const p = this.lookup(call.pid, a(0));
        if (p) this.cwds.set(call.pid, p);
        break;
      }
      case 'clone':
      case 'clone3':
      case 'fork':
      case 'vfork':
        // The child starts with a copy (sharing is rare enough to ignore).
        if (r > 0) {
          this.tables.set(r, new Map([...t].map(([fd, e]) => [fd, { ...e }])));
          const cwd = this.cwds.get(call.pid);
          if (cwd) this.cwds.set(r, cwd);
        }
        break;
      case 'execve':
      case 'execveat':
        for (const [fd, e] of [...t]) if (e.cloexec) t.delete(fd);
        break;
    }
  }

  /** pipe/pipe2/socketpair return their descriptors through memory. */
  addPair(call: Call, fds: [number, number], kind: 'pipe' | 'socket'): void {
    const t = this.table(call.pid);
    const ino = inodes(call);
    const flagArg = call.name === 'pipe2' ? 1 : call.name === 'socketpair' ? 1 : -1;
    const cloexec = flagArg >= 0 && ((call.args[flagArg] ?? 0n) & O_CLOEXEC) !== 0n;
    fds.forEach((fd, i) => t.set(fd, { path: named(kind, ino[i]), cloexec }));
  }
}
