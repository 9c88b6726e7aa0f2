/* plan_cache.h - rewrite plans kept on disk per build-id, so a warm start
 * pays no decoding. */
#ifndef TRAPLINE_REWRITE_PLAN_CACHE_H
#define TRAPLINE_REWRITE_PLAN_CACHE_H

#include "site_plan.h"
#include <sys/stat.h>

/* The cache key of an object: its build-id, else a digest of the file's
 * identity (device, inode, size, mtime). Writes at most 64 bytes. */
void tl_plan_key(const struct tl_elf_image *img, const struct stat *st, char key[64]);

/* The path of cache file `name` in $XDG_CACHE_HOME/trapline/SUBDIR (else
 * ~/.cache/...), creating the directories if make_dirs. 0, or -1 if there
 * is no cache directory or the path does not fit. */
int tl_cache_path(const char *subdir, const char *name, char *out, size_t size, int make_dirs);

/* Loads the plan for key; 0 on a hit. */
int tl_plan_cache_load(const char *key, struct tl_plan *plan);

/* Stores the plan for key (atomically; errors are ignored: the cache is an
 * optimisation). */
void tl_plan_cache_store(const char *key, const struct tl_plan *plan);

#endif
