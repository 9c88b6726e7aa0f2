/* passthrough.c - the default plugin: subscribes to every system call and
 * vDSO call and lets each through unchanged, so that a run (and a
 * benchmark) takes the whole interception path. */
#include "trapline/plugin.h"
#include "../src/base/hot_text.h"

static int init(const struct trapline_init *in)
{
    in->host->subscribe_all_syscalls(in->handle);
    for (int fn = 0; fn < TRAPLINE_VDSO_COUNT; fn++)
        in->host->subscribe_vdso(in->handle, fn);
    return 0;
}

TL_HOT static int before_syscall(const struct trapline_event *ev, struct trapline_syscall *call)
{
    (void)ev, (void)call;
    return TRAPLINE_CONTINUE;
}

TL_WARM static int before_vdso(const struct trapline_event *ev, struct trapline_vdso_call *call)
{
    (void)ev, (void)call;
    return TRAPLINE_CONTINUE;
}

static const struct trapline_plugin passthrough = {
    .abi_version = TRAPLINE_ABI_VERSION,
    .isolation = TRAPLINE_RAW,
    .name = "passthrough",
    .init = init,
    .before_syscall = before_syscall,
    .before_vdso = before_vdso,
};

const struct trapline_plugin *tl_builtin_passthrough(void)
{
    return &passthrough;
}
