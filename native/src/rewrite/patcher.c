/* patcher.c - stubs and jumps.
 *
 * A window [start, start+len) becomes `jmp stub` (the rest int3). The stub
 * holds the window's instructions before the syscall, then
 *
 *     lea  cont(%rip), %rcx       ; rcx and r11 are dead at a syscall
 *     jmp  *%gs:TB_SYSCALL_ENTRY
 *   cont:
 *     lea  site+2(%rip), %rcx     ; rcx as the kernel leaves it
 *
 * then the instructions after the syscall, then a jump back to the window's
 * end. RIP-relative operands are re-aimed; nothing else is relocated
 * because the planner admits no branches into a window. Nothing in a stub
 * or a jump is absolute, so an object and a stub area placed at the same
 * distance from it are the same bytes in every process (image_cache.c). */
#include "patcher.h"
#include "../base/thread_block.h"
#include "../gate/site_map.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define STUB_MAX 96          /* bytes per stub, generous */
#define GIB2 0x7fff0000ll

static int near(uint64_t a, uint64_t b)
{
    int64_t d = (int64_t)(a - b);
    return d > -GIB2 && d < GIB2;
}

/* An anonymous area of `size` bytes within reach of [lo, hi). */
static uint8_t *alloc_near(uint64_t lo, uint64_t hi, size_t size)
{
    const uint64_t step = 1 << 20;
    for (uint64_t k = 1; k < 2000; k++) {
        for (int side = 0; side < 2; side++) {
            uint64_t at = side == 0 ? ((lo & ~(step - 1)) - k * step)
                                    : (((hi + step - 1) & ~(step - 1)) + (k - 1) * step);
            if (at < 0x10000 || !near(at, hi) || !near(at + size, lo))
                continue;
            void *p = mmap((void *)at, size, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
            if (p == MAP_FAILED)
                continue;
            if ((uint64_t)p == at)
                return p;
            munmap(p, size); /* an old kernel ignored NOREPLACE */
        }
    }
    return NULL;
}

/* Copies instruction i of window s (at runtime address `from`) to `to`,
 * re-aiming a RIP-relative operand. Returns its length, or 0 if it cannot
 * move there. */
static size_t relocate(uint8_t *to, uint64_t from, const struct tl_site *s, unsigned i)
{
    size_t len = s->insn_len[i];
    memcpy(to, (const void *)from, len);
    if (s->disp_off[i]) {
        int32_t old;
        memcpy(&old, (const void *)(from + s->disp_off[i]), 4);
        uint64_t target = from + len + (uint64_t)(int64_t)old;
        int64_t disp = (int64_t)(target - ((uint64_t)to + len));
        if (disp != (int32_t)disp)
            return 0;
        int32_t d32 = (int32_t)disp;
        memcpy(to + s->disp_off[i], &d32, 4);
    }
    return len;
}

static uint8_t *emit_jmp(uint8_t *p, uint64_t target)
{
    int64_t rel = (int64_t)(target - ((uint64_t)p + 5));
    if (rel == (int32_t)rel) {
        int32_t r = (int32_t)rel;
        *p++ = 0xe9;
        memcpy(p, &r, 4);
        return p + 4;
    }
    static const uint8_t abs_jmp[6] = { 0xff, 0x25, 0, 0, 0, 0 }; /* jmp *0(%rip) */
    memcpy(p, abs_jmp, 6);
    memcpy(p + 6, &target, 8);
    return p + 14;
}

/* Writes the stub for window s (runtime addresses start, site, end) at p;
 * returns its end and fills the offsets of the syscall's replacement and
 * continuation. */
static uint8_t *emit_stub(uint8_t *p, const struct tl_site *s, uint64_t start, uint64_t site, uint64_t end,
                          struct tl_patched_site *map)
{
    uint8_t *stub = p;
    unsigned i = 0;
    for (uint64_t pc = start; pc < site; i++) {
        size_t n = relocate(p, pc, s, i);
        if (!n)
            return NULL;
        p += n, pc += n;
    }
    i++; /* the syscall */
    static const uint8_t lea_rcx[3] = { 0x48, 0x8d, 0x0d };
    static const uint8_t jmp_gs[4] = { 0x65, 0xff, 0x24, 0x25 };
    int32_t disp = 8, entry = TB_SYSCALL_ENTRY;
    map->syscall_off = (uint32_t)(p - stub);
    memcpy(p, lea_rcx, 3), memcpy(p + 3, &disp, 4), p += 7;
    memcpy(p, jmp_gs, 4), memcpy(p + 4, &entry, 4), p += 8;
    map->cont_off = (uint32_t)(p - stub);
    int32_t to_next = (int32_t)(int64_t)(site + 2 - ((uint64_t)p + TL_STUB_CONT_LEN));
    memcpy(p, lea_rcx, 3), memcpy(p + 3, &to_next, 4), p += TL_STUB_CONT_LEN;
    for (uint64_t pc = site + 2; pc < end; i++) {
        size_t n = relocate(p, pc, s, i);
        if (!n)
            return NULL;
        p += n, pc += n;
    }
    return emit_jmp(p, end);
}

/* The plan is the object's; the bytes must still be the object's: the
 * syscall where the plan says, and instruction boundaries that add up. */
static int window_intact(const struct tl_site *s, uint64_t start, uint64_t site)
{
    const uint8_t *b = (const uint8_t *)site;
    if (b[0] != 0x0f || b[1] != 0x05 || !s->ninsns || s->ninsns > TL_WINDOW_MAX_INSNS)
        return 0;
    uint64_t pc = start;
    int seen_site = 0;
    for (unsigned i = 0; i < s->ninsns; i++) {
        seen_site |= pc == site;
        pc += s->insn_len[i];
    }
    return seen_site && pc == start + s->len;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Breaks copy-on-write for the pages about to be patched in one call per
 * run of pages: a write fault per page costs far more than the copy on a
 * paravirtualised machine (and the kernel may refuse: then faults it is). */
static void populate_patched_pages(const struct tl_plan *plan, uint64_t bias, uint64_t lo, uint64_t hi)
{
    uint64_t run_lo = 0, run_hi = 0;
    for (size_t i = 0; i <= plan->count; i++) {
        uint64_t a = 0, b = 0;
        if (i < plan->count) {
            a = (plan->sites[i].start + bias) & ~4095ul;
            b = (plan->sites[i].start + bias + plan->sites[i].len + 4095) & ~4095ul;
            if (a < lo || b > ((hi + 4095) & ~4095ul))
                continue;
        }
        if (i < plan->count && run_hi && a <= run_hi + 4096 * 4) {
            if (b > run_hi)
                run_hi = b; /* small gaps are cheaper to copy than to call for */
            continue;
        }
        if (run_hi)
            madvise((void *)run_lo, run_hi - run_lo, MADV_POPULATE_WRITE);
        run_lo = a, run_hi = b;
    }
}

/* The stub area: `size` bytes ending at `below` when that is free (the
 * place image_cache.c can reproduce), else anywhere within reach. */
static uint8_t *stub_area(uint64_t below, uint64_t lo, uint64_t hi, size_t size)
{
    if (below > size + 0x10000 && near(below - size, hi)) {
        void *p = mmap((void *)(below - size), size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (p != MAP_FAILED && (uint64_t)p == below - size)
            return p;
        if (p != MAP_FAILED)
            munmap(p, size); /* an old kernel ignored NOREPLACE */

    }
    return alloc_near(lo, hi, size);
}

int tl_patch_sites(const struct tl_plan *plan, uint64_t bias, uint64_t lo, uint64_t hi, int prot,
                   const struct tl_stub_place *place, struct tl_patch *out)
{
    size_t n = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < plan->count; i++)
        if (plan->sites[i].start + bias >= lo && plan->sites[i].start + plan->sites[i].len + bias <= hi)
            n++;
    if (!n)
        return 0;
    uint64_t page_lo = lo & ~4095ul, page_hi = (hi + 4095) & ~4095ul;
    /* Stubs in the range's own unused room cost no mapping and no
     * protection change of their own: the range is made writable anyway. */
    int inside = place->room_lo >= page_lo && place->room_hi <= page_hi &&
                 place->room_hi - place->room_lo >= n * STUB_MAX;
    size_t size = inside ? place->room_hi - place->room_lo : (n * STUB_MAX + 4095) & ~4095ul;
    uint8_t *area = inside ? (uint8_t *)place->room_lo : stub_area(place->below, lo, hi, size);
    if (!area)
        return -1;
    uint8_t *p = area;
    size_t patched = 0;
    struct tl_patched_site *map = tl_site_map_room((uint32_t)n);
    /* Keeping exec while patching (nothing runs this new code yet) makes
     * this a pure upgrade, which needs no TLB flush: only restoring `prot`
     * at the end does. A system that refuses W+X gets W alone. */
    int writable = PROT_READ | PROT_WRITE | (prot & PROT_EXEC);
    if (!map || (mprotect((void *)page_lo, page_hi - page_lo, writable) != 0 &&
                 mprotect((void *)page_lo, page_hi - page_lo, PROT_READ | PROT_WRITE) != 0)) {
        if (!inside)
            munmap(area, size);
        return -1;
    }
    populate_patched_pages(plan, bias, lo, hi);
    for (size_t i = 0; i < plan->count; i++) {
        const struct tl_site *s = &plan->sites[i];
        uint64_t start = s->start + bias, site = s->site + bias, end = start + s->len;
        if (start < lo || end > hi || !window_intact(s, start, site))
            continue;
        struct tl_patched_site *m = &map[patched];
        uint8_t *stub_end = emit_stub(p, s, start, site, end, m);
        if (!stub_end)
            continue;
        m->start = start, m->site = site, m->end = end, m->stub = (uint64_t)p;
        uint8_t *w = (uint8_t *)start;
        int32_t rel = (int32_t)((uint64_t)p - (start + 5));
        w[0] = 0xe9;
        memcpy(w + 1, &rel, 4);
        memset(w + 5, 0xcc, s->len - 5);
        p = (uint8_t *)(((uint64_t)stub_end + 15) & ~15ul);
        patched++;
    }
    mprotect((void *)page_lo, page_hi - page_lo, prot);
    if (!inside)
        mprotect(area, size, PROT_READ | PROT_EXEC);
    out->sites = map;
    out->patched = patched;
    out->stub_lo = (uint64_t)area;
    out->stub_hi = (uint64_t)area + size;
    return 0;
}
