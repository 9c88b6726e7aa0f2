/* patcher.h - turning planned windows into jumps to stubs. */
#ifndef TRAPLINE_REWRITE_PATCHER_H
#define TRAPLINE_REWRITE_PATCHER_H

#include <stddef.h>
#include <stdint.h>
#include "site_plan.h"

#include "../gate/site_map.h"

/* What patching one mapped range did. */
struct tl_patch {
    struct tl_patched_site *sites; /* in the site map's room (unpublished), by start */
    size_t patched;                /* entries in sites */
    uint64_t stub_lo, stub_hi;     /* the stub area */
};

/* Where a range's stubs may go, in order of preference. */
struct tl_stub_place {
    uint64_t room_lo, room_hi; /* unused bytes inside the range itself (the
                                  vDSO's last page), if they are enough */
    uint64_t below;            /* a new area ending here, if that is free */
};                             /* else a new area anywhere within reach */

/* Patches the sites of `plan` whose window lies in the mapped range
 * [lo, hi) of an object loaded with `bias` (runtime = vaddr + bias).
 * `prot` is the range's protection to restore. The stubs go where `place`
 * says. Sites
 * whose bytes differ from the plan are left alone. Returns 0 (with
 * out->patched possibly 0), or -1 if nothing could be patched. The caller
 * publishes the sites (tl_site_map_publish). */
int tl_patch_sites(const struct tl_plan *plan, uint64_t bias, uint64_t lo, uint64_t hi, int prot,
                   const struct tl_stub_place *place, struct tl_patch *out);

#endif
