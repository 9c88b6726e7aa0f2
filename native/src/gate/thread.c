/* thread.c - giving a thread its block and private stack. */
#include "gate.h"
#include "../base/sys.h"

int tl_thread_block_init(struct tl_thread_block *tb, void *stack, uint64_t size)
{
    tb->self = (uint64_t)tb;
    tb->stack_base = (uint64_t)stack;
    tb->stack_top = ((uint64_t)stack + size) & ~15ull;
    tb->stack_cur = tb->stack_top;
    tb->priv_rsp = 0;
    tb->inside = 1;
    tb->syscall_entry = (uint64_t)tl_gate_syscall_entry;
    tb->pid = (int32_t)tl_getpid();
    tb->tid = (int32_t)tl_gettid();
    tb->state = TL_STATE_CLIENT;
    long r = tl_sys2(TL_NR_arch_prctl, TL_ARCH_SET_GS, (long)tb);
    return (int)r;
}
