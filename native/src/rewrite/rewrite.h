/* rewrite.h - the rewriter's entry points, called by the loader at start-up
 * and by the gate (through a host call) when the client maps code. */
#ifndef TRAPLINE_REWRITE_REWRITE_H
#define TRAPLINE_REWRITE_REWRITE_H

#include <stddef.h>
#include <stdint.h>

/* Enables the per-object report on stderr (TRAPLINE_DEBUG). */
void tl_rewrite_set_debug(int on);

/* Rewrites the sites of the object in file `fd` whose mapping at `addr`
 * covers [addr, addr+len) from file offset `offset`, protection `prot`. */
void tl_rewrite_file_mapping(const char *name, int fd, uint64_t addr, uint64_t len, uint64_t offset, int prot);

/* Rewrites an object that exists only in memory (the vDSO). */
void tl_rewrite_memory_image(const char *name, uint64_t base, size_t size, int prot);

/* The host operation behind the gate's mmap/mprotect handling: a file
 * mapping just made (fd, offset and prot known), or, with fd < 0, whatever
 * /proc/self/maps shows at addr. */
void tl_rewrite_mapping(uint64_t addr, uint64_t len, int fd, uint64_t offset, int prot);

#endif
