/* mem.h - memory and string helpers for freestanding code.
 *
 * The gate may not call the host's libc: glibc's memcpy is an AVX-512
 * routine that would clobber the client's vector registers, and it may go
 * through lazy binding on the client's thread block. gcc still emits calls to
 * memcpy/memset for struct copies, so the Makefile renames those symbols in
 * freestanding objects to the tl_ versions below. */
#ifndef TRAPLINE_BASE_MEM_H
#define TRAPLINE_BASE_MEM_H

#include <stddef.h>

void *tl_memcpy(void *dst, const void *src, size_t n);
void *tl_memmove(void *dst, const void *src, size_t n);
void *tl_memset(void *dst, int c, size_t n);
int tl_memcmp(const void *a, const void *b, size_t n);
size_t tl_strlen(const char *s);
int tl_strcmp(const char *a, const char *b);

/* Formats v in decimal into buf (at least 21 bytes); returns the length. */
size_t tl_fmt_u64(char *buf, unsigned long long v);

#endif
