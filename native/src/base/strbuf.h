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

struct tl_strbuf {
    char *p, *last; /* next byte to write; the byte kept for the NUL */
    int overflow;
};

static inline struct tl_strbuf tl_sb_init(char *buf, size_t size)
{
    struct tl_strbuf b = { buf, buf + (size ? size - 1 : 0), size == 0 };
    if (size)
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
    if (!b->overflow || b->p == b->last)
        *b->p = 0;
}

static inline void tl_sb_str(struct tl_strbuf *b, const char *s)
{
    tl_sb_strn(b, s, (size_t)-1);
}

/* Lower-case hex, at least `digits` digits. */
static inline void tl_sb_hex(struct tl_strbuf *b, uint64_t v, int digits)
{
    char tmp[17];
    int n = 0;
    do
        tmp[n++] = "0123456789abcdef"[v & 15];
    while ((v >>= 4) || n < digits);
    char out[17];
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = 0;
    tl_sb_str(b, out);
}

static inline void tl_sb_dec(struct tl_strbuf *b, uint64_t v)
{
    char tmp[21];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while (v /= 10);
    char out[21];
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = 0;
    tl_sb_str(b, out);
}

/* 0 if everything fitted, else -1 (the buffer holds what did). */
static inline int tl_sb_end(const struct tl_strbuf *b)
{
    return b->overflow ? -1 : 0;
}

#endif
