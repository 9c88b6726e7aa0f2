/* rewrite.c - one object at a time: map its patched image from the cache,
 * else plan (from cache or by decoding), patch the part that is mapped and
 * keep the result; report it under TRAPLINE_DEBUG. */
#include "rewrite.h"
#include "elf_image.h"
#include "image_cache.h"
#include "../base/hot_text.h"
#include "../base/strbuf.h"
#include "patcher.h"
#include "plan_cache.h"
#include "site_plan.h"
#include "../gate/site_map.h"
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

TL_STARTUP_DATA static int debug;

void tl_rewrite_set_debug(int on)
{
    debug = on;
}

/* The runtime address of the object's first page: its stubs go below it. */
static uint64_t object_base(const struct tl_elf_image *img, uint64_t bias)
{
    uint64_t lo = UINT64_MAX;
    for (unsigned i = 0; i < img->ehdr->e_phnum; i++)
        if (img->phdr[i].p_type == PT_LOAD && img->phdr[i].p_vaddr < lo)
            lo = img->phdr[i].p_vaddr;
    return lo == UINT64_MAX ? 0 : (lo & ~4095ul) + bias;
}

/* The unused end of a memory image's last page (the vDSO's: about 1.5 KiB),
 * past everything its headers describe. */
static void image_room(const struct tl_elf_image *img, uint64_t base, uint64_t hi, struct tl_stub_place *place)
{
    uint64_t end = img->ehdr->e_shoff + (uint64_t)img->ehdr->e_shnum * img->ehdr->e_shentsize;
    for (unsigned i = 0; i < img->ehdr->e_phnum; i++) {
        uint64_t e = img->phdr[i].p_offset + img->phdr[i].p_filesz;
        if (e > end)
            end = e;
    }
    end = base + ((end + 63) & ~63ul);
    if (end < hi) {
        place->room_lo = end;
        place->room_hi = hi;
    }
}

/* Room kept free between the object and our view of its file. */
#define STUB_ROOM (4ul << 20)

/* Maps the whole file to read it, away from the space right below the
 * object: the kernel would put it there (top-down), where the stubs go. */
static void *map_apart(int fd, size_t size)
{
    size_t span = ((size + 4095) & ~4095ul) + STUB_ROOM;
    uint8_t *r = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED)
        return NULL;
    void *file = mmap(r, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    if (file == MAP_FAILED) {
        munmap(r, span);
        return NULL;
    }
    munmap(r + span - STUB_ROOM, STUB_ROOM);
    return file;
}

