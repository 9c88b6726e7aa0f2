#!/usr/bin/env node
// Writes seeded mutations of a small static x86-64 ELF executable to
// test/fixtures/elf-mutants/NN.elf (plus index.json describing each one).
// The outputs are checked in: the test suite never regenerates them, so run
// this only to change the corpus.
//
//   node scripts/make-elf-mutants.mjs [INPUT] [OUTDIR]
//   INPUT defaults to native/build/tests/hello-musl (stripped first with
//   `strip` when available, to keep the fixtures small).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const input = process.argv[2] ?? path.join(root, 'native/build/tests/hello-musl');
const outDir = process.argv[3] ?? path.join(root, 'test/fixtures/elf-mutants');
const SEED = 0x7472_6170; // "trap"

// mulberry32: small, fast, and the same everywhere.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(SEED);
const randInt = (n) => Math.floor(rand() * n);

let base;
{
  const tmp = mkdtempSync(path.join(tmpdir(), 'elf-mutants-'));
  const stripped = path.join(tmp, 'in');
  try {
    execFileSync('strip', ['--strip-all', '-o', stripped, input], { stdio: 'ignore' });
    base = readFileSync(stripped);
  } catch {
    base = readFileSync(input);
  }
  rmSync(tmp, { recursive: true, force: true });
}

if (base.readUInt32BE(0) !== 0x7f454c46 || base[4] !== 2 || base.readUInt16LE(18) !== 62) {
  console.error(`make-elf-mutants: ${input} is not an x86-64 ELF64 file`);
  process.exit(1);
}

const E = {
  type: 16, machine: 18, version: 20, entry: 24, phoff: 32, shoff: 40, flags: 48,
  ehsize: 52, phentsize: 54, phnum: 56, shentsize: 58, shnum: 60, shstrndx: 62,
};
const phoff = Number(base.readBigUInt64LE(E.phoff));
const phentsize = base.readUInt16LE(E.phentsize);
const phnum = base.readUInt16LE(E.phnum);
const P = { type: 0, flags: 4, offset: 8, vaddr: 16, paddr: 24, filesz: 32, memsz: 40, align: 48 };
const PT_LOAD = 1, PT_INTERP = 3, PT_GNU_STACK = 0x6474e551;
const ph = (i) => phoff + i * phentsize;
const phType = (b, i) => b.readUInt32LE(ph(i) + P.type);
const loads = [];
for (let i = 0; i < phnum; i++) if (phType(base, i) === PT_LOAD) loads.push(i);
const execLoad = loads.find((i) => base.readUInt32LE(ph(i) + P.flags) & 1) ?? loads[0];
const stackPh = [...Array(phnum).keys()].find((i) => phType(base, i) === PT_GNU_STACK);

const mutants = [];
function add(desc, fn) {
  const b = Buffer.from(base);
  const out = fn(b) ?? b;
  mutants.push({ desc, data: out });
}
const set64 = (b, off, v) => b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), off);
const flip = (b, lo, hi, count) => {
  const where = [];
  for (let k = 0; k < count; k++) {
    const off = lo + randInt(hi - lo);
    const bit = 1 << randInt(8);
    b[off] ^= bit;
    where.push(`${off}^${bit}`);
  }
  return where.join(',');
};

