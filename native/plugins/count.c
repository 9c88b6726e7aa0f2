/* count.c - counts each system call at entry and each vDSO call, and
 * appends one JSON line per program image when the image ends (exit, exec
 * or death by signal):
 *
 *   {"pid":1,"exe":"/usr/bin/ls","syscalls":{"read":12,...},"vdso":{...}}
 *
 * Options: out=FILE (appended with O_APPEND, so processes can share it;
 * default: standard error). A raw plugin: no libc, only the host helpers. */
#include "trapline/plugin.h"
#include "../src/base/mem.h"
#include "../src/base/hot_text.h"

#define O_WRONLY 01
#define O_CREAT 0100
#define O_APPEND 02000
#define O_CLOEXEC 02000000
#define NR_write 1
#define NR_close 3
#define NR_openat 257
#define AT_FDCWD (-100)

static const struct trapline_host *host;

/* One process's counts: the per-process context. A vfork or posix_spawn
 * child shares memory with its parent, so children take blocks from a
 * small ring (a child's life as a CLONE_VM process is short: until it
 * execs). */
struct counts {
    unsigned long long syscalls[TRAPLINE_MAX_SYSCALLS];
    unsigned long long vdso[TRAPLINE_VDSO_COUNT];
};
#define CHILD_BLOCKS 32
static struct counts first;
static struct counts children[CHILD_BLOCKS];
static unsigned next_child;
static char out_path[4096];
static char line[64 * 1024];

struct writer {
    char *p, *end;
};

static void put(struct writer *w, const char *s)
{
    while (*s && w->p < w->end)
        *w->p++ = *s++;
}

static void put_u64(struct writer *w, unsigned long long v)
{
    char num[24];
    tl_fmt_u64(num, v);
    put(w, num);
}

static int init(const struct trapline_init *in)
{
    host = in->host;
    for (size_t i = 0; i < in->option_count; i++) {
        const char *k = in->options[i].key, *v = in->options[i].value;
        if (!tl_strcmp(k, "out") && tl_strlen(v) < sizeof out_path && *v) {
            tl_memcpy(out_path, v, tl_strlen(v) + 1);
        } else {
            struct writer w = { in->error, in->error + in->error_size - 1 };
            put(&w, "unknown option '");
            put(&w, k);
            put(&w, "' (count takes out=FILE)");
            *w.p = 0;
            return -1;
        }
    }
    in->host->subscribe_all_syscalls(in->handle);
    for (int fn = 0; fn < TRAPLINE_VDSO_COUNT; fn++)
        in->host->subscribe_vdso(in->handle, fn);
    *in->context = &first;
    return 0;
}

TL_HOT static int before_syscall(const struct trapline_event *ev, struct trapline_syscall *call)
{
    struct counts *c = ev->context;
    /* Threads count concurrently. */
    if ((unsigned long)call->nr < TRAPLINE_MAX_SYSCALLS)
        __atomic_fetch_add(&c->syscalls[call->nr], 1, __ATOMIC_RELAXED);
    return TRAPLINE_CONTINUE;
}

TL_WARM static int before_vdso(const struct trapline_event *ev, struct trapline_vdso_call *call)
{
    struct counts *c = ev->context;
    __atomic_fetch_add(&c->vdso[call->fn], 1, __ATOMIC_RELAXED);
    return TRAPLINE_CONTINUE;
}

static void fork_child(const struct trapline_event *ev, void **context)
{
    (void)ev;
    unsigned i = __atomic_fetch_add(&next_child, 1, __ATOMIC_RELAXED) % CHILD_BLOCKS;
    struct counts *c = &children[i];
    tl_memset(c, 0, sizeof *c);
    *context = c;
}

static void put_json_string(struct writer *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    put(w, "\"");
    for (; *s && w->p + 6 < w->end; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            *w->p++ = '\\';
            *w->p++ = (char)c;
        } else if (c < 0x20) {
            char esc[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
            put(w, esc);
        } else {
            *w->p++ = (char)c;
        }
    }
    put(w, "\"");
}

static void process_exit(const struct trapline_event *ev, int status, int signal)
{
    (void)status, (void)signal;
    const struct counts *c = ev->context;
    struct writer w = { line, line + sizeof line - 4 };
    put(&w, "{\"pid\":");
    put_u64(&w, (unsigned long long)ev->pid);
    put(&w, ",\"exe\":");
    put_json_string(&w, host->exe_path());
    put(&w, ",\"syscalls\":{");
    int first = 1;
    for (long nr = 0; nr < TRAPLINE_MAX_SYSCALLS; nr++) {
        if (!c->syscalls[nr])
            continue;
        const char *name = host->syscall_name(nr);
        char buf[32] = "syscall_";
        if (!name) {
            tl_fmt_u64(buf + 8, (unsigned long long)nr);
            name = buf;
        }
        put(&w, first ? "\"" : ",\"");
        put(&w, name);
        put(&w, "\":");
        put_u64(&w, c->syscalls[nr]);
        first = 0;
    }
    put(&w, "},\"vdso\":{");
    first = 1;
    for (int fn = 0; fn < TRAPLINE_VDSO_COUNT; fn++) {
        if (!c->vdso[fn])
            continue;
        put(&w, first ? "\"" : ",\"");
        put(&w, host->vdso_name(fn));
        put(&w, "\":");
        put_u64(&w, c->vdso[fn]);
        first = 0;
    }
    put(&w, "}}\n");
    long fd = 2;
    if (out_path[0])
        fd = host->syscall(NR_openat, AT_FDCWD, (long)out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                           0644, 0, 0);
    if (fd < 0)
        return;
    host->syscall(NR_write, fd, (long)line, w.p - line, 0, 0, 0);
    if (out_path[0])
        host->syscall(NR_close, fd, 0, 0, 0, 0, 0);
}

static const struct trapline_plugin count = {
    .abi_version = TRAPLINE_ABI_VERSION,
    .isolation = TRAPLINE_RAW,
    .name = "count",
    .init = init,
    .before_syscall = before_syscall,
    .before_vdso = before_vdso,
    .fork_child = fork_child,
    .process_exit = process_exit,
};

const struct trapline_plugin *tl_builtin_count(void)
{
    return &count;
}
