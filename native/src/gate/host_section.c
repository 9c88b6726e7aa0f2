/* host_section.c - running host code on a client thread.
 *
 * Host code (isolated plugin hooks, the rewriter after a dlopen, exec
 * preparation) is ordinary glibc C: it addresses its thread block through
 * fs, uses vector registers, and makes syscalls from anywhere. A host
 * section saves the client's extended state, lets every syscall through
 * Syscall User Dispatch, and points fs at a host thread block; leaving
 * undoes all three. The switch happens here, in the gate, never inside a
 * host C function, whose compiler may have cached TLS addresses.
 *
 * Which block (DESIGN §5): a thread that runs isolated hooks borrows the
 * block of its own *companion*, a parked host thread made for it the first
 * time (host/companion.c). Everything else borrows the host main thread's
 * block, one thread at a time: the client's main thread, a CLONE_VM child
 * process whose parent has no companion, any thread in a raw-only run.
 *
 * Every section holds the host barrier for reading; a client fork takes it
 * for writing, so no host lock (malloc's, stdio's, the loader's) is held by
 * another thread when the address space is copied. */
#include "gate.h"
#include "../base/sys.h"

#define BARRIER_WRITER 0x40000000
#define BARRIER_WAITERS 0x20000000 /* someone sleeps on the barrier */

/* The main block's lock: 0 free, 1 held, 2 held with waiters. A hook may
 * take long (it is plugin code), so waiters sleep. */
