/* openlog.c - an example trapline plugin (raw).
 *
 * Shows every part of the plugin ABI:
 *  - after_syscall: logs each openat with its path (read from client memory
 *    with the fault-safe copy helper) and its result;
 *  - before_syscall: with option pid=N, answers getpid with N and skips the
 *    real call;
 *  - vDSO hooks: counts clock_gettime calls;
 *  - a per-process context: each process, forked children included, has its
 *    own counters; process_exit prints them.
 *
 * Options: out=FILE (log, appended; default stderr), pid=N.
 * Build:   gcc -shared -fPIC -O2 -ffreestanding -mgeneral-regs-only \
 *              -fno-stack-protector -nostdlib -I native/include \
 *              -o openlog.so native/examples/openlog.c
 * Run:     trapline run --plugin ./openlog.so:out=/tmp/open.log:pid=42 -- ls */
#include <trapline/plugin.h>

#define NR_write 1
#define NR_close 3
#define NR_getpid 39
#define NR_openat 257
#define O_WRONLY 01
#define O_CREAT 0100
#define O_APPEND 02000
#define O_CLOEXEC 02000000

struct process {
    unsigned long opens;
    unsigned long clock_calls;
};

static const struct trapline_host *host;
static struct process first_process;   /* raw plugins cannot malloc */
static struct process child_process;
static long log_fd = 2;
static long fake_pid = -1;

/* --- tiny formatting, since a raw plugin has no libc ------------------- */

struct line {
    char buf[512];
    unsigned len;
};

static void add(struct line *l, const char *s)
{
    while (*s && l->len < sizeof l->buf - 1)
        l->buf[l->len++] = *s++;
}

static void add_num(struct line *l, long v)
{
    char tmp[24];
    int n = 0;
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    do
        tmp[n++] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        add(l, "-");
    while (n && l->len < sizeof l->buf - 1)
        l->buf[l->len++] = tmp[--n];
}

static void emit(struct line *l)
{
    add(l, "\n");
    host->syscall(NR_write, log_fd, (long)l->buf, l->len, 0, 0, 0);
}

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static long parse_long(const char *s)
{
    long v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return v;
}

/* --- hooks -------------------------------------------------------------- */

static int init(const struct trapline_init *in)
{
    host = in->host;
    for (unsigned long i = 0; i < in->option_count; i++) {
        const char *k = in->options[i].key, *v = in->options[i].value;
        if (streq(k, "out")) {
            log_fd = host->syscall(NR_openat, -100, (long)v, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                                   0644, 0, 0);
            if (log_fd < 0) {
                const char msg[] = "cannot open the out= file";
                for (unsigned j = 0; j < sizeof msg && j < in->error_size; j++)
                    in->error[j] = msg[j];
                return -1;
            }
        } else if (streq(k, "pid")) {
            fake_pid = parse_long(v);
        } else {
            const char msg[] = "unknown option (openlog takes out=FILE and pid=N)";
            for (unsigned j = 0; j < sizeof msg && j < in->error_size; j++)
                in->error[j] = msg[j];
            return -1;
        }
    }
    host->subscribe_syscall(in->handle, NR_openat);
    if (fake_pid >= 0)
        host->subscribe_syscall(in->handle, NR_getpid);
    host->subscribe_vdso(in->handle, TRAPLINE_VDSO_CLOCK_GETTIME);
    *in->context = &first_process;
    return 0;
}

static int before_syscall(const struct trapline_event *ev, struct trapline_syscall *call)
{
    (void)ev;
    if (call->nr == NR_getpid && fake_pid >= 0) {
        call->result = fake_pid;
        return TRAPLINE_SKIP; /* no real call; after-hooks still run */
    }
    return TRAPLINE_CONTINUE;
}

static void after_syscall(const struct trapline_event *ev, struct trapline_syscall *call)
{
    if (call->nr != NR_openat)
        return;
    struct process *p = ev->context;
    char path[256];
    /* Copy in pieces: a path near the end of a mapping is still readable. */
    unsigned n = 0;
    while (n < sizeof path - 1 &&
           host->copy_from_client(path + n, (const char *)call->args[1] + n, 1) == 0 && path[n])
        n++;
    path[n] = 0;
    p->opens++;
    struct line l = { .len = 0 };
    add(&l, "pid ");
    add_num(&l, ev->pid);
    add(&l, " tid ");
    add_num(&l, ev->tid);
    add(&l, " openat(\"");
    add(&l, path);
    add(&l, "\") = ");
    add_num(&l, call->result);
    emit(&l);
}

static void after_vdso(const struct trapline_event *ev, struct trapline_vdso_call *call)
{
    struct process *p = ev->context;
    (void)call;
    p->clock_calls++;
}

static void fork_child(const struct trapline_event *ev, void **context)
{
    (void)ev;
    child_process.opens = child_process.clock_calls = 0;
    *context = &child_process; /* the child's own counters */
}

static void process_exit(const struct trapline_event *ev, int status, int signal)
{
    struct process *p = ev->context;
    struct line l = { .len = 0 };
    add(&l, "pid ");
    add_num(&l, ev->pid);
    add(&l, " exits: status ");
    add_num(&l, status);
    add(&l, " signal ");
    add_num(&l, signal);
    add(&l, ", ");
    add_num(&l, (long)p->opens);
    add(&l, " opens, ");
    add_num(&l, (long)p->clock_calls);
    add(&l, " clock_gettime calls");
    emit(&l);
}

static const struct trapline_plugin openlog = {
    .abi_version = TRAPLINE_ABI_VERSION,
    .isolation = TRAPLINE_RAW,
    .name = "openlog",
    .init = init,
    .before_syscall = before_syscall,
    .after_syscall = after_syscall,
    .after_vdso = after_vdso,
    .fork_child = fork_child,
    .process_exit = process_exit,
};

const struct trapline_plugin *trapline_plugin_entry(void)
{
    return &openlog;
}
