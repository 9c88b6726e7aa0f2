/* capture.c - the client side of `trapline trace` and `record`: every
 * system call (and, with vdso=1, every vDSO call) becomes a trace record
 * (src/base/trace_record.h) in the calling thread's ring, which the drain
 * (`trapline capture`, src/launcher/drain.c) reads.
 *
 * Started by the drain as the first plugin, with
 *
 *   capture:channel=PID.FD[:strings=N][:vdso=1]
 *
 * PID.FD names the drain's memfd (opened through /proc/PID/fd/FD, mapped,
 * closed again: the client never holds it), strings=N is strace's -s (how
 * much of a buffer is kept, default 32), vdso=1 subscribes to vDSO calls.
 *
 * What is written:
 * - calls that may block (tl_syscall_may_block), never return (exit,
 *   exit_group, execve, rt_sigreturn) or hand the kernel memory it may
 *   rewrite (in_fixed, in_lenptr, inout_*): SYSCALL_ENTER before the call, committed
 *   at once so readers show it live, and SYSCALL_EXIT after it;
 * - every other call: one SYSCALL record after it, its entry-side memory
 *   (paths, write buffers) read then, unchanged by the kernel;
 * - IMAGE_START before the first record of each image, then, if an exec
 *   made the image, the SYSCALL_EXIT that finishes that execve's ENTER;
 * - PROCESS_EXIT when the image ends, unless it ends by exec.
 *
 * The memory arguments point to is copied by capture_memory.c. A raw
 * plugin: no libc, hooks run on client threads. Times are TSC ticks
 * (the drain converts them to CLOCK_MONOTONIC ns). */
#include "trapline/plugin.h"
#include "../src/base/mem.h"
#include "../src/base/sys.h"
#include "../src/base/trace_ring.h"
#include "../src/base/thread_block.h"
#include "capture_memory.h"
#include "../src/base/hot_text.h"
#include "syscall_table.h"

#define NR_pread64 17
#define NR_mmap 9
#define NR_getppid 110
#define NR_exit 60
#define NR_exit_group 231
#define NR_execve 59
#define NR_execveat 322
#define NR_rt_sigreturn 15
#define NR_clone 56
#define NR_fork 57
#define NR_clone3 435
#define NR_fstat 5
#define NR_pipe 22
#define NR_pipe2 293
#define NR_socket 41
#define NR_accept 43
#define NR_accept4 288
#define NR_socketpair 53
#define O_RDONLY 0
#define O_RDWR 2
#define O_CLOEXEC 02000000
#define PROT_RW 3
#define MAP_SHARED 1
#define AT_FDCWD (-100)

#define MASK_WORDS (TRAPLINE_MAX_SYSCALLS / 64)

/* What every call reads, on one page: on this machine (PTI without PCID)
 * each page touched after a system call is a TLB miss. */
#define THREAD_CACHE 128
static struct {
    struct tl_ring_shm *volatile shm; /* 0: not capturing */
    int image_started;                /* IMAGE_START written */
    uint32_t string_limit;
    int32_t only_tid;                 /* only=TID: no other thread is traced */
    /* Calls written as ENTER + EXIT, and calls with memory to copy. */
    uint64_t enter_first[MASK_WORDS];
    uint64_t has_capture[MASK_WORDS];
    /* The rings of this process' threads, by tid modulo the size (the
     * shared tid map costs two more pages). One word each, so a thread
     * never reads half of another's entry; a ring names its owner, so a
     * thread whose tid collides with another's sees the entry is not its
     * own and goes through the shared map. */
    struct tl_ring *ring_of[THREAD_CACHE];
} hot __attribute__((aligned(4096)));

static const struct trapline_host *host;
static int warned;
/* The most a record of each call can take in the ring. */
static uint32_t bound_of[TRAPLINE_MAX_SYSCALLS];

#define SYSCALL_BOUND (sizeof(struct tl_trace_head) + sizeof(struct tl_trace_syscall))

static inline int bit(const uint64_t *m, unsigned long nr)
{
    return nr < TRAPLINE_MAX_SYSCALLS && ((m[nr >> 6] >> (nr & 63)) & 1);
}

static inline void set_bit(uint64_t *m, unsigned long nr)
{
    m[nr >> 6] |= 1ull << (nr & 63);
}

static inline uint64_t tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static void say(const char *s)
{
    host->syscall(TL_NR_write, 2, (long)s, (long)tl_strlen(s), 0, 0, 0);
}

