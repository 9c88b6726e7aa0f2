/* site_map.h - where rewritten windows and their stubs are, for code that
 * must translate addresses while a signal is being handled (freestanding,
 * async-signal-safe, no allocation). */
#ifndef TRAPLINE_GATE_SITE_MAP_H
#define TRAPLINE_GATE_SITE_MAP_H

#include <stdint.h>

struct tl_patched_site {
    uint64_t start, site, end;  /* the window in client code; site: syscall */
    uint64_t stub;              /* its stub */
    uint32_t syscall_off;       /* offset in the stub of the syscall's replacement */
    uint32_t cont_off;          /* offset of the continuation (its lea) */
};

/* Every stub continuation starts with `lea site+2(%rip), %rcx` (48 8d 0d
 * disp32): RIP-relative, so that a stub area at a fixed distance from its
 * object is the same bytes wherever the object loads (image_cache.c). */
#define TL_STUB_CONT_LEN 7

/* Room for n more sites (host side): the caller writes them there, sorted
 * by start, then publishes them with tl_site_map_publish before they can
 * run. NULL if the map is full. Calls are serialised by the host. */
struct tl_patched_site *tl_site_map_room(uint32_t n);

/* Publishes the n sites written in the room as the patched sites of the
 * object range [lo, hi), whose stubs lie in [stub_lo, stub_hi). Returns 0,
 * -1 if full. */
int tl_site_map_publish(uint64_t lo, uint64_t hi, uint32_t n, uint64_t stub_lo, uint64_t stub_hi);

/* True if [addr, addr+len) overlaps a stub area. */
int tl_site_map_overlaps_stubs(uint64_t addr, uint64_t len);

/* The site whose window holds addr (start excluded: the jump there is the
 * client's), or NULL. */
const struct tl_patched_site *tl_site_by_window(uint64_t addr);

/* The site whose stub holds addr, or NULL. */
const struct tl_patched_site *tl_site_by_stub(uint64_t addr);

/* A client address inside a window, as the stub's equivalent address. */
uint64_t tl_site_window_to_stub(const struct tl_patched_site *s, uint64_t addr);

/* A stub address as the client address it stands for. */
uint64_t tl_site_stub_to_window(const struct tl_patched_site *s, uint64_t addr);

#endif
