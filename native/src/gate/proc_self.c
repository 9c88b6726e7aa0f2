/* proc_self.c - /proc/self/exe names the client, not trapline-exec.
 *
 * The kernel's link points at trapline-exec. Calls that follow the link
 * (open, stat, access) get the client's path instead; readlink is answered
 * with it. lstat and AT_SYMLINK_NOFOLLOW look at the link itself and are left
 * alone, as is any path that merely starts the same way. */
#include "gate.h"
#include "../base/sys.h"
#include "../base/mem.h"

#define AT_SYMLINK_NOFOLLOW 0x100

long tl_safe_copy(void *dst, const void *src, uint64_t n);

/* Client memory is read and written in place; a fault in the copy comes
 * back as -EFAULT (signals.c). */
long tl_copy_from_client(void *dst, const void *src, uint64_t len)
{
    return tl_safe_copy(dst, src, len);
}

long tl_copy_to_client(void *dst, const void *src, uint64_t len)
{
    return tl_safe_copy(dst, src, len);
}

/* Reads a short path from the client: up to 31 bytes, stopping at a page
 * boundary it cannot cross. Returns 1 if `buf` holds a full string. */
static int read_short_path(char *buf, uint64_t addr)
{
    uint64_t n = 31;
    uint64_t to_page = 4096 - (addr & 4095);
    if (!addr)
        return 0;
    if (tl_copy_from_client(buf, (const void *)addr, to_page < n ? to_page : n)) {
        return 0;
    }
    if (to_page < n && tl_copy_from_client(buf + to_page, (const void *)(addr + to_page), n - to_page))
        n = to_page;
    buf[n] = 0;
    return tl_strlen(buf) < n;
}

static int is_self_exe(const char *p)
{
    static const char pre[] = "/proc/";
    if (tl_memcmp(p, pre, 6))
        return 0;
    p += 6;
    if (!tl_strcmp(p, "self/exe") || !tl_strcmp(p, "thread-self/exe"))
        return 1;
    long pid = 0;
    if (*p < '1' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9')
        pid = pid * 10 + (*p++ - '0');
    if (pid != tl_tb()->pid)
        return 0;
    /* /proc/PID/exe, or /proc/PID/task/TID/exe of one of our threads */
    return !tl_strcmp(p, "/exe") || (!tl_memcmp(p, "/task/", 6) && p[6] >= '1' &&
                                     !tl_strcmp(p + 6 + (tl_strlen(p + 6) - 4), "/exe"));
}

static int readlink_answer(struct tl_frame *f, uint64_t buf, uint64_t size)
{
    if ((long)size <= 0) {
        f->rax = (uint64_t)-22; /* EINVAL, as the kernel */
        return -2;
    }
    uint64_t n = tl_gate.exe_path_len < size ? tl_gate.exe_path_len : size;
    f->rax = tl_copy_to_client((void *)buf, tl_gate.exe_path, n) ? (uint64_t)-14 : n;
    return -2;
}

int tl_proc_self_check(struct tl_frame *f)
{
    char buf[32];
    int idx;
    switch (f->rax) {
    case TL_NR_readlink:
        if (read_short_path(buf, f->rdi) && is_self_exe(buf))
            return readlink_answer(f, f->rsi, f->rdx);
        return -1;
    case TL_NR_readlinkat:
        if (read_short_path(buf, f->rsi) && is_self_exe(buf))
            return readlink_answer(f, f->rdx, f->r10);
        return -1;
    case TL_NR_open:
    case TL_NR_stat:
    case TL_NR_access:
        idx = 0;
        break;
    case TL_NR_openat:
    case TL_NR_faccessat:
    case TL_NR_faccessat2:
        idx = 1;
        break;
    case TL_NR_newfstatat:
        if (f->r10 & AT_SYMLINK_NOFOLLOW)
            return -1;
        idx = 1;
        break;
    case TL_NR_statx:
        if (f->rdx & AT_SYMLINK_NOFOLLOW)
            return -1;
        idx = 1;
        break;
    default:
        return -1;
    }
    if (read_short_path(buf, idx == 0 ? f->rdi : f->rsi) && is_self_exe(buf))
        return idx;
    return -1;
}
