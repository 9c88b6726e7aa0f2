/* host_heap.c - where the host's heap lives.
 *
 * mimalloc is the host's malloc (it never calls brk: the program break is
 * the client's). Left alone, Debian's mimalloc 2.0.9 places its segments
 * at 2-4 TiB through address hints, inside the shadow memory of
 * AddressSanitizer and ThreadSanitizer, so sanitizer-built clients abort.
 * Before the first host allocation, this hands mimalloc one arena reserved
 * at a kernel-chosen address (NORESERVE: only touched pages cost memory) and
 * forbids it to ask the OS for more. Each allocating thread takes a 32 MiB
 * segment, so the size bounds the host's threads (docs/limitations.md).
 * Configured, not patched. */
#include "host_keep.h"
#include "../base/hot_text.h"
#include <mimalloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <stdint.h>

#define HOST_ARENA_SIZE (64ull << 30)
#define SEGMENT_ALIGN (64ull << 20) /* mimalloc arenas start segment-aligned */

__attribute__((constructor(101))) static void host_heap_setup(void)
{
    uint64_t size = HOST_ARENA_SIZE + SEGMENT_ALIGN;
    void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED)
        return; /* mimalloc falls back to its own OS allocations */
    uint64_t start = ((uint64_t)map + SEGMENT_ALIGN - 1) & ~(SEGMENT_ALIGN - 1);
    if (start > (uint64_t)map)
        munmap(map, start - (uint64_t)map);
    uint64_t end = start + HOST_ARENA_SIZE;
    if ((uint64_t)map + size > end)
        munmap((void *)end, (uint64_t)map + size - end);
    if (mi_manage_os_memory((void *)start, HOST_ARENA_SIZE, true, false, true, -1))
        mi_option_enable(mi_option_limit_os_alloc);
    else
        munmap((void *)start, HOST_ARENA_SIZE);
}

/* Start-up allocations (host_keep.h): host code runs one thread at a time
 * while the image starts, and later calls are rare (an exec's shebang). */
TL_STARTUP_BSS static _Alignas(16) unsigned char keep_area[16384];
TL_STARTUP_DATA static size_t keep_used;

void *tl_keep(size_t size)
{
    size = (size + 15) & ~(size_t)15;
    size_t at = __atomic_fetch_add(&keep_used, size, __ATOMIC_RELAXED);
    if (size <= sizeof keep_area && at <= sizeof keep_area - size)
        return keep_area + at; /* static: already zero */
    return calloc(1, size);
}

char *tl_keep_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = tl_keep(n);
    if (d)
        memcpy(d, s, n);
    return d;
}
