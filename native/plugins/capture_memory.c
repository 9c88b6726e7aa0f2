/* capture_memory.c - the memory a call's pointer arguments refer to, as
 * the blobs of a trace record (src/base/trace_record.h): what to copy for
 * each argument comes from tl_syscall_capture (scripts/gen-syscall-table.mjs
 * explains each mode). Client memory is read with the host's fault-safe
 * copy, never past a page it was not asked to read. Freestanding. */
#include "capture_memory.h"
#include "../src/base/hot_text.h"
#include "../src/base/sys.h"
#include "syscall_table.h"

static const struct trapline_host *host;
static uint32_t string_limit;

void tl_capture_memory_init(const struct trapline_host *h, uint32_t limit)
{
    host = h;
    string_limit = limit;
}

static inline uint32_t room(const unsigned char *w, const unsigned char *end, uint64_t want)
{
    uint64_t left = (uint64_t)(end - w) > sizeof(struct tl_trace_blob)
                        ? ((uint64_t)(end - w) - sizeof(struct tl_trace_blob)) & ~7ull
                        : 0;
    return (uint32_t)(want < left ? want : left);
}

/* `len` bytes at src, at most `cap`. */
TL_WARM unsigned char *tl_capture_bytes(unsigned char *w, const unsigned char *end, unsigned arg, unsigned flags,
                                        uint64_t src, uint64_t len, uint64_t cap)
{
    uint32_t n = room(w, end, len < cap ? len : cap);
    if (n < len)
        flags |= TL_TRACE_BLOB_TRUNCATED;
    unsigned char *d = tl_capture_blob(w, arg, flags, n);
    if (n && host->copy_from_client(d, (const void *)src, n))
        return tl_capture_blob(w, arg, (flags & TL_TRACE_BLOB_EXIT) | TL_TRACE_BLOB_FAULT, 0);
    return tl_capture_pad(d, n);
}

/* Copies a NUL-terminated string to d, never reading past a page it was
 * not asked to: returns its length (without the NUL), or -1 on a fault.
 * *cut is set if no NUL came within cap bytes. */
TL_WARM static long copy_string(char *d, uint64_t src, uint32_t cap, int *cut)
{
    uint32_t n = 0;
    *cut = 0;
    while (n < cap) {
        uint32_t chunk = 4096 - (uint32_t)((src + n) & 4095);
        if (chunk > 256)
            chunk = 256;
        if (chunk > cap - n)
            chunk = cap - n;
        if (host->copy_from_client(d + n, (const void *)(src + n), chunk))
            return -1;
        for (uint32_t k = 0; k < chunk; k++)
            if (!d[n + k])
                return n + k;
        n += chunk;
    }
    *cut = 1;
    return n;
}

TL_WARM static unsigned char *put_string(unsigned char *w, const unsigned char *end, unsigned arg, uint64_t src)
{
    int cut;
    uint32_t cap = room(w, end, TL_CAPTURE_PATH_CAP);
    long n = copy_string((char *)w + sizeof(struct tl_trace_blob), src, cap, &cut);
    if (n < 0)
        return tl_capture_blob(w, arg, TL_TRACE_BLOB_FAULT, 0);
    return tl_capture_pad(tl_capture_blob(w, arg, cut ? TL_TRACE_BLOB_TRUNCATED : 0, (uint32_t)n), (uint32_t)n);
}

