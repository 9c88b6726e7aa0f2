/* plugin_host.c - the helpers trapline hands to plugins (struct
 * trapline_host). All of them are safe in raw hooks. */
#include "gate.h"
#include "../base/sys.h"
#include "syscall_table.h"

static void subscribe_syscall(void *handle, long nr)
{
    struct tl_plugin_slot *s = handle;
    if (nr >= 0 && nr < TRAPLINE_MAX_SYSCALLS)
        s->syscalls[nr >> 6] |= 1ull << (nr & 63);
}

static void subscribe_all(void *handle)
{
    struct tl_plugin_slot *s = handle;
    for (int w = 0; w < TL_MASK_WORDS; w++)
        s->syscalls[w] = ~0ull;
}

static void subscribe_vdso(void *handle, int fn)
{
    struct tl_plugin_slot *s = handle;
    if (fn >= 0 && fn < TRAPLINE_VDSO_COUNT)
        s->vdso |= 1u << fn;
}

static long copy_from_client(void *dst, const void *src, size_t len)
{
    return tl_copy_from_client(dst, src, len);
}

static long plugin_syscall(long nr, long a, long b, long c, long d, long e, long f)
{
    return tl_sys6(nr, a, b, c, d, e, f);
}

static const char *syscall_name(long nr)
{
    if (nr < 0 || nr >= TL_SYSCALL_TABLE_SIZE)
        return 0;
    return tl_syscall_names[nr];
}

static const char *vdso_name(int fn)
{
    static const char *const names[TRAPLINE_VDSO_COUNT] = {
        "clock_gettime", "gettimeofday", "time", "getcpu", "clock_getres", "getrandom",
    };
    return fn >= 0 && fn < TRAPLINE_VDSO_COUNT ? names[fn] : 0;
}

static const char *exe_path(void)
{
    return tl_gate.exe_path;
}

const struct trapline_host tl_plugin_host = {
    .size = sizeof(struct trapline_host),
    .subscribe_syscall = subscribe_syscall,
    .subscribe_all_syscalls = subscribe_all,
    .subscribe_vdso = subscribe_vdso,
    .copy_from_client = copy_from_client,
    .syscall = plugin_syscall,
    .syscall_name = syscall_name,
    .vdso_name = vdso_name,
    .exe_path = exe_path,
};
