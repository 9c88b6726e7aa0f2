/* zydis.h - the decoder, loaded when a plan must be made.
 *
 * Zydis is needed only to plan an object that is not in the plan cache;
 * patching works from the plan alone. Loading it on demand spares every
 * exec with a warm cache the library's relocations (about a tenth of the
 * host's start-up page faults here). */
#ifndef TRAPLINE_REWRITE_ZYDIS_H
#define TRAPLINE_REWRITE_ZYDIS_H

#include <Zydis/Zydis.h>

struct tl_zydis {
    ZyanStatus (*init)(ZydisDecoder *, ZydisMachineMode, ZydisStackWidth);
    ZyanStatus (*decode)(const ZydisDecoder *, ZydisDecoderContext *, const void *, ZyanUSize,
                         ZydisDecodedInstruction *);
};

/* The decoder's entry points, or NULL if libZydis cannot be loaded. */
const struct tl_zydis *tl_zydis(void);

#endif
