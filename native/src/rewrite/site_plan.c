/* site_plan.c - finding syscall sites cheaply and choosing safe windows.
 *
 * Linear decoding of a whole libc costs tens of milliseconds, so the planner
 * scans bytes for 0f 05 first and decodes only the function around each
 * candidate (bounds from .eh_frame and symbols). Without bounds it sweeps
 * the gap between known functions, or the whole section. Decoding the whole
 * function also yields its direct jump targets: a window may start at one
 * but never contain one. */
#include "site_plan.h"
#include "zydis.h"
#include <stdlib.h>
#include <string.h>

enum {
    I_RELOCATABLE = 1, /* may be copied into a stub */
    I_SYSCALL = 2,
    I_RET = 4,
    I_TARGET = 8,      /* some direct branch lands here */
};

struct insn {
    uint64_t addr;
    uint8_t len;
    uint8_t flags;
    uint8_t disp_off; /* offset of a RIP-relative disp32, or 0 */
};

struct region {
    uint64_t start, end; /* decoded [start, end) */
    struct insn *v;
    size_t n;
    int flags_swept;  /* no function bounds: a sweep of the gap */
};

static ZydisDecoder decoder;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static ssize_t find_insn(const struct region *r, uint64_t addr)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->v[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->n && r->v[lo].addr == addr ? (ssize_t)lo : -1;
}

/* Decodes [start, end) linearly; marks direct branch targets. */
static int decode_region(const struct tl_elf_image *img, struct region *r)
{
    size_t cap = 64, ntargets = 0, tcap = 16;
    uint64_t *targets = malloc(tcap * sizeof *targets);
    const uint8_t *code = tl_elf_at(img, r->start, r->end - r->start);
    if (!code || !targets) {
        free(targets);
        return -1;
    }
    r->v = malloc(cap * sizeof *r->v);
    r->n = 0;
    uint64_t pc = r->start;
    while (pc < r->end) {
        ZydisDecodedInstruction in;
        ZydisDecoderContext ctx;
        struct insn x = { pc, 1, 0, 0 };
        if (ZYAN_SUCCESS(tl_zydis()->decode(&decoder, &ctx, code + (pc - r->start), r->end - pc, &in))) {
            x.len = in.length;
            if ((in.attributes & ZYDIS_ATTRIB_HAS_MODRM) && in.raw.modrm.mod == 0 && in.raw.modrm.rm == 5)
                x.disp_off = in.raw.disp.size == 32 ? in.raw.disp.offset : 0xff; /* 0xff: cannot move */
            switch (in.meta.category) {
            case ZYDIS_CATEGORY_COND_BR:
            case ZYDIS_CATEGORY_UNCOND_BR:
            case ZYDIS_CATEGORY_CALL:
                for (int k = 0; k < 2; k++)
                    if (in.raw.imm[k].is_relative) {
                        if (ntargets == tcap)
                            targets = realloc(targets, (tcap *= 2) * sizeof *targets);
                        targets[ntargets++] = pc + in.length + (uint64_t)in.raw.imm[k].value.s;
                    }
                break;
            case ZYDIS_CATEGORY_RET:
                x.flags = I_RET;
                break;
            case ZYDIS_CATEGORY_SYSCALL:
                if (in.mnemonic == ZYDIS_MNEMONIC_SYSCALL)
                    x.flags = I_SYSCALL;
                break;
            case ZYDIS_CATEGORY_INTERRUPT:
            case ZYDIS_CATEGORY_SYSTEM:
            case ZYDIS_CATEGORY_SYSRET:
                break;
            default:
                /* xbegin/xabort and loops have relative targets too */
                if (in.raw.imm[0].is_relative || in.raw.imm[1].is_relative)
                    break;
                x.flags = I_RELOCATABLE;
            }
        }
        if (x.disp_off == 0xff)
            x.flags &= (uint8_t)~I_RELOCATABLE;
        if (r->n == cap)
            r->v = realloc(r->v, (cap *= 2) * sizeof *r->v);
        r->v[r->n++] = x;
        pc += x.len;
    }
    qsort(targets, ntargets, sizeof *targets, cmp_u64);
    for (size_t i = 0; i < ntargets; i++) {
        ssize_t k = find_insn(r, targets[i]);
        if (k >= 0)
            r->v[k].flags |= I_TARGET;
    }
    free(targets);
    return 0;
}

