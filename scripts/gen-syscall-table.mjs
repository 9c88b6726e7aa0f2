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

const header = `/* Generated from src/syscall/syscalls.json by scripts/gen-syscall-table.mjs. */
#ifndef TRAPLINE_GEN_SYSCALL_TABLE_H
#define TRAPLINE_GEN_SYSCALL_TABLE_H
#define TL_SYSCALL_TABLE_SIZE ${size}
/* Name of each x86-64 system call by number; NULL where none exists. */
extern const char *const tl_syscall_names[TL_SYSCALL_TABLE_SIZE];
#endif
`;
const source = `/* Generated from src/syscall/syscalls.json by scripts/gen-syscall-table.mjs. */
#include "syscall_table.h"
const char *const tl_syscall_names[TL_SYSCALL_TABLE_SIZE] = {
${names.map((n, i) => (n ? `    [${i}] = "${n}",` : null)).filter(Boolean).join('\n')}
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
