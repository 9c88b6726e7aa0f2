/* plan_cache.c - $XDG_CACHE_HOME/trapline/plans/KEY, else ~/.cache/...
 *
 * File: magic "TLPLAN" + format version, then the counts and the sites as
 * written in memory. A file that does not parse is ignored and replaced. */
#include "plan_cache.h"
#include "../base/strbuf.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PLAN_MAGIC "TLPLAN05"

struct plan_header {
    char magic[8];
    uint64_t count, found, unpatchable, swept;
};

void tl_plan_key(const struct tl_elf_image *img, const struct stat *st, char key[64])
{
    static const char hex[] = "0123456789abcdef";
    if (img->build_id_len) {
        char *p = key;
        for (size_t i = 0; i < img->build_id_len; i++) {
            *p++ = hex[img->build_id[i] >> 4];
            *p++ = hex[img->build_id[i] & 15];
        }
        *p = 0;
        return;
    }
    uint64_t h = 1469598103934665603ull;
    uint64_t parts[5] = { st ? st->st_dev : 0, st ? st->st_ino : 0, st ? (uint64_t)st->st_size : img->size,
                          st ? (uint64_t)st->st_mtim.tv_sec : 0, st ? (uint64_t)st->st_mtim.tv_nsec : 0 };
    for (int i = 0; i < 5; i++)
        for (int b = 0; b < 8; b++)
            h = (h ^ ((parts[i] >> (8 * b)) & 0xff)) * 1099511628211ull;
    struct tl_strbuf b = tl_sb_init(key, 64);
    tl_sb_str(&b, "file-");
    tl_sb_hex(&b, h, 16);
}

int tl_cache_path(const char *subdir, const char *name, char *out, size_t size, int make_dirs)
{
    const char *base = getenv("XDG_CACHE_HOME");
    char dir[4096];
    struct tl_strbuf d = tl_sb_init(dir, sizeof dir);
    if (base && *base)
        tl_sb_str(&d, base);
    else if (getenv("HOME"))
        tl_sb_str(&d, getenv("HOME")), tl_sb_str(&d, "/.cache");
    else
        return -1;
    /* BASE, BASE/trapline, BASE/trapline/SUBDIR: each made if asked. */
    if (make_dirs)
        mkdir(dir, 0700);
    tl_sb_str(&d, "/trapline");
    if (make_dirs)
        mkdir(dir, 0700);
    tl_sb_str(&d, "/");
    tl_sb_str(&d, subdir);
    if (make_dirs)
        mkdir(dir, 0700);
    struct tl_strbuf o = tl_sb_init(out, size);
    tl_sb_str(&o, dir);
    tl_sb_str(&o, "/");
    tl_sb_str(&o, name);
    return tl_sb_end(&o);
}

int tl_plan_cache_load(const char *key, struct tl_plan *plan)
{
    char path[4200];
    struct plan_header h;
    if (tl_cache_path("plans", key, path, sizeof path, 0))
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    memset(plan, 0, sizeof *plan);
    if (read(fd, &h, sizeof h) != sizeof h || memcmp(h.magic, PLAN_MAGIC, 8) || h.count > (1u << 24)) {
        close(fd);
        return -1;
    }
    size_t bytes = h.count * sizeof(struct tl_site);
    /* Most executables have no sites, the vDSO a few. */
    plan->sites = !bytes ? NULL : h.count <= TL_PLAN_INLINE ? plan->inline_sites : malloc(bytes);
    if (bytes && (!plan->sites || read(fd, plan->sites, bytes) != (ssize_t)bytes)) {
        close(fd);
        tl_plan_free(plan);
        return -1;
    }
    close(fd);
    plan->count = h.count;
    plan->found = h.found;
    plan->unpatchable = h.unpatchable;
    plan->swept = h.swept;
    return 0;
}

void tl_plan_cache_store(const char *key, const struct tl_plan *plan)
{
    char path[4200], tmp[4300];
    if (tl_cache_path("plans", key, path, sizeof path, 1))
        return;
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    struct plan_header h;
    memcpy(h.magic, PLAN_MAGIC, 8);
    h.count = plan->count;
    h.found = plan->found;
    h.unpatchable = plan->unpatchable;
    h.swept = plan->swept;
    size_t bytes = plan->count * sizeof(struct tl_site);
    int ok = write(fd, &h, sizeof h) == sizeof h &&
             write(fd, plan->sites, bytes) == (ssize_t)bytes;
    close(fd);
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
}
