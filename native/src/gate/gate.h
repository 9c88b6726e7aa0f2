/* gate.h - the gate's state and its interface to the host.
 *
 * The gate is freestanding: it runs on client threads between client code
 * and plugin hooks. The host fills `tl_gate` before the client starts and
 * never changes it while client code runs (except through the host calls
 * the gate itself makes). */
#ifndef TRAPLINE_GATE_GATE_H
#define TRAPLINE_GATE_GATE_H

#include <stdint.h>
#include "trapline/plugin.h"
#include "../base/thread_block.h"
#include "frame.h"

#define TL_PATH_MAX 4096

/* A loaded plugin. The hot-path copy of its hooks and masks lives in each
 * thread block (struct tl_dispatch); this is the authoritative one. */
struct tl_plugin_slot {
    const struct trapline_plugin *plugin;
    void *context;                    /* per-process context */
    uint64_t syscalls[TL_MASK_WORDS]; /* subscribed syscall numbers */
    uint32_t vdso;                    /* subscribed vDSO functions */
    uint32_t isolated;                /* hooks run in host sections */
};

/* A companion: a parked host thread whose thread block (TLS, malloc
 * heap, errno) one client thread borrows for isolated hooks. */
enum { TL_COMPANION_STARTING, TL_COMPANION_PARKED, TL_COMPANION_EXIT };
struct tl_companion {
    volatile int state;   /* TL_COMPANION_*: the companion waits on it */
    int pad;
    uint64_t fs;          /* its thread block */
};

/* An exec the client asked for, handed to the host. */
enum { TL_EXEC_VIA_TRAPLINE, TL_EXEC_NATIVE_FAILS, TL_EXEC_NATIVE_RUNS };
struct tl_exec_request {
    long nr;        /* execve or execveat */
    long a[5];      /* its arguments */
    long result;    /* -errno if the exec of trapline-exec failed */
    int native;     /* TL_EXEC_*: whether the client's own call must be issued */
    uint64_t client_mask; /* the client's signal mask, carried across exec */
    /* TL_EXEC_VIA_TRAPLINE with result 0: what the gate execs. */
    const char *exec_path, *exec_target;
    char **exec_argv, **exec_env;
};

/* Host services the gate calls on the host's thread block (see host_call.c). */
struct tl_host_ops {
    /* Execs trapline-exec for the client's exec (returns only on failure),
     * or decides the client's own call must be issued. */
    void (*exec)(struct tl_exec_request *rq);
    /* After an executable file mapping appeared at [addr, addr+len). */
    void (*rewrite_mapping)(uint64_t addr, uint64_t len, int fd, uint64_t offset, int prot);
    /* Starts a parked companion (run on the main host block); 0 if none
     * could be made. */
    struct tl_companion *(*companion_start)(void);
};

struct tl_gate_state {
    int plugin_count;
    struct tl_plugin_slot plugins[TL_MAX_PLUGINS];
    uint32_t any_vdso;                    /* union of vDSO subscriptions */
    int fatal_signals;                    /* some plugin wants process_exit */
    int sud_armed, sud_warned;            /* Syscall User Dispatch state */
    uint64_t backstop_calls;              /* calls that came through SUD */
    int debug;                            /* TRAPLINE_DEBUG */
    uint32_t exe_path_len;
    uint64_t xsave_size;                  /* bytes of XSAVE state (CPUID 0xD) */
    uint64_t xsave_mask;
    struct tl_host_ops host;
    uint64_t host_fs;                     /* the host main thread's TCB */
    int32_t pid;
    volatile int host_lock;               /* one thread at a time on the main host block */
    volatile int host_barrier;            /* readers: host sections; writer: fork */
    int fsgsbase;                         /* wrfsbase usable (HWCAP2_FSGSBASE) */
    int any_isolated;                     /* some plugin runs isolated */
    volatile int clone_lock;              /* one clone in flight */
    /* Last: start-up writes only its first bytes, and the fields above all
     * share the first page of this page-aligned block. */
    char exe_path[TL_PATH_MAX];           /* what /proc/self/exe means */
};

/* The block a new thread takes as its first act (threads.c). */
extern struct tl_thread_block *volatile tl_clone_child;

extern struct tl_gate_state tl_gate;

/* Original vDSO entry points, indexed by enum trapline_vdso_fn. */
extern void *tl_vdso_original[TRAPLINE_VDSO_COUNT];

/* Assembly (gate_entry.S). */
void tl_gate_syscall_entry(void);
/* Issues f's call; returns 1 without issuing it if a signal for the client
 * is held (the restartable window). The nocheck variant always issues. */
int tl_gate_real_call(struct tl_frame *f);
void tl_gate_real_call_nocheck(struct tl_frame *f);
__attribute__((noreturn)) void tl_gate_sigreturn(struct tl_frame *f);
extern char tl_gate_syscall_insn[];
long tl_vdso_clock_gettime(long, long);
long tl_vdso_gettimeofday(long, long);
long tl_vdso_time(long);
long tl_vdso_getcpu(long, long, long);
long tl_vdso_clock_getres(long, long);
long tl_vdso_getrandom(long, long, long, long, long);

/* dispatch.c */
void tl_gate_dispatch(struct tl_frame *f);
long tl_vdso_dispatch(long a0, long a1, long a2, long a3, long a4, int fn);
/* Shows plugins a call made on the client's behalf (before- and
 * after-hooks, the result already known). */
void tl_gate_announce_syscall(long nr, const long args[6], long result);
/* Runs every plugin's process_exit hook once per image. */
void tl_gate_process_exit(int status, int signal);