/* The drain is gone: this process goes on untraced, with one warning. */
static void stop(void)
{
    hot.shm = 0;
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
        say("trapline: warning: the trace reader has gone; the program continues untraced\n");
}

static inline void remember(int32_t tid, struct tl_ring *r)
{
    __atomic_store_n(&hot.ring_of[tid & (THREAD_CACHE - 1)], r, __ATOMIC_RELAXED);
}

static struct tl_ring *claim(struct tl_ring_shm *s, const struct trapline_event *ev)
{
    struct tl_ring *r = tl_ring_claim(s, ev->pid, ev->tid);
    if (r) {
        remember(ev->tid, r);
    } else {
        if (tl_ring_drain_gone(s)) {
            stop();
        } else if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
            say("trapline: warning: every trace ring is in use; some threads go untraced\n");
        }
    }
    return r;
}

/* Two threads whose tids collide in the cache take turns through the
 * shared map. */
static struct tl_ring *find(struct tl_ring_shm *s, const struct trapline_event *ev)
{
    struct tl_ring *r = tl_ring_of(s, ev->tid);
    if (!r)
        return claim(s, ev);
    remember(ev->tid, r);
    return r;
}

static inline struct tl_ring *ring_for(struct tl_ring_shm *s, const struct trapline_event *ev)
{
    struct tl_ring *r = __atomic_load_n(&hot.ring_of[ev->tid & (THREAD_CACHE - 1)], __ATOMIC_RELAXED);
    if (__builtin_expect(r && r->owner == ev->tid, 1))
        return r;
    return find(s, ev);
}

/* ---- records ---- */

static inline struct tl_trace_head *head(unsigned char *p, unsigned type, const struct trapline_event *ev,
                                         uint64_t time)
{
    struct tl_trace_head *h = (struct tl_trace_head *)p;
    h->type = (uint16_t)type;
    h->flags = 0;
    h->pid = ev->pid;
    h->tid = ev->tid;
    h->time = time;
    return h;
}

static inline void finish(struct tl_ring_shm *s, struct tl_ring *r, unsigned char *p, unsigned char *w,
                          int urgent)
{
    uint32_t size = (uint32_t)(w - p);
    ((struct tl_trace_head *)p)->size = size;
    tl_ring_commit(s, r, size, urgent);
}

static inline uint32_t bound(unsigned long nr)
{
    return bit(hot.has_capture, nr) ? bound_of[nr] : (uint32_t)SYSCALL_BOUND;
}

/* Where rt_sigreturn finds what it restores: the signal frame at the stack
 * pointer (the handler's return popped pretcode) starts with the ucontext,
 * whose uc_sigmask follows uc_flags, uc_link, uc_stack and the 256-byte
 * mcontext, in which rax is the 14th register. */
#define SIGFRAME_MASK 296
#define SIGFRAME_RAX (40 + 13 * 8)
#define SIGFRAME_BLOB (sizeof(struct tl_trace_blob) + 16)

/* rt_sigreturn's blob: the mask and rax it restores (what strace shows as
 * its argument and result). */
static unsigned char *sigframe_blob(unsigned char *w, uint64_t sp)
{
    uint64_t v[2];
    if (host->copy_from_client(&v[0], (const void *)(sp + SIGFRAME_MASK), 8) ||
        host->copy_from_client(&v[1], (const void *)(sp + SIGFRAME_RAX), 8))
        return tl_capture_blob(w, 0, TL_TRACE_BLOB_FAULT, 0);
    w = tl_capture_blob(w, 0, 0, 16);
    tl_memcpy(w, v, 16);
    return w + 16;
}

/* The calls that make pipe or socket descriptors, and the blob that names
 * them for -y: strace shows `pipe:[INODE]`, which only the kernel knows
 * (fstat's st_ino, the number /proc/PID/fd shows). */
#define FD_INODES_ARG 6
#define FD_INODES_BLOB (sizeof(struct tl_trace_blob) + 16)

static int makes_fds(long nr)
{
    return nr == NR_pipe || nr == NR_pipe2 || nr == NR_socketpair || nr == NR_socket || nr == NR_accept ||
           nr == NR_accept4;
}

