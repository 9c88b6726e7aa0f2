/* host_call.c - running host code on a client thread.
 *
 * Host code (the rewriter after a dlopen, exec preparation) uses glibc,
 * which addresses its thread block through fs and freely uses vector
 * registers. The gate saves the client's whole extended state with XSAVE,
 * lends the thread the host main thread's TCB (the client is single-threaded
 * until threads land, so that block is idle), and undoes both afterwards. The
 * switch happens here, in the gate, never inside a host C function, whose
 * compiler may have cached TLS addresses. */
#include "gate.h"
#include "../base/sys.h"

#define XSAVE_AREA_MAX 16384

void tl_gate_call_host(void (*fn)(void *), void *arg)
{
    struct tl_thread_block *tb = tl_tb();
    unsigned char area[XSAVE_AREA_MAX] __attribute__((aligned(64)));
    uint32_t lo = (uint32_t)tl_gate.xsave_mask, hi = (uint32_t)(tl_gate.xsave_mask >> 32);
    uint64_t client_fs = 0;
    uint64_t old_inside = tb->inside;

    for (int i = 512; i < 576; i++)
        area[i] = 0; /* XSAVE header */
    __asm__ volatile("xsave64 %0" : "+m"(area) : "a"(lo), "d"(hi) : "memory");
    tl_sys2(TL_NR_arch_prctl, TL_ARCH_GET_FS, (long)&client_fs);
    tb->inside = 1;
    uint8_t selector = tb->sud_selector;
    tb->sud_selector = 0; /* host code makes syscalls from everywhere */
    /* One thread at a time on the host's block. */
    while (__atomic_exchange_n(&tl_gate.host_lock, 1, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause();
    tl_sys2(TL_NR_arch_prctl, TL_ARCH_SET_FS, (long)tl_gate.host_fs);
    fn(arg);
    tl_sys2(TL_NR_arch_prctl, TL_ARCH_SET_FS, (long)client_fs);
    __atomic_store_n(&tl_gate.host_lock, 0, __ATOMIC_RELEASE);
    tb->sud_selector = selector;
    tb->inside = old_inside;
    __asm__ volatile("xrstor64 %0" : : "m"(area), "a"(lo), "d"(hi) : "memory");
}
