/* image_cache.c - $XDG_CACHE_HOME/trapline/images/NAME.KEY.OFFSET
 *
 * File layout, all offsets page-aligned where mapped:
 *   [0, size)          the source file, the patched mapping's bytes replaced
 *   [H, ...)           header, then the site table (addresses relative to
 *                      the object's first page); H = size rounded up
 *   [stub_off, +stubs) the stub area
 * The copy keeps the source's file offsets, so the text is mapped from the
 * same offset as the original, and tools that read the mapped file (perf,
 * symbolizers) find the same ELF, build-id included. A header that does not
 * match the source's identity and the mapping is a miss; a file is replaced
 * by rename, never rewritten in place. */
#include "image_cache.h"
#include "elf_image.h"
#include "plan_cache.h"
#include "../base/strbuf.h"
#include "../base/hot_text.h"
#include "../base/sys.h"
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define IMAGE_MAGIC "TLIMG001"
#define PAGE_UP(x) (((x) + 4095) & ~(uint64_t)4095)

struct image_header {
    char magic[8];
    uint8_t made_by[20];                            /* trapline-exec's build-id */
    uint64_t dev, ino, size, mtime_sec, mtime_nsec; /* the source file */
    uint64_t offset, len;                           /* the mapping patched */
    uint64_t lo_from_base;                          /* its distance from the first page */
    uint64_t stub_size;                             /* the stub area ends at the first page */
    uint64_t stub_off;
    uint64_t nsites;
    uint64_t found, unpatchable, swept;             /* the plan's counts */
};

struct note_search {
    uint8_t id[20];
    size_t len;
};

static int find_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct note_search *ns = arg;
    for (unsigned i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_NOTE)
            tl_elf_notes_build_id((const uint8_t *)(info->dlpi_addr + ph->p_vaddr), ph->p_memsz, ns->id, &ns->len);
    }
    return 1; /* the first object is the program itself */
}

/* Stubs jump through thread-block offsets of this build: an image made by
 * another trapline is a miss. */
static const uint8_t *trapline_build_id(void)
{
    TL_STARTUP_BSS static struct note_search ns;
    if (!ns.len)
        dl_iterate_phdr(find_build_id, &ns);
    return ns.id;
}

static int image_path(const struct tl_image_mapping *m, char *out, size_t size, int make_dirs)
{
    const char *slash = strrchr(m->name, '/');
    char name[400];
    struct tl_strbuf b = tl_sb_init(name, sizeof name);
    tl_sb_strn(&b, slash ? slash + 1 : m->name, 200);
    tl_sb_str(&b, ".");
    tl_sb_str(&b, m->key);
    tl_sb_str(&b, ".");
    tl_sb_hex(&b, m->offset, 1);
    return tl_cache_path("images", name, out, size, make_dirs);
}

static void describe(const struct tl_image_mapping *m, struct image_header *h)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, IMAGE_MAGIC, 8);
    memcpy(h->made_by, trapline_build_id(), sizeof h->made_by);
    h->dev = m->st->st_dev, h->ino = m->st->st_ino, h->size = (uint64_t)m->st->st_size;
    h->mtime_sec = (uint64_t)m->st->st_mtim.tv_sec, h->mtime_nsec = (uint64_t)m->st->st_mtim.tv_nsec;
    h->offset = m->offset, h->len = m->len, h->lo_from_base = m->lo - m->base;
}

