/* rewrite.c - one object at a time: plan (from cache or by decoding), then
 * patch the part that is mapped, and report it under TRAPLINE_DEBUG. */
#include "rewrite.h"
#include "elf_image.h"
#include "patcher.h"
#include "plan_cache.h"
#include "site_plan.h"
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int debug;

void tl_rewrite_set_debug(int on)
{
    debug = on;
}

static void rewrite_image(const char *name, const struct tl_elf_image *img, const struct stat *st,
                          uint64_t bias, uint64_t lo, uint64_t hi, int prot)
{
    char key[64];
    struct tl_plan plan;
    int hit;
    tl_plan_key(img, st, key);
    hit = tl_plan_cache_load(key, &plan) == 0;
    if (!hit && tl_plan_object(img, &plan) == 0)
        tl_plan_cache_store(key, &plan); /* a failed plan (no decoder) is not kept */
    size_t patched = tl_patch_sites(&plan, bias, lo, hi, prot);
    if (debug)
        fprintf(stderr, "trapline: rewrite %s sites=%zu patched=%zu backstop=%zu swept=%zu cache=%s\n",
                name, plan.found, patched, plan.found - patched, plan.swept, hit ? "hit" : "miss");
    tl_plan_free(&plan);
}

void tl_rewrite_file_mapping(const char *name, int fd, uint64_t addr, uint64_t len, uint64_t offset, int prot)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr))
        return;
    void *file = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (file == MAP_FAILED)
        return;
    struct tl_elf_image img;
    if (tl_elf_image_open(&img, file, (size_t)st.st_size) == 0) {
        for (unsigned i = 0; i < img.ehdr->e_phnum; i++) {
            const Elf64_Phdr *ph = &img.phdr[i];
            if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
                continue;
            if (offset < (ph->p_offset & ~4095ul) || offset >= ph->p_offset + ph->p_filesz)
                continue;
            uint64_t bias = addr + ph->p_offset - ph->p_vaddr - offset;
            rewrite_image(name, &img, &st, bias, addr, addr + len, prot);
            break;
        }
    }
    munmap(file, (size_t)st.st_size);
}

void tl_rewrite_memory_image(const char *name, uint64_t base, size_t size, int prot)
{
    struct tl_elf_image img;
    if (tl_elf_image_open(&img, (const void *)base, size) != 0)
        return;
    /* A memory image is laid out by vaddr; p_offset == p_vaddr for the vDSO. */
    rewrite_image(name, &img, NULL, base, base, base + size, prot);
}

/* Finds the file mapping holding addr in /proc/self/maps. */
static int lookup_mapping(uint64_t addr, char *path, size_t size, uint64_t *start, uint64_t *end,
                          uint64_t *offset, int *prot)
{
    /* thread-self: /proc/self is an empty zombie once the main thread has
     * called pthread_exit. */
    FILE *f = fopen("/proc/thread-self/maps", "re");
    char line[4608];
    int found = 0;
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof line, f)) {
        uint64_t s, e, off;
        char perms[8];
        int pathpos = 0;
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %n", &s, &e, perms, &off,
                   &pathpos) < 4 || addr < s || addr >= e)
            continue;
        if (perms[3] != 'p' || !pathpos || line[pathpos] != '/')
            break;
        line[strcspn(line, "\n")] = 0;
        snprintf(path, size, "%s", line + pathpos);
        *start = s, *end = e, *offset = off;
        *prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
                (perms[2] == 'x' ? PROT_EXEC : 0);
        found = 1;
    }
    fclose(f);
    return found;
}

void tl_rewrite_mapping(uint64_t addr, uint64_t len, int fd, uint64_t offset)
{
    char path[4096];
    uint64_t start, end, off;
    int prot;
    if (!lookup_mapping(addr, path, sizeof path, &start, &end, &off, &prot) || !(prot & PROT_EXEC))
        return;
    if (end > addr + len)
        end = addr + len;
    off += addr - start;
    int own = fd < 0;
    if (own)
        fd = open(path, O_RDONLY | O_CLOEXEC);
    else
        off = offset;
    if (fd < 0)
        return;
    tl_rewrite_file_mapping(path, fd, addr, end - addr, off, prot);
    if (own)
        close(fd);
}
