/* host_keep.h - memory the host keeps for the whole image, at start-up.
 *
 * Every exec starts the host again, and the first heap allocation there
 * costs mimalloc's heap and page set-up: about 100 µs of page faults on a
 * paravirtualised machine, for a handful of small blocks (the client's
 * environment, argv, plugin options) that are never freed. They come from
 * a small static area instead; the heap takes over when it is full, so
 * most images never touch the heap before a plugin or the rewriter needs
 * it. Nothing from here is ever freed. */
#ifndef TRAPLINE_HOST_KEEP_H
#define TRAPLINE_HOST_KEEP_H

#include <stddef.h>

/* size bytes, 16-aligned, zeroed, kept; NULL only if the heap is full. */
void *tl_keep(size_t size);

/* A kept copy of s. */
char *tl_keep_string(const char *s);

#endif
