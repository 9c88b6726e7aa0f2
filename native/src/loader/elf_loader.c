/* elf_loader.c - mapping an ELF executable or interpreter as the kernel's
 * binfmt_elf would: PT_LOAD segments at their addresses (or at a
 * kernel-chosen base for ET_DYN), bss zeroed, nothing else touched. */
#include "loader.h"
#include "../rewrite/rewrite.h"
#include "../host/host_keep.h"
#include "../base/sys.h"
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096ul
#define PAGE_DOWN(x) ((x) & ~(PAGE - 1))
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))
/* The most of a writable segment populated at load (see tl_load_elf). */
#define PREFAULT_MAX (64 * 1024ul)
#define MAX_PHNUM 128

static int prot_of(uint32_t flags)
{
    return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) |
           (flags & PF_X ? PROT_EXEC : 0);
}

static int fail(char *err, size_t errlen, int status, const char *path, const char *why)
{
    snprintf(err, errlen, "%s: %s", path, why);
    return status;
}

static int check_headers(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, off_t size, const char *path,
                         char *err, size_t errlen)
{
    int loads = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_INTERP && (ph[i].p_filesz < 2 || ph[i].p_filesz > 4095 ||
                                          ph[i].p_offset + ph[i].p_filesz > (uint64_t)size))
            return fail(err, errlen, 126, path, "invalid program interpreter");
        if (ph[i].p_type != PT_LOAD)
            continue;
        loads++;
        if (ph[i].p_filesz > ph[i].p_memsz || (ph[i].p_offset & (PAGE - 1)) != (ph[i].p_vaddr & (PAGE - 1)) ||
            ph[i].p_vaddr + ph[i].p_memsz < ph[i].p_vaddr || ph[i].p_vaddr + ph[i].p_memsz > (1ul << 47) ||
            ph[i].p_offset + ph[i].p_filesz < ph[i].p_offset)
            return fail(err, errlen, 126, path, "Exec format error (bad segment)");
        if (ph[i].p_filesz && ph[i].p_offset + ph[i].p_filesz > (uint64_t)size)
            return fail(err, errlen, 126, path, "Exec format error (truncated file)");
    }
    if (!loads)
        return fail(err, errlen, 126, path, "Exec format error (no loadable segment)");
    return 0;
}

