/* capture_memory.h - blobs: the memory of a call's pointer arguments, for
 * the capture plugin (capture.c). Freestanding. */
#ifndef TRAPLINE_PLUGINS_CAPTURE_MEMORY_H
#define TRAPLINE_PLUGINS_CAPTURE_MEMORY_H

#include <stdint.h>
#include "trapline/plugin.h"
#include "../src/base/trace_record.h"

#define TL_CAPTURE_PATH_CAP 4096   /* paths are never cut below PATH_MAX */
#define TL_CAPTURE_STRVEC_CAP 8192 /* argv: whole strings up to this many bytes */
#define TL_CAPTURE_LENPTR_CAP 256  /* socklen_t-sized structures */
#define TL_CAPTURE_IOV_CAP 256     /* iovecs of a readv/writev (IOV_MAX is 1024) */
#define TL_CAPTURE_ARRAY_CAP 1024  /* elements of an array (pollfds) */

enum { TL_CAPTURE_ENTRY_SIDE = 1, TL_CAPTURE_EXIT_SIDE = 2 };

/* The host's helpers and -s, before any blob is written. */
void tl_capture_memory_init(const struct trapline_host *host, uint32_t string_limit);

static inline uint32_t tl_capture_align8(uint64_t n)
{
    return (uint32_t)((n + 7) & ~7ull);
}

/* Writes a blob's header; its data follows. */
static inline unsigned char *tl_capture_blob(unsigned char *w, unsigned arg, unsigned flags, uint32_t len)
{
    struct tl_trace_blob *b = (struct tl_trace_blob *)w;
    b->arg = (uint8_t)arg;
    b->flags = (uint8_t)flags;
    b->reserved = 0;
    b->len = len;
    return w + sizeof *b;
}

/* After `len` bytes of data at d: padding that reads as zeros. */
static inline unsigned char *tl_capture_pad(unsigned char *d, uint32_t len)
{
    for (uint32_t k = len; k & 7; k++)
        d[k] = 0;
    return d + tl_capture_align8(len);
}

/* A blob of `len` bytes of client memory at src, at most `cap` (and what
 * fits before `end`), at w; returns where the next blob goes. */
unsigned char *tl_capture_bytes(unsigned char *w, const unsigned char *end, unsigned arg, unsigned flags,
                                uint64_t src, uint64_t len, uint64_t cap);

/* The blobs of call c's pointer arguments for the given sides
 * (TL_CAPTURE_ENTRY_SIDE, TL_CAPTURE_EXIT_SIDE), at w, not past end. */
unsigned char *tl_capture_blobs(unsigned char *w, const unsigned char *end, const struct trapline_syscall *c,
                                int sides);

#endif