static unsigned char *fd_inodes_blob(unsigned char *w, const struct trapline_syscall *c)
{
    int32_t fds[2];
    int n = 1;
    if (c->nr == NR_socket || c->nr == NR_accept || c->nr == NR_accept4) {
        fds[0] = (int32_t)c->result;
    } else {
        if (host->copy_from_client(fds, (const void *)c->args[c->nr == NR_socketpair ? 3 : 0], 8))
            return w;
        n = 2;
    }
    uint64_t ino[2];
    for (int i = 0; i < n; i++) {
        uint64_t st[18]; /* struct stat: st_ino is the second word */
        if (host->syscall(NR_fstat, fds[i], (long)st, 0, 0, 0, 0) != 0)
            return w;
        ino[i] = st[1];
    }
    w = tl_capture_blob(w, FD_INODES_ARG, 0, (uint32_t)(8 * n));
    tl_memcpy(w, ino, (size_t)(8 * n));
    return w + 8 * n;
}

TL_WARM static void write_enter(struct tl_ring_shm *s, struct tl_ring *r, const struct trapline_event *ev,
                                const struct trapline_syscall *c, uint64_t t)
{
    uint32_t max = bound((unsigned long)c->nr) + (c->nr == NR_rt_sigreturn ? SIGFRAME_BLOB : 0);
    unsigned char *p = tl_ring_reserve(s, r, max);
    if (!p)
        return stop();
    head(p, TL_TRACE_SYSCALL_ENTER, ev, t);
    struct tl_trace_syscall_enter *b = (struct tl_trace_syscall_enter *)(p + sizeof(struct tl_trace_head));
    b->nr = c->nr;
    for (int i = 0; i < 6; i++)
        b->args[i] = c->args[i];
    unsigned char *w = (unsigned char *)(b + 1);
    if (bit(hot.has_capture, (unsigned long)c->nr))
        w = tl_capture_blobs(w, p + max, c, TL_CAPTURE_ENTRY_SIDE);
    if (c->nr == NR_rt_sigreturn)
        w = sigframe_blob(w, c->sp);
    finish(s, r, p, w, 1);
}

TL_WARM static void write_exit(struct tl_ring_shm *s, struct tl_ring *r, const struct trapline_event *ev,
                               const struct trapline_syscall *c, uint64_t t)
{
    uint32_t max = bound((unsigned long)c->nr);
    unsigned char *p = tl_ring_reserve(s, r, max);
    if (!p)
        return stop();
    head(p, TL_TRACE_SYSCALL_EXIT, ev, t);
    struct tl_trace_syscall_exit *b = (struct tl_trace_syscall_exit *)(p + sizeof(struct tl_trace_head));
    b->nr = c->nr;
    b->result = c->result;
    unsigned char *w = (unsigned char *)(b + 1);
    if (bit(hot.has_capture, (unsigned long)c->nr))
        w = tl_capture_blobs(w, p + max, c, TL_CAPTURE_EXIT_SIDE);
    if (__builtin_expect(makes_fds(c->nr), 0) && c->result >= 0)
        w = fd_inodes_blob(w, c);
    finish(s, r, p, w, 0);
}

/* A SYSCALL record's fixed part; returns where its blobs go. */
static inline unsigned char *syscall_record(unsigned char *p, const struct trapline_event *ev,
                                            const struct trapline_syscall *c, uint64_t t0, uint64_t t1)
{
    head(p, TL_TRACE_SYSCALL, ev, t0);
    struct tl_trace_syscall *b = (struct tl_trace_syscall *)(p + sizeof(struct tl_trace_head));
    b->nr = c->nr;
    b->args[0] = c->args[0], b->args[1] = c->args[1], b->args[2] = c->args[2];
    b->args[3] = c->args[3], b->args[4] = c->args[4], b->args[5] = c->args[5];
    b->result = c->result;
    b->exit_time = t1;
    return (unsigned char *)(b + 1);
}

/* A call with memory to copy: out of the hot path's page. */
TL_WARM static void write_syscall_memory(struct tl_ring_shm *s, struct tl_ring *r, const struct trapline_event *ev,
                                         const struct trapline_syscall *c, uint64_t t0, uint64_t t1)
{
    uint32_t max = bound_of[c->nr];
    unsigned char *p = tl_ring_reserve(s, r, max);
    if (!p)
        return stop();
    unsigned char *w = syscall_record(p, ev, c, t0, t1);
    w = tl_capture_blobs(w, p + max, c, TL_CAPTURE_ENTRY_SIDE | TL_CAPTURE_EXIT_SIDE);
    if (makes_fds(c->nr) && c->result >= 0)
        w = fd_inodes_blob(w, c);
    finish(s, r, p, w, 0);
}

