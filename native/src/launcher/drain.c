/* drain.c - `trapline capture`: runs a client with the capture plugin and
 * writes its trace stream. `trace` and `record` run it as the Node CLI
 * asks (supervisor.c, or spawned by a Node started directly).
 *
 *   trapline capture (--output FILE | --output-fd N) [--strings N] [--vdso] [--first-only]
 *                    [--plugin SPEC]... [--no-follow] [--] PROG [ARGS...]
 *
 *   --output FILE   write the stream to FILE (created or truncated, 0666
 *                   less the umask)
 *   --output-fd N   write it to the open descriptor N (a pipe: live output);
 *                   N is closed in the client, whose stdio stay its own
 *   --strings N     strace's -s: bytes kept of a buffer (default 32, at most
 *                   1048576); paths are always kept whole
 *   --vdso          also trace vDSO calls (clock_gettime, ...)
 *   --first-only    trace only the program's first thread and what it
 *                   execs (strace without -f)
 *   --plugin SPEC   more plugins, after capture; --no-follow as for `run`
 *
 * PROG is found and checked as `run` does: 127 if not found, 126 if not
 * executable, 2 for bad options, with one `trapline: ` line on stderr. The
 * client runs exactly as under `run`, with `capture:channel=PID.FD:
 * strings=N[:vdso=1][:only=TID]` as its first plugin. It inherits every descriptor of
 * this process but the output and the shared memory.
 *
 * The stream (docs/trace-format.md, src/base/trace_record.h): one
 * struct tl_trace_file_head, then records, times in CLOCK_MONOTONIC ns.
 * Records of one thread come in the order it made them; across threads and
 * processes they are merged by time among those committed when read.
 *
 * Exit: when the client and every process descended from it have exited
 * (this process is their subreaper) and every record is written, with the
 * client's exit status, or by the client's terminating signal, re-raised.
 * SIGINT and SIGQUIT are ignored here (the client decides what they do).
 * If the output breaks (EPIPE), the client runs on untraced.
 *
 * Shared memory and the ring protocol: src/base/trace_ring.h. */
#include "launcher.h"
#include "../base/mem.h"
#include "../base/sys.h"
#include "../base/trace_ring.h"

#define NR_fcntl 72
#define NR_ftruncate 77
#define NR_wait4 61
#define NR_futex 202
#define NR_set_robust_list 273
#define NR_memfd_create 319
#define NR_clock_gettime 228
#define NR_nanosleep 35
#define F_DUPFD_CLOEXEC 1030
#define F_GETFD 1
#define F_SETFD 2
#define FD_CLOEXEC 1
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_RDONLY 0
#define O_CLOEXEC 02000000
#define MFD_CLOEXEC 1
#define PROT_RW 3
#define MAP_SHARED 1
#define WNOHANG 1
#define WALL 0x40000000
#define PR_SET_CHILD_SUBREAPER 36
#define SIGINT 2
#define SIGQUIT 3
#define SIGPIPE 13
#define SIGCHLD 17
#define SIG_IGN 1
#define ESRCH 3
#define EINTR 4
#define ECHILD 10
#define EPIPE 32
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define AT_SYSINFO_EHDR 33
#define AT_FDCWD (-100)

#define RING_SIZE (256 * 1024)
#define RING_MEMORY (2ull << 30)    /* virtual; tmpfs pages only once used */
#define MAX_RINGS 4096
#define SLEEP_NS 20000000L         /* the longest a committed record waits */
#define BUSY_SLEEP_NS 1000000L     /* between passes while records flow */
#define SWEEP_NS 250000000L        /* how often rings of dead threads are sought */
#define OUT_CAP (1 << 20)

struct timespec_ {
    long sec, nsec;
};
struct robust_list {
    struct robust_list *next;
};
struct robust_list_head {
    struct robust_list list;
    long futex_offset;
    struct robust_list *list_op_pending;
};

static struct tl_ring_shm *shm;
static int out_fd = -1;
static int out_broken;
static int corrupt_warned;
static unsigned char out[OUT_CAP];
static uint32_t out_len;
static char spec[128];

/* ---- time: the rings hold TSC ticks; the stream holds monotonic ns ---- */