int tl_image_cache_map(const struct tl_image_mapping *m, struct tl_patch *out, struct tl_plan *counts)
{
    char path[4400];
    struct image_header want, h;
    struct stat cst;
    if (image_path(m, path, sizeof path, 0))
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    describe(m, &want);
    uint64_t hdr_at = PAGE_UP(want.size);
    size_t table = 0;
    struct tl_patched_site *sites = NULL;
    if (pread(fd, &h, sizeof h, (off_t)hdr_at) != sizeof h || fstat(fd, &cst) != 0 ||
        memcmp(&h, &want, offsetof(struct image_header, stub_size)) || !h.nsites || h.nsites > (1u << 20) ||
        h.stub_size > m->base || h.stub_off & 4095 || h.stub_off + h.stub_size > (uint64_t)cst.st_size)
        goto miss;
    table = h.nsites * sizeof *sites;
    sites = tl_site_map_room((uint32_t)h.nsites); /* read in place: no copy */
    if (!sites || pread(fd, sites, table, (off_t)(hdr_at + sizeof h)) != (ssize_t)table)
        goto miss;
    uint64_t stub_lo = m->base - h.stub_size;
    void *stubs = mmap((void *)stub_lo, h.stub_size, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd,
                       (off_t)h.stub_off);
    if (stubs == MAP_FAILED)
        goto miss;
    if ((uint64_t)stubs != stub_lo) { /* an old kernel ignored NOREPLACE */
        munmap(stubs, h.stub_size);
        goto miss;
    }
    if (mmap((void *)m->lo, m->len, m->prot, MAP_PRIVATE | MAP_FIXED, fd, (off_t)m->offset) == MAP_FAILED) {
        /* The range may be gone: put the original back, then patch it. */
        munmap(stubs, h.stub_size);
        mmap((void *)m->lo, m->len, m->prot, MAP_PRIVATE | MAP_FIXED, m->fd, (off_t)m->offset);
        goto miss;
    }
    close(fd);
    /* The page cache holds the image: map all of its text now rather than
     * a read fault for each stretch the program runs first. */
    tl_populate_read((void *)stub_lo, h.stub_size);
    tl_populate_read((void *)m->lo, m->len);
    for (size_t i = 0; i < h.nsites; i++) {
        sites[i].start += m->base, sites[i].site += m->base;
        sites[i].end += m->base, sites[i].stub += m->base;
    }
    out->sites = sites;
    out->patched = h.nsites;
    out->stub_lo = stub_lo;
    out->stub_hi = m->base;
    memset(counts, 0, sizeof *counts);
    counts->found = h.found, counts->unpatchable = h.unpatchable, counts->swept = h.swept;
    return 0;
miss:
    close(fd);
    return -1;
}

static int write_all(int fd, const void *p, uint64_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w <= 0)
            return -1;
        b += w, n -= (uint64_t)w;
    }
    return 0;
}

/* Zeros up to file offset `to`. */
static int pad_to(int fd, uint64_t *at, uint64_t to)
{
    static const uint8_t zeros[4096];
    while (*at < to) {
        uint64_t n = to - *at < sizeof zeros ? to - *at : sizeof zeros;
        if (write_all(fd, zeros, n))
            return -1;
        *at += n;
    }
    return 0;
}

int tl_image_cache_store(const struct tl_image_mapping *m, const uint8_t *file, const struct tl_patch *p,
                         const struct tl_plan *plan)
{
    char path[4400], tmp[4500];
    if (!p->patched || p->stub_hi != m->base || m->offset >= (uint64_t)m->st->st_size)
        return -1;
    if (image_path(m, path, sizeof path, 1))
        return -1;
    /* Images on a noexec mount could never be mapped: keep none there. */
    char *slash = strrchr(path, '/');
    struct statvfs vfs;
    *slash = 0;
    int noexec = statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC);
    *slash = '/';
    if (noexec)
        return -1;
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    struct image_header h;
    describe(m, &h);
    uint64_t size = h.size, at = 0;
    /* The mapped bytes as patched, up to the end of the file. */
    uint64_t mapped = size - m->offset < m->len ? size - m->offset : m->len;
    size_t table = p->patched * sizeof *p->sites;
    h.stub_size = p->stub_hi - p->stub_lo;
    h.stub_off = PAGE_UP(PAGE_UP(size) + sizeof h + table);
    h.nsites = p->patched;
    h.found = plan->found, h.unpatchable = plan->unpatchable, h.swept = plan->swept;
    struct tl_patched_site *rel = malloc(table);
    int ok = rel != NULL;
    for (size_t i = 0; ok && i < p->patched; i++) {
        rel[i] = p->sites[i];
        rel[i].start -= m->base, rel[i].site -= m->base;
        rel[i].end -= m->base, rel[i].stub -= m->base;
    }
    ok = ok && !write_all(fd, file, m->offset) && !write_all(fd, (const void *)m->lo, mapped) &&
         !write_all(fd, file + m->offset + mapped, size - m->offset - mapped);
    at = size;
    ok = ok && !pad_to(fd, &at, PAGE_UP(size)) && !write_all(fd, &h, sizeof h) && !write_all(fd, rel, table);
    at += sizeof h + table;
    ok = ok && !pad_to(fd, &at, h.stub_off) && !write_all(fd, (const void *)p->stub_lo, h.stub_size);
    free(rel);
    close(fd);
    if (ok && rename(tmp, path) == 0)
        return 0;
    unlink(tmp);
    return -1;
}
