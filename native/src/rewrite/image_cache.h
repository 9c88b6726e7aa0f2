/* image_cache.h - patched copies of objects, mapped instead of patched.
 *
 * Patching an object costs a copy-on-write fault and a page-table update
 * for every page it touches, in every process that loads it: about 1.4 ms
 * for libc and 0.6 ms for ld.so on a paravirtualised machine, on every
 * exec. Patched with its stub area right below it, an object is the same
 * bytes in every process (patcher.c emits nothing absolute), so the result
 * is kept on disk: a copy of the file with the patched text, then a header,
 * the site table and the stub area. Loading it again is two mmaps, and its
 * pages are shared through the page cache like the original's. */
#ifndef TRAPLINE_REWRITE_IMAGE_CACHE_H
#define TRAPLINE_REWRITE_IMAGE_CACHE_H

#include "patcher.h"
#include "site_plan.h"
#include <sys/stat.h>

/* The mapping of one object's code being rewritten. */
struct tl_image_mapping {
    const char *name;       /* its path, for the cache file's name */
    const char *key;        /* its plan key (plan_cache.h) */
    const struct stat *st;  /* the source file's identity */
    int fd;                 /* the source file, open */
    uint64_t base;          /* runtime address of the object's first page */
    uint64_t lo, len;       /* the mapping, page-aligned */
    uint64_t offset;        /* its file offset */
    int prot;
};

/* Maps the cached image of `m` over its range and its stubs right below
 * m->base. Returns 0 with *out filled (sites as runtime addresses, in the
 * site map's room, unpublished) and the plan's counts (found, unpatchable, swept; no sites) in
 * *counts, or -1 with the original mapping in place. */
int tl_image_cache_map(const struct tl_image_mapping *m, struct tl_patch *out, struct tl_plan *counts);

/* Stores the image of `m` just patched as `p` by `plan` (stubs right below
 * m->base); `file` is the whole source file. Returns 0 if stored; -1 if
 * not (it is a cache: nothing else happens), e.g. on a noexec mount. */
int tl_image_cache_store(const struct tl_image_mapping *m, const uint8_t *file, const struct tl_patch *p,
                         const struct tl_plan *plan);

#endif
