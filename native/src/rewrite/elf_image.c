/* elf_image.c - ELF headers, build-id and function bounds. */
#include "elf_image.h"
#include <stdlib.h>
#include <string.h>

static int in_file(const struct tl_elf_image *img, uint64_t off, uint64_t len)
{
    return off <= img->size && len <= img->size - off;
}

void tl_elf_notes_build_id(const uint8_t *p, size_t size, uint8_t id[20], size_t *len)
{
    const uint8_t *end = p + size;
    while (p + sizeof(Elf64_Nhdr) <= end) {
        const Elf64_Nhdr *nh = (const Elf64_Nhdr *)p;
        size_t name = (nh->n_namesz + 3) & ~3u, desc = (nh->n_descsz + 3) & ~3u;
        const uint8_t *d = p + sizeof *nh + name;
        if (d + desc > end)
            break;
        if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(p + sizeof *nh, "GNU", 4)) {
            *len = nh->n_descsz < 20 ? nh->n_descsz : 20;
            memcpy(id, d, *len);
        }
        p = d + desc;
    }
}

int tl_elf_image_open(struct tl_elf_image *img, const void *data, size_t size)
{
    memset(img, 0, sizeof *img);
    img->data = data;
    img->size = size;
    if (size < sizeof(Elf64_Ehdr))
        return -1;
    const Elf64_Ehdr *eh = data;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_machine != EM_X86_64 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
        !in_file(img, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
        return -1;
    img->ehdr = eh;
    img->phdr = (const Elf64_Phdr *)(img->data + eh->e_phoff);
    if (eh->e_shoff && eh->e_shentsize == sizeof(Elf64_Shdr) &&
        in_file(img, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
        img->shdr = (const Elf64_Shdr *)(img->data + eh->e_shoff);

    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = &img->phdr[i];
        if (ph->p_type == PT_NOTE && in_file(img, ph->p_offset, ph->p_filesz))
            tl_elf_notes_build_id(img->data + ph->p_offset, ph->p_filesz, img->build_id, &img->build_id_len);
    }
    return 0;
}

const uint8_t *tl_elf_at(const struct tl_elf_image *img, uint64_t vaddr, size_t len)
{
    for (unsigned i = 0; i < img->ehdr->e_phnum; i++) {
        const Elf64_Phdr *ph = &img->phdr[i];
        if (ph->p_type != PT_LOAD || vaddr < ph->p_vaddr || vaddr - ph->p_vaddr > ph->p_filesz ||
            len > ph->p_filesz - (vaddr - ph->p_vaddr))
            continue;
        uint64_t off = ph->p_offset + (vaddr - ph->p_vaddr);
        return in_file(img, off, len) ? img->data + off : NULL;
    }
    return NULL;
}

const Elf64_Shdr *tl_elf_section(const struct tl_elf_image *img, unsigned idx)
{
    if (!img->shdr || idx == 0 || idx >= img->ehdr->e_shnum)
        return NULL;
    const Elf64_Shdr *sh = &img->shdr[idx];
    if (sh->sh_type != SHT_NOBITS && !in_file(img, sh->sh_offset, sh->sh_size))
        return NULL;
    return sh;
}

/* --- .eh_frame ------------------------------------------------------------ */

struct cursor {
    const uint8_t *p, *end;
    uint64_t vaddr; /* virtual address of p */
    int bad;
};

static uint64_t uleb(struct cursor *c)
{
    uint64_t v = 0;
    for (int shift = 0; c->p < c->end && shift < 64; shift += 7) {
        uint8_t b = *c->p++;
        c->vaddr++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    c->bad = 1;
    return 0;
}

static int64_t sleb(struct cursor *c)
{
    int64_t v = 0;
    int shift = 0;
    uint8_t b = 0x80;
    while (c->p < c->end && (b & 0x80) && shift < 64) {
        b = *c->p++;
        c->vaddr++;
        v |= (int64_t)(b & 0x7f) << shift;
        shift += 7;
    }
    if (b & 0x80)
        c->bad = 1;
    else if (shift < 64 && (b & 0x40))
        v |= -((int64_t)1 << shift);
    return v;
}

static uint64_t fixed(struct cursor *c, size_t n)
{
    uint64_t v = 0;
    if ((size_t)(c->end - c->p) < n) {
        c->bad = 1;
        return 0;
    }
    memcpy(&v, c->p, n);
    c->p += n;
    c->vaddr += n;
    return v;
}

/* Reads a DW_EH_PE-encoded pointer; `datarel` is the base for 0x30. */
static uint64_t encoded(struct cursor *c, uint8_t enc, uint64_t datarel)
{
    uint64_t at = c->vaddr, v;
    if (enc == 0xff)
        return 0;
    switch (enc & 0x0f) {
    case 0x00: v = fixed(c, 8); break;
    case 0x01: v = uleb(c); break;
    case 0x02: v = fixed(c, 2); break;
    case 0x03: v = fixed(c, 4); break;
    case 0x04: v = fixed(c, 8); break;
    case 0x09: v = (uint64_t)sleb(c); break;
    case 0x0a: v = (uint64_t)(int64_t)(int16_t)fixed(c, 2); break;
    case 0x0b: v = (uint64_t)(int64_t)(int32_t)fixed(c, 4); break;
    case 0x0c: v = fixed(c, 8); break;
    default: c->bad = 1; return 0;
    }
    switch (enc & 0x70) {
    case 0x00: break;
    case 0x10: v += at; break;
    case 0x30: v += datarel; break;
    default: c->bad = 1;
    }
    if (enc & 0x80)
        c->bad = 1; /* indirect: never used for FDE ranges */
    return v;
}

/* Parses the CIE at `vaddr` for its FDE pointer encoding ('R') and whether
 * it describes signal frames ('S'): those FDEs start one byte before the
 * trampoline (unwinders do not subtract one from a signal frame's pc), so in
 * the middle of an instruction. */
static int cie_fde_encoding(const struct tl_elf_image *img, uint64_t vaddr, uint8_t *enc, int *signal_frame)
{
    const uint8_t *p = tl_elf_at(img, vaddr, 4);
    if (!p)
        return -1;
    uint32_t len32;
    memcpy(&len32, p, 4);
    if (len32 == 0 || len32 == 0xffffffff)
        return -1;
    p = tl_elf_at(img, vaddr, 4 + (size_t)len32);
    if (!p)
        return -1;
    struct cursor c = { p + 4, p + 4 + len32, vaddr + 4, 0 };
    if (fixed(&c, 4) != 0)
        return -1; /* not a CIE */
    uint8_t version = (uint8_t)fixed(&c, 1);
    const char *aug = (const char *)c.p;
    size_t auglen = strnlen(aug, (size_t)(c.end - c.p));
    c.p += auglen + 1;
    c.vaddr += auglen + 1;
    if (strstr(aug, "eh"))
        fixed(&c, 8);
    uleb(&c);
    sleb(&c);
    if (version == 1)
        fixed(&c, 1);
    else
        uleb(&c);
    *enc = 0x00;
    *signal_frame = 0;
    if (aug[0] == 'z') {
        uleb(&c);
        for (const char *a = aug + 1; *a && !c.bad; a++) {
            if (*a == 'R')
                *enc = (uint8_t)fixed(&c, 1);
            else if (*a == 'L')
                fixed(&c, 1);
            else if (*a == 'P') {
                uint8_t penc = (uint8_t)fixed(&c, 1);
                encoded(&c, penc & 0x7f, 0);
            } else if (*a == 'S') {
                *signal_frame = 1;
            } else if (*a != 'B') {
                return -1;
            }
        }
    }
    return c.bad ? -1 : 0;
}

struct range_list {
    struct tl_range *v;
    size_t n, cap;
};

static void push_range(struct range_list *l, uint64_t start, uint64_t end)
{
    if (end <= start)
        return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n].start = start;
    l->v[l->n].end = end;
    l->n++;
}

/* FDE ranges, found through the binary-search table of .eh_frame_hdr. */
static void fde_ranges(const struct tl_elf_image *img, struct range_list *out)
{
    const Elf64_Phdr *eh = NULL;
    for (unsigned i = 0; i < img->ehdr->e_phnum; i++)
        if (img->phdr[i].p_type == PT_GNU_EH_FRAME)
            eh = &img->phdr[i];
    if (!eh)
        return;
    const uint8_t *hdr = tl_elf_at(img, eh->p_vaddr, eh->p_filesz);
    if (!hdr || eh->p_filesz < 4 || hdr[0] != 1)
        return;
    uint64_t base = eh->p_vaddr;
    struct cursor c = { hdr + 4, hdr + eh->p_filesz, base + 4, 0 };
    uint8_t ptr_enc = hdr[1], count_enc = hdr[2], table_enc = hdr[3];
    encoded(&c, ptr_enc, base);
    uint64_t count = encoded(&c, count_enc, base);
    if (c.bad || table_enc == 0xff)
        return;
    uint8_t last_cie_enc = 0;
    uint64_t last_cie = 0;
    int last_cie_signal = 0;
    for (uint64_t i = 0; i < count && !c.bad; i++) {
        uint64_t start = encoded(&c, table_enc, base);
        uint64_t fde = encoded(&c, table_enc, base);
        if (c.bad)
            break;
        const uint8_t *p = tl_elf_at(img, fde, 8);
        if (!p)
            continue;
        uint32_t len32, cie_off;
        memcpy(&len32, p, 4);
        memcpy(&cie_off, p + 4, 4);
        if (len32 == 0xffffffff || len32 < 8)
            continue;
        uint64_t cie = fde + 4 - cie_off;
        if (cie != last_cie) {
            if (cie_fde_encoding(img, cie, &last_cie_enc, &last_cie_signal))
                continue;
            last_cie = cie;
        }
        const uint8_t *body = tl_elf_at(img, fde + 8, len32 - 4);
        if (!body)
            continue;
        struct cursor f = { body, body + len32 - 4, fde + 8, 0 };
        uint64_t pc = encoded(&f, last_cie_enc, base);
        uint64_t range = encoded(&f, last_cie_enc & 0x0f, 0);
        if (!f.bad && pc == start)
            push_range(out, pc + (last_cie_signal ? 1 : 0), pc + range);
    }
}

int tl_elf_fde_lookup(const struct tl_elf_image *img, uint64_t va, struct tl_range *out)
{
    const Elf64_Phdr *eh = NULL;
    for (unsigned i = 0; i < img->ehdr->e_phnum; i++)
        if (img->phdr[i].p_type == PT_GNU_EH_FRAME)
            eh = &img->phdr[i];
    if (!eh)
        return -1;
    const uint8_t *hdr = tl_elf_at(img, eh->p_vaddr, eh->p_filesz);
    /* The usual table: pairs of datarel sdata4/udata4, binary-searchable. */
    if (!hdr || eh->p_filesz < 4 || hdr[0] != 1 || (hdr[3] != 0x3b && hdr[3] != 0x33))
        return -1;
    uint64_t base = eh->p_vaddr;
    struct cursor c = { hdr + 4, hdr + eh->p_filesz, base + 4, 0 };
    encoded(&c, hdr[1], base);
    uint64_t count = encoded(&c, hdr[2], base);
    if (c.bad || (uint64_t)(c.end - c.p) / 8 < count)
        return -1;
    const uint8_t *table = c.p;
    uint64_t lo = 0, hi = count;
    while (lo < hi) { /* first entry starting after va */
        uint64_t mid = (lo + hi) / 2;
        int32_t loc;
        memcpy(&loc, table + mid * 8, 4);
        if (base + (uint64_t)(int64_t)loc <= va)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return -1;
    int32_t loc, fde_rel;
    memcpy(&loc, table + (lo - 1) * 8, 4);
    memcpy(&fde_rel, table + (lo - 1) * 8 + 4, 4);
    uint64_t start = base + (uint64_t)(int64_t)loc, fde = base + (uint64_t)(int64_t)fde_rel;
    const uint8_t *p = tl_elf_at(img, fde, 8);
    if (!p)
        return -1;
    uint32_t len32, cie_off;
    memcpy(&len32, p, 4);
    memcpy(&cie_off, p + 4, 4);
    if (len32 == 0xffffffff || len32 < 8)
        return -1;
    uint8_t enc;
    int signal_frame;
    if (cie_fde_encoding(img, fde + 4 - cie_off, &enc, &signal_frame))
        return -1;
    const uint8_t *body = tl_elf_at(img, fde + 8, len32 - 4);
    if (!body)
        return -1;
    struct cursor f = { body, body + len32 - 4, fde + 8, 0 };
    uint64_t pc = encoded(&f, enc, base);
    uint64_t range = encoded(&f, enc & 0x0f, 0);
    if (f.bad || pc != start || va >= pc + range)
        return -1;
    out->start = pc + (signal_frame ? 1 : 0);
    out->end = pc + range;
    return va >= out->start ? 0 : -1;
}

void tl_elf_for_each_symbol(const struct tl_elf_image *img, void (*fn)(const Elf64_Sym *, void *), void *arg)
{
    if (!img->shdr)
        return;
    for (unsigned i = 1; i < img->ehdr->e_shnum; i++) {
        const Elf64_Shdr *sh = tl_elf_section(img, i);
        if (!sh || (sh->sh_type != SHT_SYMTAB && sh->sh_type != SHT_DYNSYM) ||
            sh->sh_entsize != sizeof(Elf64_Sym))
            continue;
        const Elf64_Sym *sym = (const Elf64_Sym *)(img->data + sh->sh_offset);
        size_t n = sh->sh_size / sizeof(Elf64_Sym);
        for (size_t k = 0; k < n; k++)
            if (sym[k].st_shndx != SHN_UNDEF)
                fn(&sym[k], arg);
    }
}

static void push_function(const Elf64_Sym *sym, void *out)
{
    if (ELF64_ST_TYPE(sym->st_info) == STT_FUNC && sym->st_size)
        push_range(out, sym->st_value, sym->st_value + sym->st_size);
}

static void symbol_ranges(const struct tl_elf_image *img, struct range_list *out)
{
    tl_elf_for_each_symbol(img, push_function, out);
}

static int by_start(const void *a, const void *b)
{
    const struct tl_range *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

struct tl_range *tl_elf_function_ranges(const struct tl_elf_image *img, size_t *count)
{
    struct range_list l = { 0 };
    fde_ranges(img, &l);
    symbol_ranges(img, &l);
    if (l.n)
        qsort(l.v, l.n, sizeof *l.v, by_start);
    *count = l.n;
    return l.v;
}