/* argv: its strings back to back, each with its NUL. */
TL_WARM static unsigned char *put_strvec(unsigned char *w, const unsigned char *end, unsigned arg, uint64_t vec)
{
    uint32_t cap = room(w, end, TL_CAPTURE_STRVEC_CAP), n = 0;
    char *d = (char *)w + sizeof(struct tl_trace_blob);
    unsigned flags = TL_TRACE_BLOB_STRVEC;
    for (uint64_t i = 0;; i++) {
        uint64_t p;
        if (host->copy_from_client(&p, (const void *)(vec + 8 * i), 8))
            return tl_capture_blob(w, arg, TL_TRACE_BLOB_STRVEC | TL_TRACE_BLOB_FAULT, 0);
        if (!p)
            break;
        int cut;
        long len = n < cap ? copy_string(d + n, p, cap - n, &cut) : (cut = 1, 0);
        if (len < 0)
            return tl_capture_blob(w, arg, TL_TRACE_BLOB_STRVEC | TL_TRACE_BLOB_FAULT, 0);
        if (cut || n + (uint32_t)len + 1 > cap) {
            /* Keep whole strings only; the reader sees TRUNCATED. */
            flags |= TL_TRACE_BLOB_TRUNCATED;
            break;
        }
        n += (uint32_t)len;
        d[n++] = 0;
    }
    return tl_capture_pad(tl_capture_blob(w, arg, flags, n), n);
}

/* envp: only how many entries it has. */
TL_WARM static unsigned char *put_count(unsigned char *w, unsigned arg, uint64_t vec)
{
    uint64_t count = 0, p;
    for (;; count++) {
        if (host->copy_from_client(&p, (const void *)(vec + 8 * count), 8))
            return tl_capture_blob(w, arg, TL_TRACE_BLOB_COUNT | TL_TRACE_BLOB_FAULT, 0);
        if (!p)
            break;
    }
    unsigned char *d = tl_capture_blob(w, arg, TL_TRACE_BLOB_COUNT, 8);
    *(uint64_t *)d = count;
    return d + 8;
}

/* An iovec array and, after each element, what it points to: at most -s
 * bytes of each, and of all together at most `total` (a readv's result). */
TL_WARM static unsigned char *put_iovecs(unsigned char *w, const unsigned char *end, unsigned arg, unsigned flags,
                                         uint64_t vec, uint64_t count, uint64_t total)
{
    unsigned char *d0 = w + sizeof(struct tl_trace_blob), *d = d0;
    flags |= TL_TRACE_BLOB_IOVEC;
    if (count > TL_CAPTURE_IOV_CAP)
        count = TL_CAPTURE_IOV_CAP, flags |= TL_TRACE_BLOB_TRUNCATED;
    for (uint64_t i = 0; i < count; i++) {
        struct tl_trace_iov *e = (struct tl_trace_iov *)d;
        if ((uint64_t)(end - d) < sizeof *e) {
            flags |= TL_TRACE_BLOB_TRUNCATED;
            break;
        }
        if (host->copy_from_client(e, (const void *)(vec + 16 * i), 16)) {
            if (!i)
                return tl_capture_blob(w, arg, (flags & TL_TRACE_BLOB_EXIT) | TL_TRACE_BLOB_FAULT, 0);
            flags |= TL_TRACE_BLOB_TRUNCATED;
            break;
        }
        /* As strace: each element shows what is left of the total. */
        uint64_t n = e->len < total ? e->len : total;
        total -= n;
        uint64_t left = ((uint64_t)(end - d) - sizeof *e) & ~7ull;
        if (n > string_limit)
            n = string_limit;
        if (n > left)
            n = left;
        e->kept = (uint32_t)n;
        e->flags = 0;
        if (n && host->copy_from_client(e + 1, (const void *)e->base, n)) {
            e->kept = 0;
            e->flags = TL_TRACE_IOV_FAULT;
            n = 0;
        }
        d = tl_capture_pad((unsigned char *)(e + 1), (uint32_t)n);
    }
    tl_capture_blob(w, arg, flags, (uint32_t)(d - d0));
    return d;
}

