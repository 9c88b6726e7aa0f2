/* strbuf.h - bounded string building without stdio.
 *
 * Host start-up builds a few paths and names on every exec. snprintf would
 * page in stdio's code, its jump tables and the locale's tables for that
 * (a handful of page faults, tens of µs on a paravirtualised machine);
 * these loops touch nothing but their buffer. The result is always
 * NUL-terminated; tl_sb_end says whether it all fitted. */
#ifndef TRAPLINE_BASE_STRBUF_H
#define TRAPLINE_BASE_STRBUF_H

#include <stddef.h>
#include <stdint.h>
#include "mem.h"

struct tl_strbuf {
    char *p, *last; /* next byte to write; the byte kept for the NUL */
    int overflow;
};

/* size > 0: the buffer always holds a NUL-terminated string. */
static inline struct tl_strbuf tl_sb_init(char *buf, size_t size)
{
    struct tl_strbuf b = { buf, buf + size - 1, 0 };
    *buf = 0;
    return b;
}

/* Appends at most max bytes of s. */
static inline void tl_sb_strn(struct tl_strbuf *b, const char *s, size_t max)
{
    for (; *s && max; s++, max--) {
        if (b->p == b->last) {
            b->overflow = 1;
            break;
        }
        *b->p++ = *s;
    }
    *b->p = 0;
}

static inline void tl_sb_str(struct tl_strbuf *b, const char *s)
{
    tl_sb_strn(b, s, (size_t)-1);
}

/* Lower-case hex, at least `digits` digits (at most 16). */
static inline void tl_sb_hex(struct tl_strbuf *b, uint64_t v, int digits)
{
    char out[17];
    char *d = out + 16;
    *d = 0;
    do
        *--d = "0123456789abcdef"[v & 15];
    while ((v >>= 4) || out + 16 - d < digits);
    tl_sb_str(b, d);
}

static inline void tl_sb_dec(struct tl_strbuf *b, uint64_t v)
{
    char out[21];
    tl_fmt_u64(out, v);
    tl_sb_str(b, out);
}

/* 0 if everything fitted, else -1 (the buffer holds what did). */
static inline int tl_sb_end(const struct tl_strbuf *b)
{
    return b->overflow ? -1 : 0;
}

#endif
