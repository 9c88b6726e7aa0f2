#!/usr/bin/env node
// Generates the C side of the syscall table from src/syscall/syscalls.json,
// the single source of syscall names, numbers and argument kinds.
// Usage: node scripts/gen-syscall-table.mjs OUTDIR
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = process.argv[2] ?? join(root, 'native/build/gen');
const table = JSON.parse(readFileSync(join(root, 'src/syscall/syscalls.json'), 'utf8'));
const size = Math.max(...table.map((e) => e.nr)) + 1;
const names = new Array(size).fill(null);
for (const e of table) names[e.nr] = e.name;

// What the capture plugin copies for each argument kind (see
// native/src/base/trace_record.h). Kinds not listed here are plain values.
//   string      NUL-terminated, at entry, up to PATH_MAX (paths are never cut)
//   in_len      at entry, args[len] bytes, at most the -s limit
//   out_ret     at exit, `result` bytes when result > 0, at most the -s limit
//   out_len     at exit on success, args[len] bytes, at most the -s limit
//   in_fixed    at entry, `size` bytes
//   out_fixed   at exit on success, `size` bytes
//   in_lenptr   at entry, *(socklen_t *)args[len] bytes
//   out_lenptr  at exit on success, *(socklen_t *)args[len] bytes
//   strvec      at entry, a NULL-terminated array of strings (argv)
//   count       at entry, the number of entries of a NULL-terminated array (envp)
//   out_path    at exit, `result` bytes when result > 0, up to PATH_MAX (getcwd)
//   in_iovec    at entry, args[len] iovecs (at most 256), each followed by at
//               most -s bytes of what it points to (writev)
//   out_iovec   at exit, the same, each element's bytes limited to what is left
//               of `result` as strace shows them; addresses only on failure (readv)
//   inout_array at entry, args[len] elements of `size` bytes (at most 1024), and
//               at exit again when result > 0 (poll: events, then revents)
//   inout_fixed at entry `size` bytes, and at exit on success again (ppoll's
//               timeout, then the time left)
// `len: 'next'` means the first argument after this one of kind `lenKind`
// (default `size`); a number is that argument's index. Sizes are the x86-64
// kernel's structs.
const captureByKind = {
  path: { mode: 'string' },
  buf_in: { mode: 'in_len', len: 'next' },
  buf_out: { mode: 'out_ret' },
  cwd_out: { mode: 'out_path' },
  dirent_out: { mode: 'out_ret' },
  cpuset_in: { mode: 'in_len', len: 1 },
  cpuset_out: { mode: 'out_ret' },
  stat_out: { mode: 'out_fixed', size: 144 },
  statfs_out: { mode: 'out_fixed', size: 120 },
  statx_out: { mode: 'out_fixed', size: 256 },
  sockaddr: { mode: 'in_len', len: 'next' },
  sockaddr_out: { mode: 'out_lenptr', len: 'next', lenKind: 'socklen_ptr' },
  socklen_ptr: { mode: 'in_fixed', size: 4 },
  sockopt_in: { mode: 'in_len', len: 'next' },
  sockopt_out: { mode: 'out_lenptr', len: 'next', lenKind: 'socklen_ptr' },
  argv: { mode: 'strvec' },
  envp: { mode: 'count' },
  sigset_in: { mode: 'in_fixed', size: 8 },
  sigset_out: { mode: 'out_fixed', size: 8 },
  sigaction_in: { mode: 'in_fixed', size: 32 },
  sigaction_out: { mode: 'out_fixed', size: 32 },
  stack_in: { mode: 'in_fixed', size: 24 },
  stack_out: { mode: 'out_fixed', size: 24 },
  timespec_in: { mode: 'in_fixed', size: 16 },
  timespec_out: { mode: 'out_fixed', size: 16 },
  futex_timeout: { mode: 'in_fixed', size: 16 },
  utimens_in: { mode: 'in_fixed', size: 32 },
  timeval_in: { mode: 'in_fixed', size: 16 },
  timeval_out: { mode: 'out_fixed', size: 16 },
  itimerval_in: { mode: 'in_fixed', size: 32 },
  itimerval_out: { mode: 'out_fixed', size: 32 },
  itimerspec_in: { mode: 'in_fixed', size: 32 },
  itimerspec_out: { mode: 'out_fixed', size: 32 },
  rlimit_in: { mode: 'in_fixed', size: 16 },
  rlimit_out: { mode: 'out_fixed', size: 16 },
  rusage_out: { mode: 'out_fixed', size: 144 },
  tms_out: { mode: 'out_fixed', size: 32 },
  wait_status: { mode: 'out_fixed', size: 4 },
  utsname_out: { mode: 'out_fixed', size: 390 },
  sysinfo_out: { mode: 'out_fixed', size: 112 },
  fds_out: { mode: 'out_fixed', size: 8 },
  pollfd_in: { mode: 'inout_array', size: 8, len: 'next', lenKind: 'uint' },
  timespec_inout: { mode: 'inout_fixed', size: 16 },
  iovec_in: { mode: 'in_iovec', len: 'next', lenKind: 'int' },
  iovec_out: { mode: 'out_iovec', len: 'next', lenKind: 'int' },
  epoll_event_in: { mode: 'in_fixed', size: 12 },
  // struct clone_args up to tls (CLONE_ARGS_SIZE_VER0): every caller passes at least that.
  clone_args_in: { mode: 'in_fixed', size: 64 },
  open_how_in: { mode: 'in_fixed', size: 24 },
  // struct termios (TCGETS) and smaller (winsize); what the decoder shows depends on the request.
  ioctl_arg: { mode: 'out_fixed', size: 36 },
};
const captureModes = ['none', 'string', 'in_len', 'out_ret', 'out_len', 'in_fixed', 'out_fixed',
  'in_lenptr', 'out_lenptr', 'strvec', 'count', 'out_path', 'in_iovec', 'out_iovec', 'inout_array', 'inout_fixed'];
