/* patcher.h - turning planned windows into jumps to stubs. */
#ifndef TRAPLINE_REWRITE_PATCHER_H
#define TRAPLINE_REWRITE_PATCHER_H

#include <stddef.h>
#include <stdint.h>
#include "site_plan.h"

/* Patches the sites of `plan` whose window lies in the mapped range
 * [lo, hi) of an object loaded with `bias` (runtime = vaddr + bias).
 * `prot` is the range's protection to restore. Returns the number of sites
 * patched; sites whose bytes differ from the plan are left alone. */
size_t tl_patch_sites(const struct tl_plan *plan, uint64_t bias, uint64_t lo, uint64_t hi, int prot);

#endif
