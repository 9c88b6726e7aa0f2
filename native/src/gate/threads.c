/* threads.c - every new thread gets its own block before it runs.
 *
 * The kernel copies the parent's %gs base into a clone child, so a child
 * that ran gate code before setting its own would use the parent's block
 * and private stack. The parent prepares the child's area (block, private
 * stack, signal state, a copy of the call's registers), publishes it in
 * tl_clone_child, and issues the clone with every signal blocked. The child
 * sets %gs to the new block first thing, takes over its signal state, arms
 * Syscall User Dispatch, and returns to the call's site on its own stack
 * through the gate's exit. Areas of threads that have exited are reused
 * once the kernel has let the thread go. */
#include "gate.h"
#include "signals.h"
#include "../base/mem.h"
#include "../base/sys.h"

#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define CLONE_THREAD 0x10000
#define CLONE_SETTLS 0x80000
#define PROT_RW 3
#define MAP_PRIVATE_ANON_NORESERVE (0x02 | 0x20 | 0x4000)
#define ESRCH 3
#define MAX_AREAS 4096

struct tl_thread_block *volatile tl_clone_child;
int tl_gate_clone(struct tl_frame *f);
void tl_gate_exit(void);

/* Areas of exited threads, for reuse. */
static struct tl_thread_area *free_areas[MAX_AREAS];
static volatile int free_count;
static volatile int area_lock;

static void lock(volatile int *l)
{
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause();
}

static void unlock(volatile int *l)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* Every area ever made (they are never unmapped), to keep the client's
 * munmap and MAP_FIXED off them. */
static struct tl_thread_area *all_areas[MAX_AREAS];
static volatile int all_count;

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
    lock(&area_lock);
    if (all_count < MAX_AREAS)
        all_areas[all_count] = a, __atomic_store_n(&all_count, all_count + 1, __ATOMIC_RELEASE);
    unlock(&area_lock);
}

static struct tl_thread_area *area_get(int32_t pid)
{
    struct tl_thread_area *a = 0;
    lock(&area_lock);
    for (int i = 0; i < free_count; i++) {
        struct tl_thread_area *c = free_areas[i];
        /* Reusable once the kernel no longer knows its last owner. */
        if (tl_sys3(TL_NR_tgkill, pid, c->owner_tid, 0) == -ESRCH) {
            a = c;
            free_areas[i] = free_areas[--free_count];
            break;
        }
    }
    unlock(&area_lock);
    if (a)
        return a;
    long p = tl_sys6(TL_NR_mmap, 0, sizeof(struct tl_thread_area), PROT_RW, MAP_PRIVATE_ANON_NORESERVE, -1, 0);
    if (tl_is_err((unsigned long)p))
        return 0;
    tl_threads_register_area((struct tl_thread_area *)p);
    return (struct tl_thread_area *)p;
}

static void area_put(struct tl_thread_area *a)
{
    lock(&area_lock);
    if (free_count < MAX_AREAS)
        free_areas[free_count++] = a;
    unlock(&area_lock);
}

