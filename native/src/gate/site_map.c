/* site_map.c - patched windows and stubs by address. */
#include "site_map.h"
#include "../base/hot_text.h"

#define MAX_SITES 32768
#define MAX_RANGES 512

struct range {
    uint64_t lo, hi;           /* client code range */
    uint64_t stub_lo, stub_hi; /* its stub area */
    uint32_t first, count;     /* its sites in sites[] */
};

static struct tl_patched_site sites[MAX_SITES] __attribute__((aligned(4096)));
TL_STARTUP_DATA static uint32_t site_count;
static struct range ranges[MAX_RANGES];
TL_STARTUP_DATA static uint32_t range_count;

struct tl_patched_site *tl_site_map_room(uint32_t n)
{
    if (range_count == MAX_RANGES || site_count + n > MAX_SITES)
        return 0;
    return &sites[site_count];
}

int tl_site_map_publish(uint64_t lo, uint64_t hi, uint32_t n, uint64_t stub_lo, uint64_t stub_hi)
{
    if (range_count == MAX_RANGES || site_count + n > MAX_SITES)
        return -1;
    /* Publish the range only once its sites are in place. */
    ranges[range_count] = (struct range){ lo, hi, stub_lo, stub_hi, site_count, n };
    site_count += n;
    __atomic_store_n(&range_count, range_count + 1, __ATOMIC_RELEASE);
    return 0;
}

const struct tl_patched_site *tl_site_by_window(uint64_t addr)
{
    uint32_t nr = __atomic_load_n(&range_count, __ATOMIC_ACQUIRE);
    for (uint32_t r = 0; r < nr; r++) {
        const struct range *g = &ranges[r];
        if (addr < g->lo || addr >= g->hi)
            continue;
        uint32_t lo = g->first, hi = g->first + g->count;
        while (lo < hi) { /* last site with start < addr */
            uint32_t mid = (lo + hi) / 2;
            if (sites[mid].start < addr)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > g->first && addr < sites[lo - 1].end)
            return &sites[lo - 1];
    }
    return 0;
}

const struct tl_patched_site *tl_site_by_stub(uint64_t addr)
{
    uint32_t nr = __atomic_load_n(&range_count, __ATOMIC_ACQUIRE);
    for (uint32_t r = 0; r < nr; r++) {
        const struct range *g = &ranges[r];
        if (addr < g->stub_lo || addr >= g->stub_hi)
            continue;
        uint32_t lo = g->first, hi = g->first + g->count;
        while (lo < hi) { /* last site with stub <= addr */
            uint32_t mid = (lo + hi) / 2;
            if (sites[mid].stub <= addr)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo > g->first ? &sites[lo - 1] : 0;
    }
    return 0;
}

/* Instructions keep their lengths in the stub: the part before the syscall
 * sits at the stub's start, the part after it behind the continuation's
 * lea. */
uint64_t tl_site_window_to_stub(const struct tl_patched_site *s, uint64_t addr)
{
    if (addr < s->site)
        return s->stub + (addr - s->start);
    if (addr == s->site)
        return s->stub + s->syscall_off;
    if (addr == s->site + 2)
        return s->stub + s->cont_off;
    return s->stub + s->cont_off + TL_STUB_CONT_LEN + (addr - (s->site + 2));
}

uint64_t tl_site_stub_to_window(const struct tl_patched_site *s, uint64_t addr)
{
    uint64_t off = addr - s->stub;
    if (off < s->syscall_off)
        return s->start + off;
    if (off < s->cont_off)
        return s->site;            /* the syscall's replacement */
    if (off < s->cont_off + TL_STUB_CONT_LEN)
        return s->site + 2;        /* the lea: the syscall has happened */
    uint64_t a = s->site + 2 + (off - s->cont_off - TL_STUB_CONT_LEN);
    return a < s->end ? a : s->end;
}

int tl_site_map_overlaps_stubs(uint64_t addr, uint64_t len)
{
    uint32_t nr = __atomic_load_n(&range_count, __ATOMIC_ACQUIRE);
    for (uint32_t r = 0; r < nr; r++)
        if (addr < ranges[r].stub_hi && addr + len > ranges[r].stub_lo)
            return 1;
    return 0;
}