static void main_lock(void)
{
    int c = 0;
    if (__atomic_compare_exchange_n(&tl_gate.host_lock, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    if (c != 2)
        c = __atomic_exchange_n(&tl_gate.host_lock, 2, __ATOMIC_ACQUIRE);
    while (c != 0) {
        tl_futex_wait(&tl_gate.host_lock, 2);
        c = __atomic_exchange_n(&tl_gate.host_lock, 2, __ATOMIC_ACQUIRE);
    }
}

static void main_unlock(void)
{
    if (__atomic_exchange_n(&tl_gate.host_lock, 0, __ATOMIC_RELEASE) == 2)
        tl_futex_wake(&tl_gate.host_lock, 1);
}

/* Sleeps on the barrier while it reads s, first marking that someone
 * sleeps: unlocks then wake only when there is someone to wake (a fork
 * with no waiters makes no futex call on either side). */
static void barrier_sleep(int s)
{
    if (!(s & BARRIER_WAITERS) &&
        !__atomic_compare_exchange_n(&tl_gate.host_barrier, &s, s | BARRIER_WAITERS, 0, __ATOMIC_RELAXED,
                                     __ATOMIC_RELAXED))
        return; /* changed meanwhile: look again */
    tl_futex_wait(&tl_gate.host_barrier, s | BARRIER_WAITERS);
}

static void barrier_read_lock(void)
{
    for (;;) {
        int s = __atomic_load_n(&tl_gate.host_barrier, __ATOMIC_RELAXED);
        if (s & BARRIER_WRITER)
            barrier_sleep(s);
        else if (__atomic_compare_exchange_n(&tl_gate.host_barrier, &s, s + 1, 0, __ATOMIC_ACQUIRE,
                                             __ATOMIC_RELAXED))
            return;
    }
}

static void barrier_read_unlock(void)
{
    int s = __atomic_sub_fetch(&tl_gate.host_barrier, 1, __ATOMIC_RELEASE);
    if (s == (BARRIER_WRITER | BARRIER_WAITERS))
        tl_futex_wake(&tl_gate.host_barrier, 1 << 30); /* the last reader out lets a fork in */
}

void tl_host_barrier_lock(void)
{
    /* One writer at a time; readers already inside finish first. */
    for (;;) {
        int s = __atomic_load_n(&tl_gate.host_barrier, __ATOMIC_RELAXED);
        if (s & BARRIER_WRITER)
            barrier_sleep(s);
        else if (__atomic_compare_exchange_n(&tl_gate.host_barrier, &s, s | BARRIER_WRITER, 0,
                                             __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            break;
    }
    for (;;) {
        int s = __atomic_load_n(&tl_gate.host_barrier, __ATOMIC_ACQUIRE);
        if ((s & ~BARRIER_WAITERS) == BARRIER_WRITER)
            return;
        barrier_sleep(s);
    }
}

void tl_host_barrier_unlock(void)
{
    if (__atomic_exchange_n(&tl_gate.host_barrier, 0, __ATOMIC_RELEASE) & BARRIER_WAITERS)
        tl_futex_wake(&tl_gate.host_barrier, 1 << 30);
}

static inline void set_fs(uint64_t base)
{
    if (tl_gate.fsgsbase)
        __asm__ volatile("wrfsbase %0" : : "r"(base) : "memory");
    else
        tl_sys2(TL_NR_arch_prctl, TL_ARCH_SET_FS, (long)base);
}

/* Starts a companion from the main block (pthread_create needs a host
 * thread block of its own), leaving fs on the main block. */
static struct tl_companion *companion_from_main_block(void)
{
    main_lock();
    set_fs(tl_gate.host_fs);
    struct tl_companion *c = tl_gate.host.companion_start();
    main_unlock();
    return c;
}

void tl_host_enter(struct tl_thread_block *tb, struct tl_host_section *s, int may_make_companion)
{
    s->entered = 1;
    s->active = !tb->in_host;
    s->main_locked = 0;
    if (!s->active)
        return; /* already on a host block (start-up, or host code's own calls) */
    struct tl_thread_area *area = tb->area;
    uint32_t lo = (uint32_t)tl_gate.xsave_mask, hi = (uint32_t)(tl_gate.xsave_mask >> 32);
    for (int i = 512; i < 576; i++)
        area->xsave[i] = 0; /* XSAVE header */
    __asm__ volatile("xsave64 %0" : "+m"(area->xsave) : "a"(lo), "d"(hi) : "memory");
    if (tl_gate.fsgsbase)
        __asm__ volatile("rdfsbase %0" : "=r"(tb->client_fs));
    s->selector = tb->sud_selector;
    tb->sud_selector = 0; /* host code makes syscalls from everywhere */
    tb->in_host = 1;
    barrier_read_lock();

    if (!tb->host_fs && may_make_companion && !tb->no_companion && tl_gate.host.companion_start) {
        struct tl_companion *c = companion_from_main_block();
        if (c) {
            tb->companion = c;
            tb->host_fs = c->fs;
        }
    }
    s->main_locked = !tb->host_fs || tb->host_fs == tl_gate.host_fs;
    if (s->main_locked)
        main_lock();
    set_fs(s->main_locked ? tl_gate.host_fs : tb->host_fs);
}

void tl_host_leave(struct tl_thread_block *tb, struct tl_host_section *s)
{
    s->entered = 0;
    if (!s->active)
        return;
    s->active = 0;
    set_fs(tb->client_fs);
    if (s->main_locked)
        main_unlock();
    barrier_read_unlock();
    tb->in_host = 0;
    tb->sud_selector = s->selector;
    struct tl_thread_area *area = tb->area;
    uint32_t lo = (uint32_t)tl_gate.xsave_mask, hi = (uint32_t)(tl_gate.xsave_mask >> 32);
    __asm__ volatile("xrstor64 %0" : : "m"(area->xsave), "a"(lo), "d"(hi) : "memory");
}

void tl_gate_call_host(void (*fn)(void *), void *arg)
{
    struct tl_thread_block *tb = tl_tb();
    struct tl_host_section s;
    uint64_t old_inside = tb->inside;
    tb->inside = 1;
    tl_host_enter(tb, &s, 0);
    fn(arg);
    tl_host_leave(tb, &s);
    tb->inside = old_inside;
}

struct tl_companion *tl_host_companion_for_child(struct tl_thread_block *tb)
{
    struct tl_host_section s;
    struct tl_companion *c = 0;
    if (!tl_gate.host.companion_start)
        return 0;
    tl_host_enter(tb, &s, 0);
    if (s.main_locked) {
        c = tl_gate.host.companion_start(); /* already on the main block */
    } else {
        c = companion_from_main_block();
        set_fs(tb->host_fs);
    }
    tl_host_leave(tb, &s);
    return c;
}

void tl_host_thread_exit(struct tl_thread_block *tb)
{
    struct tl_companion *c = tb->companion;
    if (!c)
        return;
    /* Its thread_local destructors and mimalloc's thread-done run as it
     * returns (host/companion.c). */
    tb->companion = 0;
    tb->host_fs = 0;
    __atomic_store_n(&c->state, TL_COMPANION_EXIT, __ATOMIC_RELEASE);
    tl_futex_wake(&c->state, 1);
}

void tl_host_fork_child(struct tl_thread_block *tb)
{
    /* Companions are threads of the parent: none exists here. The main
     * block is free (its owner, if not this thread, is gone too). */
    tl_gate.host_lock = 0;
    if (tb->companion) {
        tb->companion = 0;
        tb->host_fs = 0;
    }
}
