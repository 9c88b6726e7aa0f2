/* thread.c - giving a thread its block and private stack. */
#include "gate.h"
#include "../base/sys.h"
#include "../base/mem.h"

void tl_dispatch_fill(struct tl_thread_block *tb)
{
    struct tl_dispatch *d = &tb->dispatch;
    tl_memset(d, 0, sizeof *d);
    tl_special_init(d);
    d->count = (uint32_t)tl_gate.plugin_count;
    for (int i = 0; i < tl_gate.plugin_count; i++) {
        const struct tl_plugin_slot *p = &tl_gate.plugins[i];
        struct tl_hook_slot *h = &d->slot[i];
        h->before_syscall = p->plugin->before_syscall;
        h->after_syscall = p->plugin->after_syscall;
        h->before_vdso = p->plugin->before_vdso;
        h->after_vdso = p->plugin->after_vdso;
        h->context = p->context;
        h->vdso = p->vdso;
        h->isolated = p->isolated;
        for (int w = 0; w < TL_MASK_WORDS; w++) {
            h->syscalls[w] = p->syscalls[w];
            d->any_syscalls[w] |= p->syscalls[w];
        }
        d->any_vdso |= p->vdso;
    }
    for (int w = 0; w < TL_MASK_WORDS; w++)
        d->hot[w] = d->any_syscalls[w] | d->internal[w];
}

void tl_thread_area_prefault(struct tl_thread_area *area, int with_xsave)
{
    /* The block ends its page, whose rest is the top of the stack; the
     * small state follows it (thread_block.h). */
    const char *lo = (const char *)&area->tb + TL_TB_ROOM - 4096;
    tl_populate_write(lo, (size_t)((const char *)area->signals.pending - lo));
    if (with_xsave)
        tl_populate_write(area->xsave, tl_gate.xsave_size ? tl_gate.xsave_size : 4096);
}

/* A block and stacks with nothing in them yet. */
static void area_init(struct tl_thread_area *area)
{
    struct tl_thread_block *tb = &area->tb;
    /* Reset what matters; a reused area keeps its (populated) pages. */
    struct tl_thread_signals *S = &area->signals;
    S->client_mask = 0;
    S->pending_set = 0;
    S->pending_count = 0;
    S->alt_sp = 0, S->alt_size = 0;
    tb->restore_pending = 0;
    tb->self = (uint64_t)tb;
    tb->stack_base = (uint64_t)area->stack;
    tb->stack_top = (uint64_t)tb & ~15ull;
    tb->stack_cur = tb->stack_top;
    tb->priv_rsp = 0;
    tb->pending = 0;
    tb->phase = 0;
    tb->inside = 1;
    tb->syscall_entry = (uint64_t)tl_gate_syscall_entry;
    tb->state = TL_STATE_CLIENT;
    tb->sud_selector = 0;
    tb->stepping = 0;
    tb->sud_call = 0;
    tb->may_deliver = 0;
    tb->exit_frame = 0;
    tb->area = area;
    tb->signals = &area->signals;
    area->signals.own_alt_sp = (uint64_t)area->signal_stack;
    area->signals.own_alt_size = sizeof area->signal_stack;
    area->signals.alt_flags = 2; /* SS_DISABLE: a new thread has none */
}

void tl_thread_area_init_for(struct tl_thread_area *area, const struct tl_thread_block *parent)
{
    area_init(area);
    struct tl_thread_block *tb = &area->tb;
    tl_memcpy(&tb->dispatch, &parent->dispatch, sizeof tb->dispatch);
    tb->signals->client_mask = parent->signals->client_mask;
    tb->client_fs = parent->client_fs;
    /* A thread gets a companion of its own when it first needs one. */
    tb->host_fs = 0;
    tb->companion = 0;
    tb->no_companion = 0;
    tb->in_host = 0;
    tb->pid = parent->pid;
    tb->process = parent->process;
}

int tl_thread_area_init(struct tl_thread_area *area)
{
    struct tl_thread_block *tb = &area->tb;
    area_init(area);
    area->own_process.pid = (int32_t)tl_getpid();
    area->own_process.live_threads = 1;
    area->own_process.exited = 0;
    tb->process = &area->own_process;
    tb->pid = (int32_t)tl_getpid();
    tb->tid = (int32_t)tl_gettid();
    tb->state = TL_STATE_CLIENT;
    tl_dispatch_fill(tb);
    long r = tl_sys2(TL_NR_arch_prctl, TL_ARCH_SET_GS, (long)tb);
    return (int)r;
}