/* A window around the syscall at index k, or 0. Windows made of the
 * instructions before the syscall come first: after a syscall that does not
 * return (exit), the next bytes may be another function, whose entry no
 * branch in sight reveals. */
static int choose_window(const struct region *r, size_t k, struct tl_site *out)
{
    uint32_t best = 0;
    for (size_t max_q = 0; max_q <= 3 && !best; max_q += 3) {
        for (size_t p = 0; p <= 3 && p <= k; p++) {
            int ok = 1;
            uint32_t pre = 0;
            for (size_t i = k - p; i < k; i++) {
                if (!(r->v[i].flags & I_RELOCATABLE))
                    ok = 0;
                pre += r->v[i].len;
            }
            /* Only the window's first instruction may be a jump target. */
            for (size_t i = k - p + 1; i <= k; i++)
                if (r->v[i].flags & I_TARGET)
                    ok = 0;
            if (!ok)
                continue;
            uint32_t len = pre + r->v[k].len;
            for (size_t q = 0; q <= max_q && k + q < r->n; q++) {
                if (q > 0) {
                    const struct insn *x = &r->v[k + q];
                    if ((x->flags & I_TARGET) || !(x->flags & (I_RELOCATABLE | I_RET)))
                        break;
                    if ((r->v[k + q - 1].flags & I_RET) && q > 1)
                        break;
                    len += x->len;
                }
                if (len >= 5 && (!best || len < best)) {
                    best = len;
                    out->start = r->v[k - p].addr;
                    out->len = len;
                    out->site = r->v[k].addr;
                    out->ninsns = (uint8_t)(p + 1 + q);
                    for (size_t i = 0; i < p + 1 + q; i++) {
                        out->insn_len[i] = r->v[k - p + i].len;
                        out->disp_off[i] = r->v[k - p + i].disp_off;
                    }
                }
                if (r->v[k + q].flags & I_RET)
                    break;
            }
        }
    }
    return best != 0;
}

/* Symbols mark entries that no branch in the region shows (functions
 * called from elsewhere, asm entry points without a size). */
static void mark_symbol(const Elf64_Sym *sym, void *arg)
{
    struct region *r = arg;
    int type = ELF64_ST_TYPE(sym->st_info);
    if (type == STT_SECTION || type == STT_FILE || sym->st_value < r->start || sym->st_value >= r->end)
        return;
    ssize_t at = find_insn(r, sym->st_value);
    if (at >= 0)
        r->v[at].flags |= I_TARGET;
}

static void push_site(struct tl_plan *plan, size_t *cap, const struct tl_site *s)
{
    if (plan->count == *cap)
        plan->sites = realloc(plan->sites, (*cap = *cap ? *cap * 2 : 32) * sizeof *s);
    plan->sites[plan->count++] = *s;
}

/* Bounds of the executable section holding vaddr, else of its segment. */
static void container_bounds(const struct tl_elf_image *img, const Elf64_Phdr *seg, uint64_t vaddr,
                             uint64_t *lo, uint64_t *hi)
{
    *lo = seg->p_vaddr;
    *hi = seg->p_vaddr + seg->p_filesz;
    if (!img->shdr)
        return;
    for (unsigned i = 1; i < img->ehdr->e_shnum; i++) {
        const Elf64_Shdr *sh = tl_elf_section(img, i);
        if (sh && (sh->sh_flags & SHF_EXECINSTR) && sh->sh_type == SHT_PROGBITS &&
            vaddr >= sh->sh_addr && vaddr < sh->sh_addr + sh->sh_size &&
            sh->sh_addr >= *lo && sh->sh_addr + sh->sh_size <= *hi) {
            *lo = sh->sh_addr;
            *hi = sh->sh_addr + sh->sh_size;
            return;
        }
    }
}