static inline void write_syscall(struct tl_ring_shm *s, struct tl_ring *r, const struct trapline_event *ev,
                                 const struct trapline_syscall *c, uint64_t t0, uint64_t t1)
{
    if (__builtin_expect(bit(hot.has_capture, (unsigned long)c->nr), 0))
        return write_syscall_memory(s, r, ev, c, t0, t1);
    unsigned char *p = tl_ring_reserve(s, r, SYSCALL_BOUND);
    if (__builtin_expect(!p, 0))
        return stop();
    finish(s, r, p, syscall_record(p, ev, c, t0, t1), 0);
}

/* IMAGE_START: the program running and its argv (as /proc/self/cmdline
 * holds it: trapline-exec runs with the client's own argv). */
static void write_image_start(struct tl_ring_shm *s, struct tl_ring *r, const struct trapline_event *ev,
                              int initial)
{
    uint32_t max = sizeof(struct tl_trace_head) + sizeof(struct tl_trace_image_start) +
                   2 * sizeof(struct tl_trace_blob) + TL_CAPTURE_PATH_CAP + TL_CAPTURE_STRVEC_CAP;
    unsigned char *p = tl_ring_reserve(s, r, max);
    if (!p)
        return stop();
    struct tl_trace_head *h = head(p, TL_TRACE_IMAGE_START, ev, tsc());
    h->flags = initial ? TL_TRACE_IMAGE_INITIAL : 0;
    struct tl_trace_image_start *b = (struct tl_trace_image_start *)(h + 1);
    b->ppid = (int32_t)host->syscall(NR_getppid, 0, 0, 0, 0, 0, 0);
    b->reserved = 0;
    unsigned char *w = (unsigned char *)(b + 1);
    const char *exe = host->exe_path();
    uint32_t n = (uint32_t)tl_strlen(exe);
    if (n > TL_CAPTURE_PATH_CAP)
        n = TL_CAPTURE_PATH_CAP;
    w = tl_capture_blob(w, 0, 0, n);
    tl_memcpy(w, exe, n);
    w = tl_capture_pad(w, n);

    long fd = host->syscall(TL_NR_openat, AT_FDCWD, (long)"/proc/self/cmdline", O_RDONLY | O_CLOEXEC, 0, 0, 0);
    long got = 0;
    char *d = (char *)w + sizeof(struct tl_trace_blob);
    while (fd >= 0 && got < TL_CAPTURE_STRVEC_CAP) {
        long k = host->syscall(TL_NR_read, fd, (long)(d + got), TL_CAPTURE_STRVEC_CAP - got, 0, 0, 0);
        if (k <= 0)
            break;
        got += k;
    }
    if (fd >= 0)
        host->syscall(TL_NR_close, fd, 0, 0, 0, 0, 0);
    unsigned flags = TL_TRACE_BLOB_STRVEC;
    if (got == TL_CAPTURE_STRVEC_CAP) {
        /* Cut at the last whole string. */
        flags |= TL_TRACE_BLOB_TRUNCATED;
        while (got > 0 && d[got - 1])
            got--;
    }
    if (fd < 0)
        got = 0, flags |= TL_TRACE_BLOB_FAULT;
    w = tl_capture_pad(tl_capture_blob(w, 1, flags, (uint32_t)got), (uint32_t)got);
    finish(s, r, p, w, 1);
}

/* The first record of an image: IMAGE_START, and the end of the execve
 * that made it (its ENTER came from the image before). */