const captureOf = (e) => (e.args ?? []).map((kind, i) => {
  const c = captureByKind[kind];
  if (!c) return null;
  let len = 0;
  if (c.len === 'next') {
    const lenKind = c.lenKind ?? 'size';
    len = e.args.indexOf(lenKind, i + 1);
    if (len < 0) throw new Error(`${e.name}: ${kind} argument ${i} has no ${lenKind} argument after it`);
  } else if (typeof c.len === 'number') len = c.len;
  return { mode: captureModes.indexOf(c.mode), len, size: c.size ?? 0, name: c.mode };
});

const captureLines = [];
for (const e of table) {
  const caps = captureOf(e);
  if (!caps.some(Boolean)) continue;
  const cells = caps.map((c, i) => (c ? `[${i}] = { TL_CAPTURE_${c.name.toUpperCase()}, ${c.len}, ${c.size} }` : null))
    .filter(Boolean);
  captureLines.push(`    [${e.nr}] = { ${cells.join(', ')} }, /* ${e.name} */`);
}
const blockWords = new Array(Math.ceil(size / 64)).fill(0n);
for (const e of table) if (e.blocks) blockWords[e.nr >> 6] |= 1n << BigInt(e.nr & 63);

const header = `/* Generated from src/syscall/syscalls.json by scripts/gen-syscall-table.mjs. */
#ifndef TRAPLINE_GEN_SYSCALL_TABLE_H
#define TRAPLINE_GEN_SYSCALL_TABLE_H
#define TL_SYSCALL_TABLE_SIZE ${size}
/* Name of each x86-64 system call by number; NULL where none exists. */
extern const char *const tl_syscall_names[TL_SYSCALL_TABLE_SIZE];

/* What the capture plugin copies for an argument (scripts/gen-syscall-table.mjs
 * explains each mode). */
enum tl_capture_mode {
${captureModes.map((m, i) => `    TL_CAPTURE_${m.toUpperCase()} = ${i},`).join('\n')}
};
struct tl_capture_arg {
    unsigned char mode;     /* enum tl_capture_mode */
    unsigned char len_arg;  /* index of the length argument, where one is used */
    unsigned short size;    /* bytes, for the fixed modes */
};
/* Per syscall and argument; all zero (TL_CAPTURE_NONE) where nothing is copied. */
extern const struct tl_capture_arg tl_syscall_capture[TL_SYSCALL_TABLE_SIZE][6];
/* Bit nr set: the call may block, so its entry is recorded before it is made. */
extern const unsigned long long tl_syscall_may_block[(TL_SYSCALL_TABLE_SIZE + 63) / 64];
#endif
`;
const source = `/* Generated from src/syscall/syscalls.json by scripts/gen-syscall-table.mjs. */
#include "syscall_table.h"
const char *const tl_syscall_names[TL_SYSCALL_TABLE_SIZE] = {
${names.map((n, i) => (n ? `    [${i}] = "${n}",` : null)).filter(Boolean).join('\n')}
};
const struct tl_capture_arg tl_syscall_capture[TL_SYSCALL_TABLE_SIZE][6] = {
${captureLines.join('\n')}
};
const unsigned long long tl_syscall_may_block[(TL_SYSCALL_TABLE_SIZE + 63) / 64] = {
${blockWords.map((w) => `    0x${w.toString(16)}ull,`).join('\n')}
};
`;
mkdirSync(outDir, { recursive: true });
const write = (file, text) => {
  const path = join(outDir, file);
  let old = null;
  try { old = readFileSync(path, 'utf8'); } catch { /* first run */ }
  if (old !== text) writeFileSync(path, text); // keep make's timestamps stable
};
write('syscall_table.h', header);
write('syscall_table.c', source);