/* Reserves the STUB_ROOM below `base` (the object's stub place), or 0. */
static void *hold_below(uint64_t base)
{
    if (base < STUB_ROOM + 0x10000)
        return NULL;
    void *p = mmap((void *)(base - STUB_ROOM), STUB_ROOM, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if ((uint64_t)p != base - STUB_ROOM) { /* an old kernel ignored NOREPLACE */
        munmap(p, STUB_ROOM);
        return NULL;
    }
    return p;
}

/* An object as the rewriter sees it: its headers (`img`, perhaps only the
 * file's first page: enough for its key and layout), and the whole file,
 * mapped only when planning or keeping an image needs it. A cached image,
 * or a cached plan with nothing to patch, costs no view of the file. */
struct object {
    struct tl_elf_image img;
    int fd;            /* -1: a memory image, img is all of it */
    size_t size;
    void *whole;       /* the file, once mapped */
};

static const struct tl_elf_image *whole_image(struct object *o)
{
    if (o->fd < 0 || (o->whole && o->img.data == o->whole))
        return &o->img;
    if (!o->whole && !(o->whole = map_apart(o->fd, o->size)))
        return NULL;
    struct tl_elf_image full;
    if (tl_elf_image_open(&full, o->whole, o->size) != 0)
        return NULL;
    o->img = full;
    return &o->img;
}

/* Rewrites [lo, hi) of an object: from its cached patched image when there
 * is one (`m` set: a file mapping), else by planning and patching. */
static void rewrite_image(struct object *o, const char *name, struct tl_image_mapping *m,
                          const struct stat *st, uint64_t bias, uint64_t lo, uint64_t hi, int prot)
{
    char key[64];
    struct tl_plan plan = { 0 };
    struct tl_patch patch = { 0 };
    const char *image = "none";
    int hit = 1;
    uint64_t base = object_base(&o->img, bias);
    tl_plan_key(&o->img, st, key);
    if (m) {
        m->key = key, m->base = base;
    }
    if (m && tl_image_cache_map(m, &patch, &plan) == 0) {
        image = "mapped";
    } else {
        hit = tl_plan_cache_load(key, &plan) == 0;
        /* Planning loads the decoder (dlopen), whose mappings the kernel
         * puts right below the lowest one: where this object's stubs go.
         * The place is held meanwhile. */
        void *held = hit ? NULL : hold_below(base);
        const struct tl_elf_image *img = hit ? &o->img : whole_image(o);
        if (!hit && img && tl_plan_object(img, &plan) == 0)
            tl_plan_cache_store(key, &plan); /* a failed plan (no decoder) is not kept */
        if (held)
            munmap(held, STUB_ROOM);
        struct tl_stub_place place = { 0, 0, base };
        if (!m && !st)
            image_room(&o->img, base, hi, &place);
        if (tl_patch_sites(&plan, bias, lo, hi, prot, &place, &patch) == 0 && m && patch.patched &&
            patch.stub_hi == base && (img = whole_image(o)) &&
            tl_image_cache_store(m, img->data, &patch, &plan) == 0)
            image = "stored";
    }
    if (patch.stub_lo)
        tl_site_map_publish(lo, hi, (uint32_t)patch.patched, patch.stub_lo, patch.stub_hi);
    if (debug)
        fprintf(stderr, "trapline: rewrite %s sites=%zu patched=%zu backstop=%zu swept=%zu cache=%s image=%s\n",
                name, plan.found, patch.patched, plan.found - patch.patched, plan.swept, hit ? "hit" : "miss", image);
    tl_plan_free(&plan);
}

/* Its headers from the file's first page when everything the key and the
 * layout need is there (the usual case), else from the whole file. */
static int open_object(struct object *o, int fd, size_t size, uint8_t *head, size_t head_size)
{
    o->fd = fd, o->size = size, o->whole = NULL;
    ssize_t n = pread(fd, head, head_size, 0);
    if (n >= (ssize_t)sizeof(Elf64_Ehdr) && tl_elf_image_open(&o->img, head, (size_t)n) == 0) {
        int notes_inside = 1;
        for (unsigned i = 0; i < o->img.ehdr->e_phnum; i++)
            if (o->img.phdr[i].p_type == PT_NOTE && o->img.phdr[i].p_offset + o->img.phdr[i].p_filesz > (uint64_t)n)
                notes_inside = 0;
        if (notes_inside)
            return 0;
    }
    return whole_image(o) ? 0 : -1;
}

void tl_rewrite_file_mapping(const char *name, int fd, uint64_t addr, uint64_t len, uint64_t offset, int prot)
{
    struct stat st;
    uint8_t head[4096];
    struct object o;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr) ||
        open_object(&o, fd, (size_t)st.st_size, head, sizeof head) != 0) {
        return;
    }
    for (unsigned i = 0; i < o.img.ehdr->e_phnum; i++) {
        const Elf64_Phdr *ph = &o.img.phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        if (offset < (ph->p_offset & ~4095ul) || offset >= ph->p_offset + ph->p_filesz)
            continue;
        uint64_t bias = addr + ph->p_offset - ph->p_vaddr - offset;
        struct tl_image_mapping m = { .name = name, .st = &st, .fd = fd, .lo = addr,
                                      .len = (len + 4095) & ~4095ul, .offset = offset, .prot = prot };
        rewrite_image(&o, name, (addr | offset) & 4095 ? NULL : &m, &st, bias, addr, addr + len, prot);
        break;
    }
    if (o.whole)
        munmap(o.whole, o.size);
}

void tl_rewrite_memory_image(const char *name, uint64_t base, size_t size, int prot)
{
    struct object o = { .fd = -1 };
    if (tl_elf_image_open(&o.img, (const void *)base, size) != 0)
        return;
    /* A memory image is laid out by vaddr; p_offset == p_vaddr for the vDSO. */
    rewrite_image(&o, name, NULL, NULL, base, base, base + size, prot);
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

void tl_rewrite_mapping(uint64_t addr, uint64_t len, int fd, uint64_t offset, int prot)
{
    char path[4096];
    uint64_t start, end, off;
    if (fd >= 0 && prot >= 0) {
        /* A fresh mmap of a file: everything is known but the name, and
         * /proc/self/maps is costly to read (the kernel prints every
         * mapping). */
        char link[64];
        struct tl_strbuf b = tl_sb_init(link, sizeof link);
        tl_sb_str(&b, "/proc/thread-self/fd/"); /* see lookup_mapping */
        tl_sb_dec(&b, (uint64_t)fd);
        ssize_t n = readlink(link, path, sizeof path - 1);
        if (n <= 0)
            return;
        path[n] = 0;
        tl_rewrite_file_mapping(path, fd, addr, (len + 4095) & ~4095ul, offset, prot);
        return;
    }
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
