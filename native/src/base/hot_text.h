/* hot_text.h - where the code of every intercepted call goes.
 *
 * On this class of machine (PTI without PCID) every page touched after a
 * system call is a TLB miss, and a miss costs as much as the whole gate.
 * So the code an intercepted call runs is kept on as few pages as can be:
 * src/gate/gate.ld puts TL_HOT functions first in trapline's freestanding
 * text, on a page boundary, then TL_WARM ones (calls that copy memory,
 * vDSO calls), then the rest. */
#ifndef TRAPLINE_BASE_HOT_TEXT_H
#define TRAPLINE_BASE_HOT_TEXT_H

/* Run by every intercepted syscall that a plugin or the gate handles. */
#define TL_HOT __attribute__((section(".text.tl_gate_hot")))
/* Run by many intercepted calls (memory copies, vDSO calls), but never
 * inlined into hot code, which it would spread over more pages. */
#define TL_WARM __attribute__((section(".text.tl_gate_warm"), noinline))
/* Never on an ordinary call's path: kept out of the pages above. */
#define TL_COLD_PATH __attribute__((noinline))

/* Small variables every image's start-up writes: in .data, on the page
 * the loader's relocations have already faulted in, rather than each on a
 * page of .bss of its own (a fault of about 15 µs here, on every exec). */
#define TL_STARTUP_DATA __attribute__((section(".data.tl_startup")))

/* Larger zeroed variables every start-up writes: gathered by gate.ld into
 * [tl_startup_bss_start, tl_startup_bss_end), which start-up makes present
 * in one call (tl_populate_write) instead of a fault for each. */
#define TL_STARTUP_BSS __attribute__((section(".bss.tl_startup")))
extern char tl_startup_bss_start[], tl_startup_bss_end[];

#endif