/* The memory of call's pointer arguments, per tl_syscall_capture. */
TL_WARM unsigned char *tl_capture_blobs(unsigned char *w, const unsigned char *end, const struct trapline_syscall *c,
                                        int sides)
{
    const struct tl_capture_arg *cap = tl_syscall_capture[c->nr];
    long res = c->result;
    int ok = !tl_is_err((unsigned long)res);
    for (unsigned i = 0; i < 6; i++) {
        uint64_t a = (uint64_t)c->args[i];
        uint64_t len = (uint64_t)c->args[cap[i].len_arg < 6 ? cap[i].len_arg : 0];
        unsigned x = TL_TRACE_BLOB_EXIT;
        if (!a || cap[i].mode == TL_CAPTURE_NONE)
            continue;
        if (sides & TL_CAPTURE_ENTRY_SIDE) {
            switch (cap[i].mode) {
            case TL_CAPTURE_STRING:
                w = put_string(w, end, i, a);
                break;
            case TL_CAPTURE_IN_LEN:
                w = tl_capture_bytes(w, end, i, 0, a, len, string_limit);
                break;
            case TL_CAPTURE_IN_FIXED:
                w = tl_capture_bytes(w, end, i, 0, a, cap[i].size, cap[i].size);
                break;
            case TL_CAPTURE_IN_LENPTR: {
                uint32_t n;
                if (!len || host->copy_from_client(&n, (const void *)len, 4))
                    break;
                w = tl_capture_bytes(w, end, i, 0, a, n, TL_CAPTURE_LENPTR_CAP);
                break;
            }
            case TL_CAPTURE_STRVEC:
                w = put_strvec(w, end, i, a);
                break;
            case TL_CAPTURE_COUNT:
                w = put_count(w, i, a);
                break;
            case TL_CAPTURE_IN_IOVEC:
                w = put_iovecs(w, end, i, 0, a, len, ~0ull);
                break;
            case TL_CAPTURE_INOUT_ARRAY:
            case TL_CAPTURE_INOUT_FIXED: {
                uint64_t n = cap[i].mode == TL_CAPTURE_INOUT_FIXED ? 1 : len;
                uint64_t most = (uint64_t)TL_CAPTURE_ARRAY_CAP * cap[i].size;
                w = tl_capture_bytes(w, end, i, 0, a, n * cap[i].size, most);
                break;
            }
            }
        }
        if (sides & TL_CAPTURE_EXIT_SIDE) {
            switch (cap[i].mode) {
            case TL_CAPTURE_OUT_RET:
                if (ok && res > 0)
                    w = tl_capture_bytes(w, end, i, x, a, (uint64_t)res, string_limit);
                break;
            case TL_CAPTURE_OUT_PATH:
                if (ok && res > 0)
                    w = tl_capture_bytes(w, end, i, x, a, (uint64_t)res, TL_CAPTURE_PATH_CAP);
                break;
            case TL_CAPTURE_OUT_LEN:
                if (ok)
                    w = tl_capture_bytes(w, end, i, x, a, len, string_limit);
                break;
            case TL_CAPTURE_OUT_FIXED:
                if (ok)
                    w = tl_capture_bytes(w, end, i, x, a, cap[i].size, cap[i].size);
                break;
            case TL_CAPTURE_OUT_LENPTR: {
                uint32_t n;
                if (!ok || !len || host->copy_from_client(&n, (const void *)len, 4))
                    break;
                w = tl_capture_bytes(w, end, i, x, a, n, TL_CAPTURE_LENPTR_CAP);
                break;
            }
            case TL_CAPTURE_OUT_IOVEC:
                /* After a failure strace shows the iovecs' addresses only. */
                w = put_iovecs(w, end, i, x, a, len, ok ? (uint64_t)res : 0);
                break;
            case TL_CAPTURE_INOUT_ARRAY:
                /* poll's revents: only when some are set. */
                if (ok && res > 0)
                    w = tl_capture_bytes(w, end, i, x, a, len * cap[i].size,
                                         (uint64_t)TL_CAPTURE_ARRAY_CAP * cap[i].size);
                break;
            case TL_CAPTURE_INOUT_FIXED:
                if (ok)
                    w = tl_capture_bytes(w, end, i, x, a, cap[i].size, cap[i].size);
                break;
            }
        }
    }
    return w;
}