static long (*vdso_clock_gettime)(long, struct timespec_ *);
static uint64_t tsc_base, tsc_mult; /* ns = ns_base + (tsc - tsc_base) * mult >> 32 */
static int64_t ns_base;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static int64_t clock_ns(int clock)
{
    struct timespec_ t;
    if (!vdso_clock_gettime || vdso_clock_gettime(clock, &t))
        tl_sys2(NR_clock_gettime, clock, (long)&t);
    return t.sec * 1000000000L + t.nsec;
}

/* The vDSO's clock_gettime, through its dynamic symbol table: reading the
 * clock costs ~30 ns there, a microsecond as a system call. */
static void find_vdso_clock(uint64_t *auxv)
{
    uint64_t base = 0;
    for (; auxv[0]; auxv += 2)
        if (auxv[0] == AT_SYSINFO_EHDR)
            base = auxv[1];
    if (!base)
        return;
    const unsigned char *e = (const unsigned char *)base;
    uint64_t shoff = *(const uint64_t *)(e + 0x28);
    uint16_t shentsize = *(const uint16_t *)(e + 0x3a), shnum = *(const uint16_t *)(e + 0x3c);
    if (shentsize != 64)
        return;
    for (unsigned i = 0; i < shnum; i++) {
        const unsigned char *sh = e + shoff + (uint64_t)i * 64;
        if (*(const uint32_t *)(sh + 4) != 11 /* SHT_DYNSYM */)
            continue;
        const unsigned char *strsh = e + shoff + (uint64_t)*(const uint32_t *)(sh + 40) * 64;
        const char *names = (const char *)(e + *(const uint64_t *)(strsh + 24));
        const unsigned char *sym = e + *(const uint64_t *)(sh + 24);
        uint64_t count = *(const uint64_t *)(sh + 32) / 24;
        for (uint64_t k = 0; k < count; k++, sym += 24)
            if (!tl_strcmp(names + *(const uint32_t *)sym, "__vdso_clock_gettime") &&
                *(const uint64_t *)(sym + 8))
                vdso_clock_gettime = (long (*)(long, struct timespec_ *))(base + *(const uint64_t *)(sym + 8));
    }
}

/* A (tsc, ns) pair read as close together as this machine allows. */
static void clock_pair(uint64_t *tsc, int64_t *ns)
{
    uint64_t best = ~0ull;
    for (int i = 0; i < 8; i++) {
        uint64_t a = rdtsc();
        int64_t n = clock_ns(CLOCK_MONOTONIC);
        uint64_t b = rdtsc();
        if (b - a < best)
            best = b - a, *tsc = a + (b - a) / 2, *ns = n;
    }
}

/* Calibrates TSC ticks against CLOCK_MONOTONIC over 5 ms: with the vDSO
 * clock the rate is right to a few ppm. */
static void calibrate(void)
{
    uint64_t t1;
    int64_t n1;
    clock_pair(&tsc_base, &ns_base);
    struct timespec_ d = { 0, 5000000 };
    while (tl_sys2(NR_nanosleep, (long)&d, (long)&d) == -EINTR)
        ;
    clock_pair(&t1, &n1);
    tsc_mult = (((uint64_t)(n1 - ns_base)) << 32) / (t1 - tsc_base);
    /* A ring wakes a sleeping drain for urgent records at most every ms. */
    shm->wake_gap = (1000000ull << 32) / tsc_mult;
}

static inline uint64_t to_ns(uint64_t tsc)
{
    int64_t d = (int64_t)(tsc - tsc_base);
    return (uint64_t)(ns_base + (int64_t)(((__int128)d * (__int128)tsc_mult) >> 32));
}

/* ---- output ---- */

static void write_all(const void *p, uint32_t n)
{
    const char *c = p;
    while (n && !out_broken) {
        long w = tl_write(out_fd, c, n);
        if (w == -EINTR)
            continue;
        if (w <= 0) {
            /* The reader is gone: let the client run on untraced. */
            if (w != -EPIPE)
                tl_say("trapline: cannot write the trace; the program continues untraced\n");
            out_broken = 1;
            __atomic_store_n(&shm->stopped, 1, __ATOMIC_SEQ_CST);
            return;
        }
        c += w, n -= (uint32_t)w;
    }
}

