/* trapline/plugin.h - the plugin ABI of trapline.
 *
 * A plugin is a shared object that exports one symbol,
 *
 *     const struct trapline_plugin *trapline_plugin_entry(void);
 *
 * returning a description of itself: the ABI version it was built against,
 * its isolation kind and its hooks. trapline loads it into the host with
 * RTLD_NOW, checks the version and calls `init` once per process image with
 * the options given on the command line. Built-in plugins use the same
 * structure.
 *
 * Hooks run on the client's thread, on trapline's private stack, while the
 * client is stopped at a system call or vDSO call. A `raw` plugin's hooks run
 * with the client's fs base (its TLS), without any saving of vector
 * registers: they must be freestanding (no libc, no TLS, no floating point;
 * build with -ffreestanding -mgeneral-regs-only -fno-stack-protector) and may
 * only use the helpers in `struct trapline_host`. An `isolated` plugin's
 * hooks run on a host thread block of their own in every client thread,
 * with the client's vector registers saved: they may use libc, malloc,
 * thread_local, errno and C++ freely (no priority-inheritance or robust
 * mutexes: the thread id host code sees is not the client's).
 *
 * See docs/plugins.md for a complete example and the stacking rules. */
#ifndef TRAPLINE_PLUGIN_H
#define TRAPLINE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes. A plugin reports the version it was
 *  built with in `trapline_plugin.abi_version`. trapline also runs plugins of
 *  versions 1 (before the `signal` hook existed) and 2 (before
 *  `trapline_syscall.sp`); it refuses any other. */
#define TRAPLINE_ABI_VERSION 3

/** Highest system call number plus one that trapline routes to plugins. */
#define TRAPLINE_MAX_SYSCALLS 512

/** The vDSO functions trapline intercepts, as numbered in hooks. */
enum trapline_vdso_fn {
    TRAPLINE_VDSO_CLOCK_GETTIME = 0, /**< clock_gettime(clockid, ts) */
    TRAPLINE_VDSO_GETTIMEOFDAY = 1,  /**< gettimeofday(tv, tz) */
    TRAPLINE_VDSO_TIME = 2,          /**< time(tloc) */
    TRAPLINE_VDSO_GETCPU = 3,        /**< getcpu(cpu, node, cache) */
    TRAPLINE_VDSO_CLOCK_GETRES = 4,  /**< clock_getres(clockid, res) */
    TRAPLINE_VDSO_GETRANDOM = 5,     /**< getrandom(buf, len, flags, state, state_len) */
    TRAPLINE_VDSO_COUNT = 6          /**< number of intercepted vDSO functions */
};

/** How a plugin's hooks run. A plugin may declare both bits; the user then
 *  chooses with --isolation. */
enum trapline_isolation {
    /** Freestanding hooks on the client's TLS: no libc, no switch, cheapest. */
    TRAPLINE_RAW = 1u << 0,
    /** Hooks with their own heap, TLS and libc (a host thread block). */
    TRAPLINE_ISOLATED = 1u << 1
};

/** What a before-hook asks for. */
enum trapline_action {
    /** Go on: the next plugin's before-hook, then the real call. */
    TRAPLINE_CONTINUE = 0,
    /** Skip the real call and the remaining before-hooks; `result` (already
     *  set by the hook) is what the client gets. After-hooks still run. */
    TRAPLINE_SKIP = 1
};

/** Who is calling: passed to every hook. */
struct trapline_event {
    int32_t pid;     /**< process id of the calling process */
    int32_t tid;     /**< thread id of the calling thread */
    /** This plugin's per-process context: the value its `init` stored in
     *  `*context`. A child process gets its own (see `fork_child`). */
    void *context;
};

/** A system call, as seen by before- and after-hooks. */
struct trapline_syscall {
    long nr;         /**< syscall number (x86-64) */
    long args[6];    /**< rdi, rsi, rdx, r10, r8, r9; before-hooks may edit */
    long result;     /**< the kernel's result (-errno on failure); after-hooks
                          may edit; a skipping before-hook sets it */
    uint64_t site;   /**< address just after the client's syscall instruction */
    uint64_t sp;     /**< the client's stack pointer at the call: for
                          rt_sigreturn, the signal frame it restores */
};

/** A vDSO call, as seen by vDSO hooks. */
struct trapline_vdso_call {
    int fn;          /**< enum trapline_vdso_fn */
    long args[5];    /**< arguments in call order; before-hooks may edit */
    long result;     /**< return value (vDSO functions return -errno or 0, or
                          the time for time()); edit in after-hooks */
};

