/* host_heap.h - the host's heap (host_heap.c): mimalloc, loaded by the
 * host's first allocation. */
#ifndef TRAPLINE_HOST_HEAP_H
#define TRAPLINE_HOST_HEAP_H

/* Loads the heap now if nothing has yet. Called before the host's own
 * dlopen()s: an allocation inside dlopen must not be the one that loads
 * mimalloc (a dlopen inside a dlopen). */
void tl_host_heap_load(void);

#endif