static void flush(void)
{
    write_all(out, out_len);
    out_len = 0;
}

/* One record to the output, its times turned into ns. */
static void emit(const struct tl_trace_head *h)
{
    uint32_t size = h->size;
    if (out_broken)
        return;
    if (out_len + size > OUT_CAP)
        flush();
    unsigned char *p = out + out_len;
    if (size > OUT_CAP)
        p = (unsigned char *)h; /* the ring's copy: its producer waits for it */
    else
        tl_memcpy(p, h, size);
    struct tl_trace_head *o = (struct tl_trace_head *)p;
    o->time = to_ns(o->time);
    if (o->type == TL_TRACE_SYSCALL && size >= sizeof *o + sizeof(struct tl_trace_syscall)) {
        struct tl_trace_syscall *b = (struct tl_trace_syscall *)(o + 1);
        b->exit_time = to_ns(b->exit_time);
    } else if (o->type == TL_TRACE_VDSO && size >= sizeof *o + sizeof(struct tl_trace_vdso)) {
        struct tl_trace_vdso *b = (struct tl_trace_vdso *)(o + 1);
        b->exit_time = to_ns(b->exit_time);
    }
    if (p == out + out_len)
        out_len += size;
    else
        write_all(p, size);
}

/* ---- reading the rings ---- */

struct pending {
    uint64_t time;
    uint32_t ring;
    uint64_t tail;
};
static struct pending heap[MAX_RINGS];
static uint32_t touched[MAX_RINGS];

static void heap_down(uint32_t n, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, m = i;
        if (l < n && heap[l].time < heap[m].time)
            m = l;
        if (l + 1 < n && heap[l + 1].time < heap[m].time)
            m = l + 1;
        if (m == i)
            return;
        struct pending t = heap[i];
        heap[i] = heap[m], heap[m] = t;
        i = m;
    }
}

static const struct tl_trace_head *next_of(uint32_t ring, uint64_t tail)
{
    int corrupt = 0;
    const struct tl_trace_head *h = tl_ring_next(shm, tl_ring_at(shm, ring), tail, &corrupt);
    if (corrupt && !corrupt_warned) {
        corrupt_warned = 1;
        tl_say("trapline: warning: a trace ring was overwritten by the program; records were lost\n");
    }
    return h;
}

/* Writes every record committed now, merged by time (a thread's records
 * keep their order: each ring is read in order). Returns how many. */
static uint32_t drain_pass(void)
{
    struct tl_ring_slot *slots = tl_ring_slots(shm);
    uint32_t hw = __atomic_load_n(&shm->high_water, __ATOMIC_ACQUIRE), n = 0, count = 0;
    for (uint32_t i = 0; i < hw; i++) {
        uint32_t state = __atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE);
        if (state != TL_RING_LIVE && state != TL_RING_CLOSED)
            continue;
        struct tl_ring *r = tl_ring_at(shm, i);
        uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
        const struct tl_trace_head *h = next_of(i, tail);
        if (h) {
            heap[n].time = h->time, heap[n].ring = i, heap[n].tail = tail;
            touched[n++] = i;
        } else if (state == TL_RING_CLOSED) {
            tl_ring_free(shm, i);
        }
    }
    for (uint32_t i = n / 2; i-- > 0;)
        heap_down(n, i);
    uint32_t live = n;
    while (live) {
        struct pending *top = &heap[0];
        struct tl_ring *r = tl_ring_at(shm, top->ring);
        const struct tl_trace_head *h = next_of(top->ring, top->tail);
        if (h) {
            emit(h);
            tl_ring_consume(r, h->size);
            count++;
            h = next_of(top->ring, top->tail);
        }
        if (h)
            top->time = h->time;
        else
            heap[0] = heap[--live];
        heap_down(live, 0);
    }
    for (uint32_t k = 0; k < n; k++) {
        struct tl_ring *r = tl_ring_at(shm, touched[k]);
        tl_ring_wake_producer(r);
        if (slots[touched[k]].state == TL_RING_CLOSED && r->head == r->tail)
            tl_ring_free(shm, touched[k]);
    }
    return count;
}

/* A ring half full already: its producer's wake may have come while we
 * were reading, so do not sleep on it. */
