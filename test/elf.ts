// Hand-made minimal ELF executables for other architectures.

/** A minimal i386 ELF executable: exit(42) through int $0x80. */
export function i386Elf(): Buffer {
  const code = Buffer.from([0xb8, 1, 0, 0, 0, 0xbb, 42, 0, 0, 0, 0xcd, 0x80]);
  const base = 0x08048000;
  const ehsize = 52;
  const phsize = 32;
  const b = Buffer.alloc(ehsize + phsize + code.length);
  b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0], 0); // ELFCLASS32, little endian, version 1
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(3, 18); // EM_386
  b.writeUInt32LE(1, 20);
  b.writeUInt32LE(base + ehsize + phsize, 24); // e_entry
  b.writeUInt32LE(ehsize, 28); // e_phoff
  b.writeUInt16LE(ehsize, 40);
  b.writeUInt16LE(phsize, 42);
  b.writeUInt16LE(1, 44); // e_phnum
  b.writeUInt16LE(40, 46);
  const p = ehsize;
  b.writeUInt32LE(1, p); // PT_LOAD
  b.writeUInt32LE(0, p + 4); // p_offset
  b.writeUInt32LE(base, p + 8);
  b.writeUInt32LE(base, p + 12);
  b.writeUInt32LE(b.length, p + 16);
  b.writeUInt32LE(b.length, p + 20);
  b.writeUInt32LE(5, p + 24); // R+X
  b.writeUInt32LE(0x1000, p + 28);
  code.copy(b, ehsize + phsize);
  return b;
}

/** A minimal ELF64 header + PT_LOAD for another machine (default aarch64). */
export function foreignElf64(machine = 183): Buffer {
  const code = Buffer.from([0x40, 0x05, 0x80, 0xd2, 0xa8, 0x0b, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4]); // mov x0,#42; mov x8,#93; svc 0
  const base = 0x400000n;
  const b = Buffer.alloc(64 + 56 + code.length);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  b.writeUInt16LE(2, 16);
  b.writeUInt16LE(machine, 18);
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(base + 120n, 24);
  b.writeBigUInt64LE(64n, 32);
  b.writeUInt16LE(64, 52);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(1, 56);
  b.writeUInt16LE(64, 58);
  b.writeUInt32LE(1, 64);
  b.writeUInt32LE(5, 68);
  b.writeBigUInt64LE(0n, 72);
  b.writeBigUInt64LE(base, 80);
  b.writeBigUInt64LE(base, 88);
  b.writeBigUInt64LE(BigInt(b.length), 96);
  b.writeBigUInt64LE(BigInt(b.length), 104);
  b.writeBigUInt64LE(0x1000n, 112);
  code.copy(b, 120);
  return b;
}