// Truncations.
for (const n of [0, 16, 63, phoff + phentsize - 1, phoff + phentsize * phnum - 5, 4096 + 100,
  base.length >> 1, base.length - 1]) {
  if (n < base.length) add(`truncated to ${n} bytes`, (b) => b.subarray(0, n));
}
// Identity.
add('EI_CLASS = ELFCLASS32 with a 64-bit body', (b) => { b[4] = 1; });
add('EI_DATA = big endian', (b) => { b[5] = 2; });
add('e_machine = EM_AARCH64', (b) => { b.writeUInt16LE(183, E.machine); });
add('e_machine = EM_386', (b) => { b.writeUInt16LE(3, E.machine); });
add('e_type = ET_REL', (b) => { b.writeUInt16LE(1, E.type); });
add('e_type = 0x1234', (b) => { b.writeUInt16LE(0x1234, E.type); });
// Program header table.
add('e_phnum = 0', (b) => { b.writeUInt16LE(0, E.phnum); });
add('e_phnum = 0xffff', (b) => { b.writeUInt16LE(0xffff, E.phnum); });
add('e_phentsize = 0', (b) => { b.writeUInt16LE(0, E.phentsize); });
add('e_phentsize = 32', (b) => { b.writeUInt16LE(32, E.phentsize); });
add('e_phoff beyond end of file', (b) => { set64(b, E.phoff, base.length + 4096); });
add('e_phoff misaligned by 3', (b) => { set64(b, E.phoff, phoff + 3); });
// Entry point.
add('e_entry = 0', (b) => { set64(b, E.entry, 0); });
add('e_entry in a non-executable segment', (b) => {
  set64(b, E.entry, b.readBigUInt64LE(ph(loads[0]) + P.vaddr) + 8n);
});
add('e_entry = 0xdead0000 (unmapped)', (b) => { set64(b, E.entry, 0xdead0000); });
add('e_entry = non-canonical', (b) => { set64(b, E.entry, 0x8000000000001000n); });
// Segments.
add('executable PT_LOAD p_offset beyond end of file', (b) => {
  set64(b, ph(execLoad) + P.offset, base.length + 0x10000);
});
add('executable PT_LOAD p_filesz beyond end of file', (b) => {
  set64(b, ph(execLoad) + P.filesz, base.length * 4);
});
add('PT_LOAD p_filesz > p_memsz', (b) => {
  const i = loads[loads.length - 1];
  set64(b, ph(i) + P.filesz, b.readBigUInt64LE(ph(i) + P.memsz) + 0x2000n);
});
add('PT_LOAD p_vaddr and p_offset disagree modulo the page size', (b) => {
  set64(b, ph(execLoad) + P.vaddr, b.readBigUInt64LE(ph(execLoad) + P.vaddr) + 0x10n);
});
add('PT_LOAD p_align = 3', (b) => { set64(b, ph(execLoad) + P.align, 3); });
add('PT_LOAD p_memsz = 2^47', (b) => { set64(b, ph(loads[loads.length - 1]) + P.memsz, 1n << 47n); });
add('PT_LOAD p_vaddr in kernel space', (b) => {
  set64(b, ph(execLoad) + P.vaddr, 0xffff800000001000n);
});
add('PT_LOAD segments overlap', (b) => {
  set64(b, ph(loads[1]) + P.vaddr, b.readBigUInt64LE(ph(loads[0]) + P.vaddr));
});
add('PT_LOAD segments in reverse order', (b) => {
  const a = ph(loads[0]), z = ph(loads[loads.length - 1]);
  const tmp = Buffer.from(b.subarray(a, a + phentsize));
  b.copy(b, a, z, z + phentsize);
  tmp.copy(b, z);
});
add('no PT_LOAD at all', (b) => {
  for (const i of loads) b.writeUInt32LE(0x6fffffff, ph(i) + P.type);
});
add('executable PT_LOAD made non-executable', (b) => {
  b.writeUInt32LE(b.readUInt32LE(ph(execLoad) + P.flags) & ~1, ph(execLoad) + P.flags);
});
if (stackPh !== undefined) {
  const interpAt = 0x100; // inside the first page's padding in this layout
  add('PT_INTERP naming a missing interpreter', (b) => {
    const s = Buffer.from('/nonexistent/ld-trapline.so\0');
    s.copy(b, interpAt);
    b.writeUInt32LE(PT_INTERP, ph(stackPh) + P.type);
    set64(b, ph(stackPh) + P.offset, interpAt);
    set64(b, ph(stackPh) + P.filesz, s.length);
    set64(b, ph(stackPh) + P.memsz, s.length);
  });
  add('PT_INTERP without a terminating NUL', (b) => {
    b.fill(0x41, interpAt, interpAt + 32);
    b.writeUInt32LE(PT_INTERP, ph(stackPh) + P.type);
    set64(b, ph(stackPh) + P.offset, interpAt);
    set64(b, ph(stackPh) + P.filesz, 32);
  });
  add('PT_INTERP p_filesz = 2^40', (b) => {
    b.writeUInt32LE(PT_INTERP, ph(stackPh) + P.type);
    set64(b, ph(stackPh) + P.offset, interpAt);
    set64(b, ph(stackPh) + P.filesz, 1n << 40n);
  });
  add('PT_INTERP naming the program itself (a directory path)', (b) => {
    const s = Buffer.from('/\0');
    s.copy(b, interpAt);
    b.writeUInt32LE(PT_INTERP, ph(stackPh) + P.type);
    set64(b, ph(stackPh) + P.offset, interpAt);
    set64(b, ph(stackPh) + P.filesz, s.length);
  });
}
// Seeded random flips.
for (let k = 0; k < 3; k++) {
  add('random bit flips in the ELF header', (b) => { b.__w = flip(b, 16, 64, 1 + randInt(3)); });
}
for (let k = 0; k < 4; k++) {
  add('random bit flips in the program headers', (b) => { b.__w = flip(b, phoff, phoff + phentsize * phnum, 1 + randInt(4)); });
}
for (let k = 0; k < 2; k++) {
  add('random truncation', (b) => b.subarray(0, 1 + randInt(base.length - 1)));
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const index = [];
mutants.forEach((m, i) => {
  const name = `${String(i).padStart(2, '0')}.elf`;
  writeFileSync(path.join(outDir, name), m.data);
  index.push({ file: name, size: m.data.length, mutation: m.desc + (m.data.__w ? ` (${m.data.__w})` : '') });
});
writeFileSync(path.join(outDir, 'index.json'), JSON.stringify({ seed: SEED, source: path.basename(input), mutants: index }, null, 2) + '\n');
console.log(`make-elf-mutants: wrote ${mutants.length} files to ${path.relative(root, outDir) || outDir}`);