static int any_half_full(void)
{
    struct tl_ring_slot *slots = tl_ring_slots(shm);
    uint32_t hw = __atomic_load_n(&shm->high_water, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; i < hw; i++) {
        uint32_t state = slots[i].state;
        struct tl_ring *r = tl_ring_at(shm, i);
        if ((state == TL_RING_LIVE || state == TL_RING_CLOSED) && r->tail - r->head > shm->ring_size / 2)
            return 1;
    }
    return 0;
}

/* Rings of threads that died without closing them (exit_group, exec,
 * kill): closed here, freed once read. A live owner always maps its tid
 * to its ring; tgkill(pid, tid, 0) tells a thread that is gone. */
static void sweep_dead(void)
{
    struct tl_ring_slot *slots = tl_ring_slots(shm);
    volatile uint32_t *map = tl_ring_tidmap(shm);
    uint32_t hw = __atomic_load_n(&shm->high_water, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; i < hw; i++) {
        if (slots[i].state != TL_RING_LIVE)
            continue;
        int32_t pid = slots[i].pid, tid = slots[i].tid;
        if ((uint32_t)tid >= shm->tid_limit || map[tid] != i + 1 ||
            tl_sys3(TL_NR_tgkill, pid, tid, 0) == -ESRCH) {
            uint32_t live = TL_RING_LIVE;
            __atomic_compare_exchange_n(&slots[i].state, &live, TL_RING_CLOSED, 0, __ATOMIC_SEQ_CST,
                                        __ATOMIC_RELAXED);
        }
    }
}

/* ---- processes ---- */

static int client_pid;
static int client_status = -1; /* wait status of the client, once known */
static volatile int child_exited = 1;

static void on_sigchld(int sig)
{
    (void)sig;
    child_exited = 1;
    /* Makes the drain's futex wait return at once, however close it is. */
    __atomic_add_fetch(&shm->wake_seq, 1, __ATOMIC_SEQ_CST);
}
/* Reaps what has exited; returns 1 when no descendant is left. */
static int reap(void)
{
    for (;;) {
        int status;
        long pid = tl_sys4(NR_wait4, -1, (long)&status, WNOHANG | WALL, 0);
        if (pid == -EINTR)
            continue;
        if (pid == -ECHILD)
            return 1;
        if (pid <= 0)
            return 0;
        if (pid == client_pid)
            client_status = status;
    }
}

static __attribute__((noreturn)) void finish(void)
{
    flush();
    tl_exit_as(client_status);
}

/* ---- set-up ---- */

static unsigned long parse_number(const char *opt, const char *v, unsigned long max)
{
    unsigned long n = 0;
    const char *p = v;
    if (!v || !*v)
        tl_usage_error("a number must follow", opt);
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || n > max / 10 || n * 10 + (unsigned long)(*p - '0') > max)
            tl_usage_error("bad number for", opt);
        n = n * 10 + (unsigned long)(*p - '0');
    }
    return n;
}