int tl_threads_clone(struct tl_thread_block *tb, struct tl_frame *f, uint64_t flags)
{
    struct tl_thread_area *area = area_get(tb->pid);
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
    }
    tl_memcpy(area->clone_frame, f, sizeof(struct tl_frame));
    area->owner_tid = 0;

    lock(&tl_gate.clone_lock);
    if (flags & CLONE_THREAD)
        __atomic_add_fetch(&tb->process->live_threads, 1, __ATOMIC_RELAXED);
    tl_clone_child = child;
    /* The child starts with every signal blocked until it has its block. */
    uint64_t all = ~0ull, old;
    tl_sys4(TL_NR_rt_sigprocmask, 2, (long)&all, (long)&old, 8);
    tb->state = TL_STATE_REAL_CALL;
    tb->inside = 0;
    tl_gate_clone(f);
    tb->inside = 1;
    tb->state = TL_STATE_AFTER;
    tl_sys4(TL_NR_rt_sigprocmask, 2, (long)&old, 0, 8);
    if ((long)f->rax > 0) {
        while (tl_clone_child) /* the child takes it at once */
            __builtin_ia32_pause();
        if (!(flags & CLONE_THREAD)) {
            struct trapline_event ev = { tb->pid, tb->tid, 0 };
            for (int i = 0; i < tl_gate.plugin_count; i++)
                if (tl_gate.plugins[i].plugin->fork_parent) {
                    ev.context = tb->dispatch.slot[i].context;
                    tl_gate.plugins[i].plugin->fork_parent(&ev, (int32_t)f->rax);
                }
        }
        /* A vfork child has exec'd or exited by now: its area is free as
         * soon as the kernel says so. */
        if ((flags & CLONE_VFORK) && !(flags & CLONE_THREAD))
            area_put(area);
    } else {
        tl_clone_child = 0;
        if (flags & CLONE_THREAD)
            __atomic_sub_fetch(&tb->process->live_threads, 1, __ATOMIC_RELAXED);
        area->owner_tid = -1;
        area_put(area);
    }
    unlock(&tl_gate.clone_lock);
    return 1;
}

/* The child, on its private stack with its own %gs: returns the frame the
 * gate's exit leaves with (the call's registers, rax 0, its own stack). */
struct tl_frame *tl_threads_child_start(uint64_t client_sp)
{
    struct tl_thread_block *tb = tl_tb();
    struct tl_thread_area *area = tb->area;
    tl_clone_child = 0; /* the parent may go on */
    tb->tid = (int32_t)tl_gettid();
    tb->pid = (int32_t)tl_getpid();
    area->owner_tid = tb->tid;
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
    struct trapline_event ev = { tb->pid, tb->tid, 0 };
    int new_process = tb->process == &area->own_process;
    for (int i = 0; i < tl_gate.plugin_count; i++) {
        const struct trapline_plugin *p = tl_gate.plugins[i].plugin;
        ev.context = tb->dispatch.slot[i].context;
        /* A CLONE_VM child process (vfork, posix_spawn) is a new process to
         * plugins: it gets its own context, though memory is shared. */
        if (new_process && p->fork_child)
            p->fork_child(&ev, &tb->dispatch.slot[i].context);
        else if (!new_process && p->thread_start)
            p->thread_start(&ev);
    }
    tb->inside = 0;
    tb->state = TL_STATE_CLIENT;
    tb->phase = 1;
    tb->exit_frame = f;
    return f;
}

void tl_threads_exit(struct tl_thread_block *tb, struct tl_frame *f)
{
    struct trapline_event ev = { tb->pid, tb->tid, 0 };
    for (int i = 0; i < tl_gate.plugin_count; i++) {
        const struct trapline_plugin *p = tl_gate.plugins[i].plugin;
        if (p->thread_exit) {
            ev.context = tb->dispatch.slot[i].context;
            p->thread_exit(&ev);
        }
    }
    tl_signals_block_all();
    /* The last thread out ends the image (a main thread that called
     * pthread_exit first included). */
    if (__atomic_sub_fetch(&tb->process->live_threads, 1, __ATOMIC_ACQ_REL) == 0)
        tl_gate_process_exit((int)(f->rdi & 0xff), 0);
    tb->state = TL_STATE_EXITING;
    struct tl_thread_area *area = tb->area;
    if (area && area->owner_tid > 0)
        area_put(area); /* reused only once the kernel has let this thread go */
    long status = (long)f->rdi;
    for (;;)
        tl_sys1(TL_NR_exit, status);
}

void tl_threads_fork_child(struct tl_thread_block *tb)
{
    /* Locks another thread held at fork time are the child's now. */
    tl_gate.clone_lock = 0;
    tl_gate.host_lock = 0;
    area_lock = 0;
    if (tb->area)
        ((struct tl_thread_area *)tb->area)->owner_tid = tb->tid;
}