int tl_plan_object(const struct tl_elf_image *img, struct tl_plan *plan)
{
    static int ready;
    memset(plan, 0, sizeof *plan);
    if (!tl_zydis())
        return -1; /* no decoder: nothing is planned, the backstop catches all */
    if (!ready) {
        tl_zydis()->init(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
        ready = 1;
    }
    /* All function bounds are gathered only if some candidate lies outside
     * every FDE (most objects: never). */
    size_t nranges = 0, cap = 0;
    struct tl_range *ranges = NULL;
    int have_ranges = 0;
    struct region cur = { 0, 0, NULL, 0, 0 };

    for (unsigned s = 0; s < img->ehdr->e_phnum; s++) {
        const Elf64_Phdr *seg = &img->phdr[s];
        if (seg->p_type != PT_LOAD || !(seg->p_flags & PF_X) || seg->p_filesz < 2)
            continue;
        const uint8_t *code = tl_elf_at(img, seg->p_vaddr, seg->p_filesz);
        if (!code)
            continue;
        /* Scan for the second byte: 05 is rarer than 0f (every two-byte
         * opcode starts with 0f). */
        for (uint64_t from = 1; from < seg->p_filesz;) {
            const uint8_t *five = memchr(code + from, 0x05, seg->p_filesz - from);
            if (!five)
                break;
            from = (uint64_t)(five - code) + 1;
            if (five[-1] != 0x0f)
                continue;
            uint64_t off = (uint64_t)(five - code) - 1;
            uint64_t va = seg->p_vaddr + off;
            if (!(va >= cur.start && va < cur.end)) {
                /* The innermost known function around va, else the gap
                 * between known functions inside its section. */
                uint64_t lo, hi, best_lo = 0, best_hi = 0;
                int swept = 1;
                container_bounds(img, seg, va, &lo, &hi);
                struct tl_range fde;
                if (tl_elf_fde_lookup(img, va, &fde) == 0 && fde.start >= lo && fde.end <= hi) {
                    best_lo = fde.start, best_hi = fde.end;
                    swept = 0;
                    goto decode;
                }
                if (!have_ranges) {
                    ranges = tl_elf_function_ranges(img, &nranges);
                    have_ranges = 1;
                }
                /* ranges[0..first_after) start at or before va */
                size_t first_after = 0, n = nranges;
                while (n) {
                    size_t half = n / 2;
                    if (ranges[first_after + half].start <= va)
                        first_after += half + 1, n -= half + 1;
                    else
                        n = half;
                }
                for (size_t i = first_after; i-- > 0;) {
                    if (ranges[i].end > va && ranges[i].start >= lo && ranges[i].end <= hi) {
                        best_lo = ranges[i].start, best_hi = ranges[i].end;
                        swept = 0;
                        break; /* the latest start: the innermost function */
                    }
                    if (va - ranges[i].start > (1u << 20))
                        break; /* no function is that long */
                }
                if (swept) {
                    /* The gap between known functions around va. */
                    best_lo = lo, best_hi = hi;
                    for (size_t i = 0; i < first_after; i++)
                        if (ranges[i].end <= va && ranges[i].end > best_lo)
                            best_lo = ranges[i].end;
                    if (first_after < nranges && ranges[first_after].start < best_hi)
                        best_hi = ranges[first_after].start;
                }
            decode:
                free(cur.v);
                cur.v = NULL;
                cur.start = best_lo;
                cur.end = best_hi;
                if (decode_region(img, &cur))
                    cur.n = 0;
                else if (swept)
                    tl_elf_for_each_symbol(img, mark_symbol, &cur);
                cur.flags_swept = swept;
            }
            ssize_t k = find_insn(&cur, va);
            if (k < 0 || !(cur.v[k].flags & I_SYSCALL))
                continue; /* 0f 05 inside another instruction */
            plan->found++;
            if (cur.flags_swept)
                plan->swept++;
            struct tl_site site;
            memset(&site, 0, sizeof site);
            if (choose_window(&cur, (size_t)k, &site)) {
                push_site(plan, &cap, &site);
            } else {
                plan->unpatchable++;
            }
        }
    }
    free(cur.v);
    free(ranges);
    return 0;
}

void tl_plan_free(struct tl_plan *plan)
{
    if (plan->sites != plan->inline_sites)
        free(plan->sites);
    memset(plan, 0, sizeof *plan);
}
