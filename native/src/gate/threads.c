/* threads.c - every new thread gets its own block before it runs.
 *
 * The kernel copies the parent's %gs base into a clone child, so a child
 * that ran gate code before setting its own would use the parent's block
 * and private stack. The parent prepares the child's area (block, private
 * stack, signal state, a copy of the call's registers) and issues the clone
 * with every signal blocked. A thread finds its block in tl_clone_table
 * under its tid, published when the call returns (the parent never waits
 * for the child to be scheduled); a child process sharing memory (vfork,
 * posix_spawn) finds it in tl_clone_child, published before the call. The
 * child sets %gs to the new block first thing, takes over its signal
 * state, arms Syscall User Dispatch, and returns to the call's site on its
 * own stack through the gate's exit. */
#include "gate.h"
#include "signals.h"
#include "../base/mem.h"
#include "../base/sys.h"
#include "../base/hot_text.h"

#define CLONE_VM 0x100
#define CLONE_SIGHAND 0x800
#define CLONE_VFORK 0x4000
#define CLONE_THREAD 0x10000
#define CLONE_SETTLS 0x80000
#define PROT_RW 3
#define MAP_PRIVATE_ANON_NORESERVE (0x02 | 0x20 | 0x4000)
#define ESRCH 3
#define MAX_AREAS 4096

struct tl_thread_block *volatile tl_clone_child;

/* New threads find their block here by tid (gate_entry.S). */
#define TL_CLONE_SLOTS 64
struct clone_slot {
    volatile int32_t tid; /* 0 free, -1 being filled */
    int32_t pad;
    struct tl_thread_block *volatile tb;
};
_Static_assert(sizeof(struct clone_slot) == 16, "gate_entry.S walks 16-byte slots");
TL_STARTUP_BSS struct clone_slot tl_clone_table[TL_CLONE_SLOTS];

static void publish_child(int32_t tid, struct tl_thread_block *child)
{
    for (;;) {
        for (int i = 0; i < TL_CLONE_SLOTS; i++) {
            int32_t free_ = 0;
            if (__atomic_compare_exchange_n(&tl_clone_table[i].tid, &free_, -1, 0, __ATOMIC_ACQUIRE,
                                            __ATOMIC_RELAXED)) {
                tl_clone_table[i].tb = child;
                __atomic_store_n(&tl_clone_table[i].tid, tid, __ATOMIC_RELEASE);
                return;
            }
        }
        __builtin_ia32_pause(); /* 64 threads not yet started: wait for one */
    }
}
TL_STARTUP_DATA struct tl_thread_area *tl_main_area;
int tl_gate_clone(struct tl_frame *f);

/* Every area ever made (they are never unmapped): reused when free, and
 * kept off the client's munmap and MAP_FIXED. An area is claimed with a
 * compare-and-swap of its `in_use` word and released by its thread with
 * one store just before the exit syscall, issued from registers only: the
 * kernel does not touch the area after that, so it can be reused at once,
 * its pages still populated. */
static struct tl_thread_area *all_areas[MAX_AREAS];
TL_STARTUP_DATA static volatile int all_count;
TL_STARTUP_DATA static volatile int area_lock;

static void lock(volatile int *l)
{
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause();
}

static void unlock(volatile int *l)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

int tl_threads_overlap(uint64_t addr, uint64_t len)
{
    int n = __atomic_load_n(&all_count, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++) {
        uint64_t lo = (uint64_t)all_areas[i], hi = lo + sizeof(struct tl_thread_area);
        if (addr < hi && addr + len > lo)
            return 1;
    }
    return 0;
}

void tl_threads_register_area(struct tl_thread_area *a)
{
    a->in_use = 1;
    lock(&area_lock);
    if (all_count < MAX_AREAS)
        all_areas[all_count] = a, __atomic_store_n(&all_count, all_count + 1, __ATOMIC_RELEASE);
    unlock(&area_lock);
}

