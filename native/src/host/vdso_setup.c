/* vdso_setup.c - routing the client's vDSO calls through the gate.
 *
 * Every consumer of the vDSO (ld.so, static glibc, musl, Go) finds its
 * functions through the vDSO's dynamic symbol table. trapline points the
 * subscribed symbols at its own entry points and keeps the original code
 * intact: the gate calls it for the real work, the host's libc (which
 * resolved the vDSO before any of this) keeps calling it directly, and no
 * instruction of the vDSO has to be relocated. The vDSO's syscall fallbacks
 * are rewritten like any other code. */
#include "../gate/gate.h"
#include "../base/sys.h"
#include "../rewrite/elf_image.h"
#include "../rewrite/rewrite.h"
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>

static const struct {
    const char *name;
    int fn;
    void *entry;
} targets[] = {
    { "clock_gettime", TRAPLINE_VDSO_CLOCK_GETTIME, (void *)tl_vdso_clock_gettime },
    { "gettimeofday", TRAPLINE_VDSO_GETTIMEOFDAY, (void *)tl_vdso_gettimeofday },
    { "time", TRAPLINE_VDSO_TIME, (void *)tl_vdso_time },
    { "getcpu", TRAPLINE_VDSO_GETCPU, (void *)tl_vdso_getcpu },
    { "clock_getres", TRAPLINE_VDSO_CLOCK_GETRES, (void *)tl_vdso_clock_getres },
    { "getrandom", TRAPLINE_VDSO_GETRANDOM, (void *)tl_vdso_getrandom },
};

static size_t vdso_size(const struct tl_elf_image *img)
{
    uint64_t end = 0;
    for (unsigned i = 0; i < img->ehdr->e_phnum; i++)
        if (img->phdr[i].p_type == PT_LOAD && img->phdr[i].p_vaddr + img->phdr[i].p_memsz > end)
            end = img->phdr[i].p_vaddr + img->phdr[i].p_memsz;
    return (end + 4095) & ~4095ul;
}

void tl_vdso_setup(void)
{
    uint64_t base = getauxval(AT_SYSINFO_EHDR);
    struct tl_elf_image img;
    if (!base || tl_elf_image_open(&img, (const void *)base, 1 << 20) != 0)
        return;
    size_t size = vdso_size(&img);
    img.size = size;
    if (!img.shdr && img.ehdr->e_shoff + (uint64_t)img.ehdr->e_shnum * sizeof(Elf64_Shdr) <= size)
        img.shdr = (const Elf64_Shdr *)(base + img.ehdr->e_shoff);

    if (tl_gate.any_vdso && img.shdr &&
        mprotect((void *)base, size, PROT_READ | PROT_WRITE | PROT_EXEC) == 0) {
        tl_populate_write((void *)base, size); /* both pages are written: copies made in one call */
        for (unsigned i = 1; i < img.ehdr->e_shnum; i++) {
            const Elf64_Shdr *sh = tl_elf_section(&img, i);
            if (!sh || sh->sh_type != SHT_DYNSYM || sh->sh_entsize != sizeof(Elf64_Sym))
                continue;
            const Elf64_Shdr *strs = tl_elf_section(&img, sh->sh_link);
            if (!strs)
                continue;
            Elf64_Sym *sym = (Elf64_Sym *)(base + sh->sh_offset);
            const char *names = (const char *)(base + strs->sh_offset);
            for (size_t k = 0; k < sh->sh_size / sizeof *sym; k++) {
                if (sym[k].st_name >= strs->sh_size || ELF64_ST_TYPE(sym[k].st_info) != STT_FUNC)
                    continue;
                const char *name = names + sym[k].st_name;
                if (!strncmp(name, "__vdso_", 7))
                    name += 7;
                for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
                    if (strcmp(name, targets[t].name) || !(tl_gate.any_vdso & (1u << targets[t].fn)))
                        continue;
                    tl_vdso_original[targets[t].fn] = (void *)(base + sym[k].st_value);
                    sym[k].st_value = (uint64_t)targets[t].entry - base;
                }
            }
        }
        /* Still writable for the rewrite, which restores RX: one
         * protection change that costs a TLB flush instead of two. */
        tl_rewrite_memory_image("[vdso]", base, size, PROT_READ | PROT_EXEC);
        mprotect((void *)base, size, PROT_READ | PROT_EXEC); /* no-op if the rewrite did */
        return;
    }
    tl_rewrite_memory_image("[vdso]", base, size, PROT_READ | PROT_EXEC);
}