/** Services trapline offers to hooks. All are safe in raw hooks. */
struct trapline_host {
    /** Size of this structure, for forward compatibility. */
    size_t size;
    /** Subscribes the plugin to system call `nr` (only valid in `init`). */
    void (*subscribe_syscall)(void *handle, long nr);
    /** Subscribes the plugin to every system call (only valid in `init`). */
    void (*subscribe_all_syscalls)(void *handle);
    /** Subscribes the plugin to vDSO function `fn` (only valid in `init`). */
    void (*subscribe_vdso)(void *handle, int fn);
    /** Copies `len` bytes of client memory at `src` to `dst` without faulting.
     *  Returns 0, or -EFAULT if any byte is unreadable. */
    long (*copy_from_client)(void *dst, const void *src, size_t len);
    /** Issues a non-blocking system call of the plugin's own, bypassing all
     *  hooks; returns the raw kernel result. Never issue the client's own
     *  blocking calls this way: the gate issues those. */
    long (*syscall)(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
    /** Name of system call `nr`, or NULL if unknown. */
    const char *(*syscall_name)(long nr);
    /** Name of vDSO function `fn` ("clock_gettime", ...). */
    const char *(*vdso_name)(int fn);
    /** Absolute path of the program image running now (what
     *  /proc/self/exe names for the client). */
    const char *(*exe_path)(void);
};

/** One `key=value` option from `--plugin NAME:key=value:...`. */
struct trapline_option {
    const char *key;
    const char *value;
};

/** What `init` receives. */
struct trapline_init {
    const struct trapline_host *host; /**< helpers; valid for the whole run */
    void *handle;                     /**< this plugin, for subscribe_* */
    const struct trapline_option *options; /**< the plugin's options */
    size_t option_count;
    int32_t pid;                      /**< the process being started */
    /** Where the plugin stores its per-process context; passed back to every
     *  hook in `trapline_event.context`. */
    void **context;
    /** Where `init` may write a one-line reason when it returns non-zero;
     *  trapline prints it and exits with status 2. */
    char *error;
    size_t error_size;
};

/** A plugin. Every hook is optional (NULL). */
struct trapline_plugin {
    /** Must be TRAPLINE_ABI_VERSION. */
    uint32_t abi_version;
    /** TRAPLINE_RAW and/or TRAPLINE_ISOLATED. */
    uint32_t isolation;
    /** Short name, as used on the command line. */
    const char *name;

    /** Called once per process image before the client runs (in host
     *  context: libc may be used here). Returns 0, or non-zero with a reason
     *  in `init->error` to refuse the options. */
    int (*init)(const struct trapline_init *init);

    /** Before a subscribed system call. Returns enum trapline_action. */
    int (*before_syscall)(const struct trapline_event *ev, struct trapline_syscall *call);
    /** After a subscribed system call (also after a skip). */
    void (*after_syscall)(const struct trapline_event *ev, struct trapline_syscall *call);

    /** Before a subscribed vDSO call. Returns enum trapline_action. */
    int (*before_vdso)(const struct trapline_event *ev, struct trapline_vdso_call *call);
    /** After a subscribed vDSO call. */
    void (*after_vdso)(const struct trapline_event *ev, struct trapline_vdso_call *call);

    /** A new thread starts (in the new thread). */
    void (*thread_start)(const struct trapline_event *ev);
    /** A thread is about to exit (in that thread). */
    void (*thread_exit)(const struct trapline_event *ev);
    /** After fork, in the parent; `child` is the child's pid. */
    void (*fork_parent)(const struct trapline_event *ev, int32_t child);
    /** After fork, in the child. `ev->context` is the parent's context; the
     *  hook may store a new one in `*context`. */
    void (*fork_child)(const struct trapline_event *ev, void **context);
    /** The process image is about to be replaced by exec of `path`. */
    void (*exec)(const struct trapline_event *ev, const char *path);
    /** The process image ends: exit_group, the last thread's exit, exec, or
     *  death by signal (`signal` non-zero, `status` then 0). */
    void (*process_exit)(const struct trapline_event *ev, int status, int signal);

    /* Version 2 and later. */

    /** A signal is about to run the client's handler, in the thread that
     *  gets it. `siginfo` is the kernel's siginfo_t (128 bytes) as the
     *  handler will see it. Signals that are ignored or end the process
     *  (see `process_exit`) are not shown here. */
    void (*signal)(const struct trapline_event *ev, int signo, const void *siginfo);
};

/** The symbol every plugin shared object exports. */
const struct trapline_plugin *trapline_plugin_entry(void);

#ifdef __cplusplus
}
#endif

#endif