static uint32_t pid_max(void)
{
    char buf[32];
    long fd = tl_sys4(TL_NR_openat, AT_FDCWD, (long)"/proc/sys/kernel/pid_max", O_RDONLY | O_CLOEXEC, 0);
    long n = fd >= 0 ? tl_sys3(TL_NR_read, fd, (long)buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        tl_sys1(TL_NR_close, fd);
    uint32_t v = 0;
    for (long i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
        v = v * 10 + (uint32_t)(buf[i] - '0');
    return v >= 301 && v <= (1u << 22) ? v + 1 : (1u << 22) + 1;
}

/* The memfd every traced process maps; returns its descriptor. */
static int make_rings(uint32_t string_limit, uint32_t flags)
{
    uint32_t ring_size = RING_SIZE;
    /* Half a ring must hold a call's largest record (the plugin cuts
     * buffers to fit, but a large -s should not be cut). */
    while (ring_size < 8ull * (string_limit + 4096) && ring_size < (16u << 20))
        ring_size <<= 1;
    uint64_t count = RING_MEMORY / (TL_RING_HEADER + ring_size);
    if (count > MAX_RINGS)
        count = MAX_RINGS;
    struct tl_ring_shm layout;
    tl_memset(&layout, 0, sizeof layout);
    tl_ring_layout(&layout, (uint32_t)count, ring_size, pid_max());

    long fd = tl_sys2(NR_memfd_create, (long)"trapline-trace", MFD_CLOEXEC);
    if (fd < 0 || tl_sys2(NR_ftruncate, fd, (long)layout.total_size) < 0)
        tl_die(1, "cannot create the trace memory (memfd)", 0, 0);
    long m = tl_sys6(TL_NR_mmap, 0, (long)layout.total_size, PROT_RW, MAP_SHARED, fd, 0);
    if (tl_is_err((unsigned long)m))
        tl_die(1, "cannot map the trace memory", 0, 0);
    shm = (struct tl_ring_shm *)m;
    *shm = layout;
    tl_memcpy(shm->magic, TL_RING_MAGIC, 8);
    shm->version = TL_RING_VERSION;
    shm->string_limit = string_limit;
    shm->flags = flags;
    shm->drain_pid = (int32_t)tl_getpid();
    return (int)fd;
}

/* If this process dies, the kernel marks drain_owner (robust futex list):
 * waiting producers see it without a system call or a pid. */
static void watch_own_death(void)
{
    static struct robust_list node;
    static struct robust_list_head head;
    shm->drain_owner = (uint32_t)tl_gettid();
    head.list.next = &node;
    node.next = &head.list;
    head.futex_offset = (long)((char *)&shm->drain_owner - (char *)&node);
    head.list_op_pending = 0;
    tl_sys2(NR_set_robust_list, (long)&head, sizeof head);
}

static int open_output(const char *file, long fd)
{
    if (file) {
        long f = tl_sys4(TL_NR_openat, AT_FDCWD, (long)file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (f < 0)
            tl_die(1, file, ": cannot open for writing", 0);
        return (int)f;
    }
    if (tl_sys2(NR_fcntl, fd, F_GETFD) < 0)
        tl_usage_error("not an open file descriptor: --output-fd", 0);
    /* The client keeps its stdio: the stream moves off 0-2. */
    if (fd <= 2)
        return (int)tl_sys3(NR_fcntl, fd, F_DUPFD_CLOEXEC, 3);
    tl_sys3(NR_fcntl, fd, F_SETFD, FD_CLOEXEC);
    return (int)fd;
}

static char *append(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static char *append_u64(char *p, unsigned long long v)
{
    return p + tl_fmt_u64(p, v);
}

__attribute__((noreturn)) void tl_capture_main(int argc, char **argv, char **envp)
{
    struct tl_launch_record rec;
    const char *file = 0;
    long fd = -1;
    unsigned long limit = 32;
    int vdso = 0, first_only = 0, i = 2;
    tl_memset(&rec, 0, sizeof rec);
    rec.plugin_count = 1; /* capture's place */
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!tl_strcmp(a, "--")) {
            i++;
            break;
        }
        if (tl_launch_option(argc, argv, &i, &rec))
            continue;
        if (!tl_strcmp(a, "--output") && i + 1 < argc)
            file = argv[++i];
        else if (!tl_strcmp(a, "--output"))
            tl_usage_error("a file must follow", a);
        else if (!tl_strcmp(a, "--output-fd"))
            fd = (long)parse_number(a, i + 1 < argc ? argv[++i] : 0, 0x7fffffff);
        else if (!tl_strcmp(a, "--strings"))
            limit = parse_number(a, i + 1 < argc ? argv[++i] : 0, 1 << 20);
        else if (!tl_strcmp(a, "--vdso"))
            vdso = 1;
        else if (!tl_strcmp(a, "--first-only"))
            first_only = 1;
        else if (a[0] == '-' && a[1])
            tl_usage_error("unknown option", a);
        else
            break;
    }
    if (i >= argc)
        tl_usage_error("no program given", 0);
    if (!file == (fd < 0))
        tl_usage_error("capture needs one of --output FILE and --output-fd N", 0);
    rec.initial = 1;
    rec.exe = tl_find_client(argv[i], envp);
    out_fd = open_output(file, fd);

    int memfd = make_rings((uint32_t)limit, vdso ? TL_TRACE_FILE_VDSO : 0);
    char *p = append(spec, "capture:channel=");
    p = append_u64(p, (unsigned long long)shm->drain_pid);
    p = append(p, ".");
    p = append_u64(p, (unsigned long long)memfd);
    p = append(p, ":strings=");
    p = append_u64(p, limit);
    p = append(p, vdso ? ":vdso=1" : "");
    *p = 0;
    rec.plugins[0] = spec;
    char *spec_end = p;

    char **e = envp;
    while (*e)
        e++;
    find_vdso_clock((uint64_t *)(e + 1));
    calibrate();
    watch_own_death();
    tl_sys2(TL_NR_prctl, PR_SET_CHILD_SUBREAPER, 1);

    /* The child takes the signal state we started with. */
    uint64_t all = ~0ull, mask;
    tl_sys4(TL_NR_rt_sigprocmask, 0, (long)&all, (long)&mask, 8);
    long pid = tl_sys0(TL_NR_fork);
    if (pid == 0) {
        if (first_only) { /* the child's own tid: known only now */
            p = append(spec_end, ":only=");
            p = append_u64(p, (unsigned long long)tl_gettid());
            *p = 0;
        }
        tl_sys2(NR_set_robust_list, 0, sizeof(struct robust_list_head));
        tl_sys4(TL_NR_rt_sigprocmask, 2, (long)&mask, 0, 8);
        tl_exec_host(&rec, argv + i, envp);
    }
    if (pid < 0)
        tl_die(1, "cannot start the program (fork)", 0, 0);
    client_pid = (int)pid;
    tl_set_signal(SIGINT, SIG_IGN, 0);
    tl_set_signal(SIGQUIT, SIG_IGN, 0);
    tl_set_signal(SIGPIPE, SIG_IGN, 0);
    tl_set_signal(SIGCHLD, (uint64_t)on_sigchld, 0);
    tl_sys4(TL_NR_rt_sigprocmask, 2, (long)&mask, 0, 8);

    struct tl_trace_file_head fh;
    tl_memset(&fh, 0, sizeof fh);
    tl_memcpy(fh.magic, TL_TRACE_MAGIC, 8);
    fh.version = TL_TRACE_VERSION;
    fh.head_size = sizeof fh;
    fh.realtime_offset = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
    fh.string_limit = (uint32_t)limit;
    fh.flags = shm->flags;
    tl_memcpy(out, &fh, sizeof fh);
    out_len = sizeof fh;
    flush();

    int64_t next_sweep = clock_ns(CLOCK_MONOTONIC) + SWEEP_NS, last_flush = 0;
    for (;;) {
        uint32_t seq = __atomic_load_n(&shm->wake_seq, __ATOMIC_SEQ_CST);
        uint32_t n = drain_pass();
        int64_t now = clock_ns(CLOCK_MONOTONIC);
        if (shm->ring_waiters || now >= next_sweep) {
            sweep_dead();
            next_sweep = now + SWEEP_NS;
        }
        if (child_exited) {
            child_exited = 0;
            if (reap()) {
                /* Nobody is left to write: everything committed is final. */
                while (drain_pass())
                    ;
                finish();
            }
        }
        /* Live output: what was read goes out at least every 10 ms, and in
         * writes of 64 KiB when records flow. */
        if (out_len >= 64 * 1024 || (out_len && (!n || now - last_flush >= SLEEP_NS / 2))) {
            flush();
            last_flush = now;
        }
        /* Sleep between passes, so that each reads many records: while
         * records flow, 1 ms (a ring holds more than that at a call per
         * microsecond, and a timer costs the client nothing; a wake from a
         * producer costs it a system call and, here, an interrupt to this
         * core). Producers wake us when a ring is half full, for a
         * blocking call's entry, a process' end or a full ring; SIGCHLD
         * wakes us too. */
        shm->drain_sleeping = 1;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (any_half_full() || child_exited) {
            shm->drain_sleeping = 0;
            continue;
        }
        struct timespec_ t = { 0, n ? BUSY_SLEEP_NS : SLEEP_NS };
        tl_sys4(NR_futex, (long)&shm->wake_seq, 0 /* FUTEX_WAIT */, seq, (long)&t);
        shm->drain_sleeping = 0;
    }
}