int tl_load_elf(const char *path, struct tl_loaded_elf *out, char *err, size_t errlen)
{
    Elf64_Ehdr eh;
    Elf64_Phdr ph[MAX_PHNUM];
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, errlen, errno == ENOENT ? 127 : 126, path, strerror(errno));
    off_t size = lseek(fd, 0, SEEK_END);
    int status;
    if (pread(fd, &eh, sizeof eh, 0) != sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
        status = fail(err, errlen, 126, path, "Exec format error");
        goto out;
    }
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) {
        status = fail(err, errlen, 126, path,
                      eh.e_ident[EI_CLASS] == ELFCLASS32 && (eh.e_machine == EM_386 || eh.e_machine == EM_X86_64)
                          ? "32-bit x86 programs are not supported by trapline"
                          : "not an x86-64 program (other architecture)");
        goto out;
    }
    if ((eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_phentsize != sizeof(Elf64_Phdr) ||
        eh.e_phnum == 0 || eh.e_phnum > MAX_PHNUM ||
        pread(fd, ph, eh.e_phnum * sizeof *ph, (off_t)eh.e_phoff) != (ssize_t)(eh.e_phnum * sizeof *ph)) {
        status = fail(err, errlen, 126, path, "Exec format error");
        goto out;
    }
    if ((status = check_headers(&eh, ph, size, path, err, errlen)))
        goto out;

    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_type == PT_LOAD) {
            if (PAGE_DOWN(ph[i].p_vaddr) < lo)
                lo = PAGE_DOWN(ph[i].p_vaddr);
            if (PAGE_UP(ph[i].p_vaddr + ph[i].p_memsz) > hi)
                hi = PAGE_UP(ph[i].p_vaddr + ph[i].p_memsz);
        }
    /* Reserve the whole span first: at a kernel-chosen base for ET_DYN,
     * exactly where it asks for ET_EXEC (refusing to clobber anything). */
    void *span = mmap(eh.e_type == ET_EXEC ? (void *)lo : NULL, hi - lo, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | (eh.e_type == ET_EXEC ? MAP_FIXED_NOREPLACE : 0), -1, 0);
    if (span == MAP_FAILED || (eh.e_type == ET_EXEC && (uint64_t)span != lo)) {
        status = fail(err, errlen, 126, path, "cannot map the program at its fixed address");
        goto out;
    }
    out->bias = (uint64_t)span - lo;

    for (unsigned i = 0; i < eh.e_phnum; i++) {
        const Elf64_Phdr *p = &ph[i];
        if (p->p_type == PT_INTERP) {
            char *interp = tl_keep(p->p_filesz + 1); /* zeroed */
            if (!interp || pread(fd, interp, p->p_filesz, (off_t)p->p_offset) != (ssize_t)p->p_filesz) {
                status = fail(err, errlen, 126, path, "cannot read the program interpreter");
                goto out;
            }
            out->interp = interp;
        }
        if (p->p_type == PT_PHDR)
            out->phdr = out->bias + p->p_vaddr;
        if (p->p_type != PT_LOAD || !p->p_memsz)
            continue;
        int prot = prot_of(p->p_flags);
        uint64_t start = out->bias + PAGE_DOWN(p->p_vaddr);
        uint64_t file_end = out->bias + p->p_vaddr + p->p_filesz;
        uint64_t mem_end = PAGE_UP(out->bias + p->p_vaddr + p->p_memsz);
        if (p->p_filesz) {
            size_t len = PAGE_UP(file_end) - start;
            void *m = mmap((void *)start, len, prot | (p->p_memsz > p->p_filesz ? PROT_WRITE : 0),
                           MAP_PRIVATE | MAP_FIXED, fd, (off_t)PAGE_DOWN(p->p_offset));
            if (m == MAP_FAILED) {
                status = fail(err, errlen, 126, path, strerror(errno));
                goto out;
            }
            if (p->p_memsz > p->p_filesz && (file_end & (PAGE - 1)))
                memset((void *)file_end, 0, PAGE_UP(file_end) - file_end);
            if (p->p_memsz > p->p_filesz && !(prot & PROT_WRITE))
                mprotect((void *)start, len, prot);
        }
        uint64_t anon = p->p_filesz ? PAGE_UP(file_end) : start;
        if (mem_end > anon &&
            mmap((void *)anon, mem_end - anon, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
            status = fail(err, errlen, 126, path, strerror(errno));
            goto out;
        }
        /* Data, relocations and the start of bss are written as soon as
         * the program starts: in one call rather than a fault a page. */
        if (prot & PROT_WRITE)
            tl_populate_write((void *)start, (mem_end - start < PREFAULT_MAX ? mem_end - start : PREFAULT_MAX));
    }
    if (!out->phdr) {
        /* No PT_PHDR: the headers are wherever the loaded file puts them. */
        for (unsigned i = 0; i < eh.e_phnum; i++)
            if (ph[i].p_type == PT_LOAD && eh.e_phoff >= ph[i].p_offset &&
                eh.e_phoff + eh.e_phnum * sizeof *ph <= ph[i].p_offset + ph[i].p_filesz)
                out->phdr = out->bias + ph[i].p_vaddr + (eh.e_phoff - ph[i].p_offset);
    }
    out->phnum = eh.e_phnum;
    out->entry = out->bias + eh.e_entry;

    for (unsigned i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) && ph[i].p_filesz) {
            uint64_t start = out->bias + PAGE_DOWN(ph[i].p_vaddr);
            uint64_t end = PAGE_UP(out->bias + ph[i].p_vaddr + ph[i].p_filesz);
            tl_rewrite_file_mapping(path, fd, start, end - start, PAGE_DOWN(ph[i].p_offset),
                                    prot_of(ph[i].p_flags));
        }
    status = 0;
out:
    close(fd);
    return status;
}
