/* elf_image.h - read-only view of an ELF object for the rewriter.
 *
 * The rewriter plans from the file (or, for the vDSO, from memory) rather
 * than from what happens to be mapped when a segment appears, so a plan is
 * a property of the object and can be cached by build-id. */
#ifndef TRAPLINE_REWRITE_ELF_IMAGE_H
#define TRAPLINE_REWRITE_ELF_IMAGE_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

struct tl_elf_image {
    const uint8_t *data;   /* the whole file, or the vDSO image */
    size_t size;
    const Elf64_Ehdr *ehdr;
    const Elf64_Phdr *phdr;
    const Elf64_Shdr *shdr; /* NULL if absent or out of bounds */
    uint8_t build_id[20];
    size_t build_id_len;
};

/* The GNU build-id among `size` bytes of ELF notes at p, if there is one:
 * copied to id (at most 20 bytes) with its length in *len. */
void tl_elf_notes_build_id(const uint8_t *p, size_t size, uint8_t id[20], size_t *len);

/* Validates the headers; returns 0 or -1 if this is not a usable x86-64 ELF. */
int tl_elf_image_open(struct tl_elf_image *img, const void *data, size_t size);

/* Pointer to `len` bytes of file content at virtual address `vaddr`, or NULL
 * if they do not all lie in one PT_LOAD segment's file image. */
const uint8_t *tl_elf_at(const struct tl_elf_image *img, uint64_t vaddr, size_t len);

/* Section header by index, with bounds checks; NULL if invalid. */
const Elf64_Shdr *tl_elf_section(const struct tl_elf_image *img, unsigned idx);

/* Calls fn for every defined symbol of .symtab and .dynsym. */
void tl_elf_for_each_symbol(const struct tl_elf_image *img, void (*fn)(const Elf64_Sym *, void *), void *arg);

/* A function's address range [start, end). */
struct tl_range {
    uint64_t start, end;
};

/* The .eh_frame function holding va, found by binary search of
 * .eh_frame_hdr: 0, or -1 if none (or the table is not searchable). */
int tl_elf_fde_lookup(const struct tl_elf_image *img, uint64_t va, struct tl_range *out);

/* Function bounds the object tells: .eh_frame FDEs, then FUNC symbols of
 * .symtab and .dynsym. Returns a malloc'd array sorted by start (caller
 * frees) and its length in *count. */
struct tl_range *tl_elf_function_ranges(const struct tl_elf_image *img, size_t *count);

#endif