static struct tl_thread_area *area_get(void)
{
    int n = __atomic_load_n(&all_count, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++) {
        int32_t free_ = 0;
        if (__atomic_compare_exchange_n(&all_areas[i]->in_use, &free_, 1, 0, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return all_areas[i];
    }
    long p = tl_sys6(TL_NR_mmap, 0, sizeof(struct tl_thread_area), PROT_RW, MAP_PRIVATE_ANON_NORESERVE, -1, 0);
    if (tl_is_err((unsigned long)p))
        return 0;
    tl_thread_area_prefault((struct tl_thread_area *)p, 0);
    tl_threads_register_area((struct tl_thread_area *)p);
    return (struct tl_thread_area *)p;
}

static void area_put(struct tl_thread_area *a)
{
    __atomic_store_n(&a->in_use, 0, __ATOMIC_RELEASE);
}

int tl_threads_clone(struct tl_thread_block *tb, struct tl_frame *f, uint64_t flags, uint64_t tls)
{
    struct tl_thread_area *area = area_get();
    if (!area) {
        f->rax = (uint64_t)-11; /* EAGAIN, as the kernel when out of resources */
        return 1;
    }
    struct tl_thread_block *child = &area->tb;
    tl_thread_area_init_for(area, tb);
    if (flags & CLONE_THREAD) {
        child->process = tb->process;
    } else {
        /* A CLONE_VM child process (posix_spawn's): its own process state. */
        area->own_process = *tb->process;
        area->own_process.live_threads = 1;
        area->own_process.exited = 0;
        child->process = &area->own_process;
        /* Its signal actions are its own unless it shares the handlers. */
        if (!(flags & CLONE_SIGHAND)) {
            area->own_sigtab = *tb->process->sigtab;
            area->own_process.sigtab = &area->own_sigtab;
        }
        /* Isolated hooks in it borrow the parent's companion while the
         * parent is suspended (vfork); they never start one: it would be a
         * thread of the child. */
        child->no_companion = 1;
        if (flags & CLONE_VFORK)
            child->host_fs = tb->host_fs;
        else if (tl_gate.any_isolated && (child->companion = tl_host_companion_for_child(tb)))
            child->host_fs = child->companion->fs;
    }
    if (flags & CLONE_SETTLS)
        child->client_fs = tls;
    tl_memcpy(area->clone_frame, f, sizeof(struct tl_frame));

    int thread = (flags & CLONE_THREAD) != 0;
    if (thread) {
        __atomic_add_fetch(&tb->process->live_threads, 1, __ATOMIC_RELAXED);
    } else {
        /* One memory-sharing child process at a time, by the global. */
        lock(&tl_gate.clone_lock);
        tl_clone_child = child;
    }
    /* The child starts with every signal blocked until it has its block. */
    uint64_t all = ~0ull, old;
    tl_sys4(TL_NR_rt_sigprocmask, 2, (long)&all, (long)&old, 8);
    tb->state = TL_STATE_REAL_CALL;
    tb->inside = 0;
    tl_gate_clone(f);
    tb->inside = 1;
    tb->state = TL_STATE_AFTER;
    tl_sys4(TL_NR_rt_sigprocmask, 2, (long)&old, 0, 8);
    if ((long)f->rax > 0 && thread) {
        publish_child((int32_t)f->rax, child);
    } else if ((long)f->rax > 0) {
        while (tl_clone_child) /* the child takes it at once */
            __builtin_ia32_pause();
        tl_hooks_fork_parent(tb, (int32_t)f->rax);
        /* A vfork child has exec'd or exited by now: its area is free as
         * soon as the kernel says so. */
        if ((flags & CLONE_VFORK) && !(flags & CLONE_THREAD))
            area_put(area);
    } else {
        if (thread)
            __atomic_sub_fetch(&tb->process->live_threads, 1, __ATOMIC_RELAXED);
        else
            tl_clone_child = 0;
        area_put(area);
    }
    if (!thread)
        unlock(&tl_gate.clone_lock);
    return 1;
}

/* The child, on its private stack with its own %gs: returns the frame the
 * gate's exit leaves with (the call's registers, rax 0, its own stack). */
struct tl_frame *tl_threads_child_start(uint64_t client_sp)
{
    struct tl_thread_block *tb = tl_tb();
    struct tl_thread_area *area = tb->area;
    if (tb->process == &area->own_process)
        tl_clone_child = 0; /* a memory-sharing child process: the parent may go on */
    tb->tid = (int32_t)tl_gettid();
    tb->pid = (int32_t)tl_getpid();
    if (tb->process == &area->own_process)
        tb->process->pid = tb->pid;

    struct tl_frame *f = (struct tl_frame *)(tb->stack_top - sizeof(struct tl_frame));
    tl_memcpy(f, area->clone_frame, sizeof *f);
    f->rax = 0;
    f->rsp = client_sp;
    f->saved_stack_cur = tb->stack_top;
    f->saved_priv_rsp = 0;
    tb->stack_cur = (uint64_t)f & ~15ull;

    tl_signals_thread_start(tb);
    /* A CLONE_VM child process (vfork, posix_spawn) is a new process to
     * plugins: it gets its own contexts, though memory is shared. */
    if (tb->process == &area->own_process)
        tl_hooks_fork_child(tb);
    else
        tl_hooks_thread_start(tb);
    tb->inside = 0;
    tb->state = TL_STATE_CLIENT;
    tb->phase = 1;
    tb->exit_frame = f;
    return f;
}

void tl_threads_exit(struct tl_thread_block *tb, struct tl_frame *f)
{
    tl_hooks_thread_exit(tb);
    tl_host_thread_exit(tb);
    tl_signals_block_all();
    /* The last thread out ends the image (a main thread that called
     * pthread_exit first included). */
    if (__atomic_sub_fetch(&tb->process->live_threads, 1, __ATOMIC_ACQ_REL) == 0)
        tl_gate_process_exit((int)(f->rdi & 0xff), 0);
    tb->state = TL_STATE_EXITING;
    struct tl_thread_area *area = tb->area;
    long status = (long)f->rdi;
    if (!area || area == tl_main_area) {
        for (;;)
            tl_sys1(TL_NR_exit, status);
    }
    /* Release the area and leave without touching it again (its stack
     * included): one store, then exit from registers. */
    __asm__ volatile("movl $0, (%0)\n\t"
                     "mov %1, %%rdi\n\t"
                     "mov $60, %%eax\n\t"
                     "1: syscall\n\t"
                     "jmp 1b"
                     :
                     : "r"(&area->in_use), "r"(status)
                     : "rax", "rdi", "rcx", "r11", "memory");
    __builtin_unreachable();
}

void tl_threads_fork_child(struct tl_thread_block *tb)
{
    /* Locks another thread held at fork time are the child's now. */
    tl_gate.clone_lock = 0;
    tl_gate.host_lock = 0;
    area_lock = 0;
    /* Only this thread survives: every other area is free in the child. */
    for (int i = 0; i < all_count; i++)
        if (all_areas[i] != tb->area)
            all_areas[i]->in_use = 0;
}
