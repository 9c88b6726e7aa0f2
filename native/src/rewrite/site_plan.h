/* site_plan.h - which syscall instructions of an object can be rewritten,
 * and which instructions move with each into its stub. */
#ifndef TRAPLINE_REWRITE_SITE_PLAN_H
#define TRAPLINE_REWRITE_SITE_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include "elf_image.h"

/* One patchable site. Addresses are the object's virtual addresses. The
 * window [start, start + len) holds whole instructions, the syscall among
 * them, none of them a jump target except `start`, none a branch or call. */
#define TL_WINDOW_MAX_INSNS 7

struct tl_site {
    uint64_t site;   /* the syscall instruction */
    uint64_t start;  /* first byte of the window: becomes `jmp stub` */
    uint32_t len;    /* window length, >= 5 */
    uint8_t ninsns;  /* instructions in the window, the syscall included */
    uint8_t unused[3];
    /* Each instruction's length, and the offset of its RIP-relative disp32
     * (0: none), so that patching needs no decoder. */
    uint8_t insn_len[TL_WINDOW_MAX_INSNS];
    uint8_t disp_off[TL_WINDOW_MAX_INSNS];
    uint8_t pad[2];
};

#define TL_PLAN_INLINE 8

struct tl_plan {
    struct tl_site *sites;  /* malloc'd or `inline_sites`, sorted by site */
    size_t count;           /* patchable sites */
    size_t found;           /* syscall instructions found */
    size_t unpatchable;     /* found but left to the backstop */
    size_t swept;           /* found by a sweep with no function bounds */
    /* A small cached plan (the vDSO's) is read here: no heap at start-up. */
    struct tl_site inline_sites[TL_PLAN_INLINE];
};

/* Plans every `syscall` instruction in the executable segments of img. */
int tl_plan_object(const struct tl_elf_image *img, struct tl_plan *plan);
void tl_plan_free(struct tl_plan *plan);

#endif