/* threads.c: clone of threads and CLONE_VM children, thread exit. */
int tl_threads_clone(struct tl_thread_block *tb, struct tl_frame *f, uint64_t flags, uint64_t tls);
__attribute__((noreturn)) void tl_threads_exit(struct tl_thread_block *tb, struct tl_frame *f);
void tl_threads_fork_child(struct tl_thread_block *tb);
/* True if [addr, addr+len) overlaps a thread area; areas are registered
 * as they are made (the main one by the host). */
int tl_threads_overlap(uint64_t addr, uint64_t len);
void tl_threads_register_area(struct tl_thread_area *a);
extern struct tl_thread_area *tl_main_area; /* never released */

/* thread.c: the calling thread's block and private stack. */
int tl_thread_area_init(struct tl_thread_area *area);
/* Makes the pages every call writes present (block, stack top, signal
 * state) in one call rather than faults, for a new thread or process;
 * with_xsave adds the page host code saves vector state in. */
void tl_thread_area_prefault(struct tl_thread_area *area, int with_xsave);
/* Prepares a new thread's area from its creator's block. */
void tl_thread_area_init_for(struct tl_thread_area *area, const struct tl_thread_block *parent);
/* Copies plugin hooks, contexts and masks into tb's dispatch table. */
void tl_dispatch_fill(struct tl_thread_block *tb);

/* host_section.c: host code on a client thread. A section saves the
 * client's vector state, lets syscalls through, and sets fs to a host
 * block: the thread's companion's (made first if may_make_companion), else
 * the main one under its lock. Sections do not nest: entering while one is
 * active does nothing. */
struct tl_host_section {
    uint8_t entered;      /* tl_host_enter was called */
    uint8_t active;       /* ... and switched (else it was nested) */
    uint8_t main_locked, selector;
};
void tl_host_enter(struct tl_thread_block *tb, struct tl_host_section *s, int may_make_companion);
void tl_host_leave(struct tl_thread_block *tb, struct tl_host_section *s);
/* Enters s for a hook whose plugin is isolated, once per chain of hooks:
 * at most two fs switches per chain, none when only raw hooks run. */
static inline void tl_host_enter_for(struct tl_thread_block *tb, struct tl_host_section *s, uint32_t isolated)
{
    if (__builtin_expect(isolated, 0) && !s->entered)
        tl_host_enter(tb, s, 1);
}

/* Leaves s if a hook of the chain entered it. */
static inline void tl_host_leave_entered(struct tl_thread_block *tb, struct tl_host_section *s)
{
    if (__builtin_expect(s->entered, 0))
        tl_host_leave(tb, s);
}
/* Runs fn(arg) in a host section (never making a companion). */
void tl_gate_call_host(void (*fn)(void *), void *arg);
/* The barrier a client fork takes so that no host code runs meanwhile. */
void tl_host_barrier_lock(void);
void tl_host_barrier_unlock(void);
/* A companion made by tb's thread for a CLONE_VM child process that runs
 * beside its parent (not vfork): the child must not wait for a lock its
 * parent may hold, stopped (LeakSanitizer's tracer stops its parent). */
struct tl_companion *tl_host_companion_for_child(struct tl_thread_block *tb);
/* A thread's companion ends with it; a fork child has none. */
void tl_host_thread_exit(struct tl_thread_block *tb);
void tl_host_fork_child(struct tl_thread_block *tb);

/* hooks.c: the per-thread and per-process hooks of every plugin, each in
 * a host section where the plugin is isolated. */
void tl_hooks_thread_start(struct tl_thread_block *tb);
void tl_hooks_thread_exit(struct tl_thread_block *tb);
void tl_hooks_fork_parent(struct tl_thread_block *tb, int32_t child);
void tl_hooks_fork_child(struct tl_thread_block *tb);
void tl_hooks_exec(struct tl_thread_block *tb, const char *path);
void tl_hooks_process_exit(struct tl_thread_block *tb, int status, int signal);
void tl_hooks_signal(struct tl_thread_block *tb, const struct tl_siginfo *info);

/* plugin_host.c: the helpers handed to plugins. */
extern const struct trapline_host tl_plugin_host;
long tl_copy_from_client(void *dst, const void *src, uint64_t len);
/* Writes client memory without faulting: 0 or -EFAULT. */
long tl_copy_to_client(void *dst, const void *src, uint64_t len);

/* special_calls.c: calls the gate handles itself (signals, processes,
 * mappings, /proc/self/exe). */
struct tl_special {
    int kind;
    uint64_t new_sp;     /* clone: the child's stack pointer, if any */
    uint64_t clone_flags; /* clone: its flags */
    uint64_t tls;        /* clone: the child's fs base with CLONE_SETTLS */
};
void tl_special_init(struct tl_dispatch *d);
int tl_special_before(struct tl_frame *f, struct tl_special *sp);
/* Both return 0 if the call was abandoned for a signal, else 1. */
int tl_special_call(struct tl_thread_block *tb, struct tl_frame *f, struct tl_special *sp);
int tl_gate_real_call_hooked(struct tl_thread_block *tb, struct tl_frame *f);

/* proc_self.c: /proc/self/exe answered with the client's path. Returns
 * the index of the path argument to replace with tl_gate.exe_path, -2 if
 * the call was answered in full (readlink), or -1 if it is not about the
 * client's executable. */
int tl_proc_self_check(struct tl_frame *f);

/* Fatal error from the gate: one line on stderr, then exit. */
__attribute__((noreturn)) void tl_gate_die(const char *what, const char *detail, int status);

#endif