static void start_image(struct tl_ring_shm *s, const struct trapline_event *ev)
{
    hot.image_started = 1;
    int32_t no = 0;
    int initial = __atomic_compare_exchange_n(&s->initial_taken, &no, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
    struct tl_ring *r = ring_for(s, ev);
    if (!r || !hot.shm)
        return;
    /* The ring outlives exec when the thread keeps its tid. */
    long exec_nr = r->in_exec ? r->in_exec : NR_execve;
    r->in_exec = 0;
    r->depth = 0;
    write_image_start(s, r, ev, initial);
    if (!initial && hot.shm) {
        struct trapline_syscall done = { exec_nr, { 0 }, 0, 0, 0 };
        write_exit(s, r, ev, &done, tsc());
    }
}

#define CHECK_IMAGE(s, ev)                             \
    do {                                               \
        if (__builtin_expect(!hot.image_started, 0)) { \
            start_image(s, ev);                        \
            if (!(s = hot.shm))                        \
                return TRAPLINE_CONTINUE;              \
        }                                              \
    } while (0)

/* ---- hooks ---- */

#define SIGINFO_SIZE 128

/* Without -f strace traces one thread (and what it execs): so does only=. */
static inline int ignored(const struct trapline_event *ev)
{
    return hot.only_tid && ev->tid != hot.only_tid;
}

TL_HOT static int before_syscall(const struct trapline_event *ev, struct trapline_syscall *call)
{
    struct tl_ring_shm *s = hot.shm;
    if (__builtin_expect(!s || ignored(ev), 0))
        return TRAPLINE_CONTINUE;
    CHECK_IMAGE(s, ev);
    struct tl_ring *r = ring_for(s, ev);
    if (__builtin_expect(!r, 0))
        return TRAPLINE_CONTINUE;
    uint64_t t = tsc();
    unsigned long nr = (unsigned long)call->nr;
    if (bit(hot.enter_first, nr)) {
        if (nr == NR_execve || nr == NR_execveat)
            r->in_exec = (uint32_t)nr;
        write_enter(s, r, ev, call, t);
    }
    /* Drop entries of frames siglongjmp left: they lie at or below us. */
    uint32_t d = r->depth;
    while (d && r->pending[d - 1].call <= (uint64_t)call)
        d--;
    if (d < TL_RING_NEST) {
        r->pending[d].call = (uint64_t)call;
        r->pending[d].tsc = t;
        d++;
    }
    r->depth = d;
    /* What after_syscall reads first, one page each: the gate prefetches
     * them when the call returns. */
    tl_tb_hint_after_call(1, &hot.ring_of[ev->tid & (THREAD_CACHE - 1)]);
    tl_tb_hint_after_call(2, &r->tail);
    tl_tb_hint_after_call(3, tl_ring_data(r) + (r->tail & (r->size - 1)));
    return TRAPLINE_CONTINUE;
}

TL_HOT static void after_syscall(const struct trapline_event *ev, struct trapline_syscall *call)
{
    uint64_t t1 = tsc(), t0 = t1; /* first: nothing else to wait for yet */
    struct tl_ring_shm *s = hot.shm;
    unsigned long nr = (unsigned long)call->nr;
    if (__builtin_expect(!s || ignored(ev), 0))
        return;
    /* A fork child returns from its parent's call, with its parent's
     * event: the parent records the call, the child touches nothing. */
    if (call->result == 0 && (nr == NR_fork || nr == NR_clone || nr == NR_clone3))
        return;
    struct tl_ring *r = ring_for(s, ev);
    if (__builtin_expect(!r, 0))
        return;
    uint32_t d = r->depth;
    if (__builtin_expect(d && r->pending[d - 1].call == (uint64_t)call, 1)) {
        t0 = r->pending[d - 1].tsc;
        r->depth = d - 1;
    }
    if (__builtin_expect(bit(hot.enter_first, nr), 0)) {
        r->in_exec = 0;
        write_exit(s, r, ev, call, t1);
        return;
    }
    write_syscall(s, r, ev, call, t0, t1);
}

/* The memory vDSO functions write, by enum trapline_vdso_fn: argument
 * index and size (0 = the result's count of bytes, capped at -s). */
static const struct {
    uint8_t arg[2], size[2];
} vdso_out[TRAPLINE_VDSO_COUNT] = {
    [TRAPLINE_VDSO_CLOCK_GETTIME] = { { 1, 9 }, { 16, 0 } },
    [TRAPLINE_VDSO_GETTIMEOFDAY] = { { 0, 1 }, { 16, 8 } },
    [TRAPLINE_VDSO_TIME] = { { 0, 9 }, { 8, 0 } },
    [TRAPLINE_VDSO_GETCPU] = { { 0, 1 }, { 4, 4 } },
    [TRAPLINE_VDSO_CLOCK_GETRES] = { { 1, 9 }, { 16, 0 } },
    [TRAPLINE_VDSO_GETRANDOM] = { { 0, 9 }, { 0, 0 } },
};

TL_WARM static int before_vdso(const struct trapline_event *ev, struct trapline_vdso_call *call)
{
    struct tl_ring_shm *s = hot.shm;
    if (!s || ignored(ev))
        return TRAPLINE_CONTINUE;
    CHECK_IMAGE(s, ev);
    struct tl_ring *r = ring_for(s, ev);
    /* vDSO calls do not nest: one slot holds the entry time. */
    if (r)
        r->vdso_tsc = tsc();
    return TRAPLINE_CONTINUE;
}

TL_WARM static void after_vdso(const struct trapline_event *ev, struct trapline_vdso_call *call)
{
    struct tl_ring_shm *s = hot.shm;
    struct tl_ring *r;
    if (!s || ignored(ev) || !(r = ring_for(s, ev)))
        return;
    uint64_t t1 = tsc();
    uint32_t max = sizeof(struct tl_trace_head) + sizeof(struct tl_trace_vdso) +
                   2 * sizeof(struct tl_trace_blob) + 16 + tl_capture_align8(hot.string_limit);
    unsigned char *p = tl_ring_reserve(s, r, max);
    if (!p)
        return stop();
    head(p, TL_TRACE_VDSO, ev, r->vdso_tsc);
    struct tl_trace_vdso *b = (struct tl_trace_vdso *)(p + sizeof(struct tl_trace_head));
    b->fn = call->fn;
    for (int i = 0; i < 5; i++)
        b->args[i] = call->args[i];
    b->result = call->result;
    b->exit_time = t1;
    unsigned char *w = (unsigned char *)(b + 1);
    int fn = call->fn;
    /* time() returns the time; the others 0 or -errno. */
    if (fn == TRAPLINE_VDSO_TIME || !tl_is_err((unsigned long)call->result)) {
        for (int k = 0; k < 2; k++) {
            unsigned a = vdso_out[fn].arg[k];
            if (a > 4 || !call->args[a])
                continue;
            uint64_t len = vdso_out[fn].size[k] ? vdso_out[fn].size[k]
                                                 : (call->result > 0 ? (uint64_t)call->result : 0);
            if (len)
                w = tl_capture_bytes(w, p + max, a, TL_TRACE_BLOB_EXIT, (uint64_t)call->args[a], len,
                              vdso_out[fn].size[k] ? len : hot.string_limit);
        }
    }
    finish(s, r, p, w, 0);
}

static void thread_start(const struct trapline_event *ev)
{
    struct tl_ring_shm *s = hot.shm;
    if (s)
        claim(s, ev); /* fresh: a dead thread's tid may still point somewhere */
}

static void fork_child(const struct trapline_event *ev, void **context)
{
    (void)context;
    thread_start(ev);
}

static void thread_exit(const struct trapline_event *ev)
{
    struct tl_ring_shm *s = hot.shm;
    struct tl_ring *r;
    if (s && (r = tl_ring_of(s, ev->tid)))
        tl_ring_close(s, r, ev->tid);
}

static void process_exit(const struct trapline_event *ev, int status, int signal)
{
    struct tl_ring_shm *s = hot.shm;
    struct tl_ring *r;
    if (!s || (hot.only_tid && ev->pid != hot.only_tid))
        return;
    if (tl_ring_drain_gone(s))
        return stop();
    if (!(r = ring_for(s, ev)) || r->in_exec)
        return; /* an exec goes on in a new image */
    unsigned char *p = tl_ring_reserve(s, r, sizeof(struct tl_trace_head) + sizeof(struct tl_trace_process_exit));
    if (!p)
        return stop();
    head(p, TL_TRACE_PROCESS_EXIT, ev, tsc());
    struct tl_trace_process_exit *b = (struct tl_trace_process_exit *)(p + sizeof(struct tl_trace_head));
    b->status = status;
    b->signal = signal;
    finish(s, r, p, (unsigned char *)(b + 1), 1);
}

static void on_signal(const struct trapline_event *ev, int signo, const void *siginfo)
{
    struct tl_ring_shm *s = hot.shm;
    struct tl_ring *r;
    if (!s || ignored(ev) || !(r = ring_for(s, ev)))
        return;
    uint32_t max = sizeof(struct tl_trace_head) + sizeof(struct tl_trace_signal) + sizeof(struct tl_trace_blob) +
                   SIGINFO_SIZE;
    unsigned char *p = tl_ring_reserve(s, r, max);
    if (!p)
        return stop();
    head(p, TL_TRACE_SIGNAL, ev, tsc());
    struct tl_trace_signal *b = (struct tl_trace_signal *)(p + sizeof(struct tl_trace_head));
    b->signo = signo;
    b->reserved = 0;
    unsigned char *d = tl_capture_blob((unsigned char *)(b + 1), 0, 0, SIGINFO_SIZE);
    tl_memcpy(d, siginfo, SIGINFO_SIZE);
    finish(s, r, p, d + SIGINFO_SIZE, 1);
}

/* ---- set-up ---- */

static int parse_uint(const char *v, unsigned long max, unsigned long *out)
{
    unsigned long n = 0;
    if (!*v)
        return -1;
    for (; *v; v++) {
        if (*v < '0' || *v > '9' || n > max / 10)
            return -1;
        n = n * 10 + (unsigned long)(*v - '0');
    }
    if (n > max)
        return -1;
    *out = n;
    return 0;
}

static int refuse(const struct trapline_init *in, const char *a, const char *b)
{
    size_t n = 0, cap = in->error_size - 1;
    for (const char *s = a; *s && n < cap; s++)
        in->error[n++] = *s;
    for (const char *s = b; s && *s && n < cap; s++)
        in->error[n++] = *s;
    in->error[n] = 0;
    return -1;
}

/* Opens the drain's memfd through /proc and maps it; 0 if it is gone. */
static struct tl_ring_shm *attach(unsigned long pid, unsigned long fd)
{
    char path[64] = "/proc/";
    size_t n = 6;
    n += tl_fmt_u64(path + n, pid);
    tl_memcpy(path + n, "/fd/", 4);
    n += 4;
    tl_fmt_u64(path + n, fd);
    long f = host->syscall(TL_NR_openat, AT_FDCWD, (long)path, O_RDWR | O_CLOEXEC, 0, 0, 0);
    if (f < 0)
        return 0;
    struct tl_ring_shm hdr;
    struct tl_ring_shm *s = 0;
    if (host->syscall(NR_pread64, f, (long)&hdr, sizeof hdr, 0, 0, 0) == (long)sizeof hdr &&
        !tl_memcmp(hdr.magic, TL_RING_MAGIC, 8) && hdr.version == TL_RING_VERSION) {
        long m = host->syscall(NR_mmap, 0, (long)hdr.total_size, PROT_RW, MAP_SHARED, f, 0);
        if (!tl_is_err((unsigned long)m))
            s = (struct tl_ring_shm *)m;
    }
    host->syscall(TL_NR_close, f, 0, 0, 0, 0, 0);
    return s;
}

/* Per call: ENTER first or not, and the most its record takes. */
static void plan_calls(uint32_t ring_size)
{
    static const unsigned short never_return[] = { NR_exit, NR_exit_group, NR_execve, NR_execveat,
                                                   NR_rt_sigreturn };
    for (unsigned i = 0; i < sizeof never_return / sizeof never_return[0]; i++)
        set_bit(hot.enter_first, never_return[i]);
    for (unsigned long nr = 0; nr < TL_SYSCALL_TABLE_SIZE && nr < TRAPLINE_MAX_SYSCALLS; nr++) {
        if ((tl_syscall_may_block[nr >> 6] >> (nr & 63)) & 1)
            set_bit(hot.enter_first, nr);
        uint64_t b = SYSCALL_BOUND;
        int any = 0;
        for (int i = 0; i < 6; i++) {
            const struct tl_capture_arg *c = &tl_syscall_capture[nr][i];
            uint64_t data = 0;
            switch (c->mode) {
            case TL_CAPTURE_NONE:
                continue;
            case TL_CAPTURE_STRING:
            case TL_CAPTURE_OUT_PATH:
                data = TL_CAPTURE_PATH_CAP;
                break;
            case TL_CAPTURE_IN_LEN:
            case TL_CAPTURE_OUT_RET:
            case TL_CAPTURE_OUT_LEN:
                data = hot.string_limit;
                break;
            case TL_CAPTURE_IN_FIXED:
            case TL_CAPTURE_OUT_FIXED:
                data = c->size;
                break;
            case TL_CAPTURE_IN_LENPTR:
            case TL_CAPTURE_OUT_LENPTR:
                data = TL_CAPTURE_LENPTR_CAP;
                break;
            case TL_CAPTURE_STRVEC:
                data = TL_CAPTURE_STRVEC_CAP;
                break;
            case TL_CAPTURE_COUNT:
                data = 8;
                break;
            case TL_CAPTURE_IN_IOVEC:
            case TL_CAPTURE_OUT_IOVEC:
                data = (uint64_t)TL_CAPTURE_IOV_CAP * (sizeof(struct tl_trace_iov) + tl_capture_align8(hot.string_limit));
                break;
            case TL_CAPTURE_INOUT_ARRAY:
                data = (uint64_t)TL_CAPTURE_ARRAY_CAP * c->size;
                break;
            case TL_CAPTURE_INOUT_FIXED:
                data = c->size;
                break;
            }
            /* Memory the kernel may rewrite is read before the call. */
            if (c->mode == TL_CAPTURE_IN_FIXED || c->mode == TL_CAPTURE_IN_LENPTR ||
                c->mode == TL_CAPTURE_INOUT_ARRAY || c->mode == TL_CAPTURE_INOUT_FIXED)
                set_bit(hot.enter_first, nr);
            b += sizeof(struct tl_trace_blob) + tl_capture_align8(data);
            any = 1;
        }
        if (makes_fds((long)nr)) {
            b += FD_INODES_BLOB;
            any = 1;
        }
        if (any)
            set_bit(hot.has_capture, nr);
        /* Blobs are cut to fit half a ring (records never wait for more). */
        bound_of[nr] = (uint32_t)(b < ring_size / 2 ? b : ring_size / 2);
    }
}

static int init(const struct trapline_init *in)
{
    unsigned long pid = 0, fd = 0, limit = 32, vdso = 0, only = 0;
    int have_channel = 0;
    host = in->host;
    for (size_t i = 0; i < in->option_count; i++) {
        const char *k = in->options[i].key, *v = in->options[i].value;
        if (!tl_strcmp(k, "channel")) {
            const char *dot = v;
            char num[24];
            while (*dot && *dot != '.')
                dot++;
            if (*dot != '.' || dot - v >= (long)sizeof num)
                return refuse(in, "channel=", "wants PID.FD");
            tl_memcpy(num, v, (size_t)(dot - v));
            num[dot - v] = 0;
            if (parse_uint(num, 0x7fffffff, &pid) || parse_uint(dot + 1, 0x7fffffff, &fd))
                return refuse(in, "channel=", "wants PID.FD");
            have_channel = 1;
        } else if (!tl_strcmp(k, "strings")) {
            if (parse_uint(v, 1 << 20, &limit))
                return refuse(in, "strings=", "wants a number of bytes up to 1048576");
        } else if (!tl_strcmp(k, "vdso")) {
            if (parse_uint(v, 1, &vdso))
                return refuse(in, "vdso=", "wants 0 or 1");
        } else if (!tl_strcmp(k, "only")) {
            if (parse_uint(v, 0x7fffffff, &only))
                return refuse(in, "only=", "wants a thread id");
        } else {
            return refuse(in, "unknown option ", k);
        }
    }
    if (!have_channel)
        return refuse(in, "channel=PID.FD is required (capture is started by `trapline capture`)", 0);
    hot.string_limit = (uint32_t)limit;
    hot.only_tid = (int32_t)only;
    tl_capture_memory_init(host, hot.string_limit);

    struct tl_ring_shm *s = attach(pid, fd);
    if (!s || tl_ring_drain_gone(s)) {
        /* The reader went away before this image started. */
        say("trapline: warning: the trace reader has gone; the program continues untraced\n");
        warned = 1;
        return 0;
    }
    plan_calls(s->ring_size);
    in->host->subscribe_all_syscalls(in->handle);
    if (vdso)
        for (int f = 0; f < TRAPLINE_VDSO_COUNT; f++)
            in->host->subscribe_vdso(in->handle, f);
    hot.shm = s;
    return 0;
}

static const struct trapline_plugin capture = {
    .abi_version = TRAPLINE_ABI_VERSION,
    .isolation = TRAPLINE_RAW,
    .name = "capture",
    .init = init,
    .before_syscall = before_syscall,
    .after_syscall = after_syscall,
    .before_vdso = before_vdso,
    .after_vdso = after_vdso,
    .thread_start = thread_start,
    .thread_exit = thread_exit,
    .fork_child = fork_child,
    .process_exit = process_exit,
    .signal = on_signal,
};

const struct trapline_plugin *tl_builtin_capture(void)
{
    return &capture;
}
