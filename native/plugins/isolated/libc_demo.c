/* libc_demo.c - the built-in `libc-demo` plugin: an isolated plugin that
 * uses libc the way real plugins do, on every call it handles.
 *
 * Its before-hook mallocs and frees blocks of varying sizes, formats a
 * line with snprintf, takes a process-wide pthread mutex, bumps
 * thread_local counters, sets errno and reads the clock: if isolation leaks
 * anywhere (heap, TLS, errno, locks, vector registers, signals), a client
 * run under it shows it.
 *
 * Options: only=NAME,NAME... subscribes to those system calls (default:
 * all); out=FILE appends, at the end of each process image, one line
 *
 *   {"pid":123,"calls":N,"threads":T}
 *
 * (calls it handled, distinct client threads it saw); default: stderr. */
#include "trapline/plugin.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>

static const struct trapline_host *host;
static char *out_path;

/* One process image's totals: the per-process context. A vfork child
 * shares memory with its parent, so each process gets its own block. */
struct totals {
    pthread_mutex_t lock;
    unsigned long long calls;
    unsigned threads;      /* distinct tids in `seen` */
    unsigned capacity;     /* of `seen`, a power of two */
    int *seen;             /* open addressing, 0 = empty */
    unsigned generation;   /* which process: thread_local marks compare it */
};

static unsigned next_generation = 1;

/* The last (process, tid) this host block counted: a vfork child borrows
 * its parent's block, so the mark alone cannot tell threads apart. */
static thread_local unsigned seen_generation;
static thread_local int seen_tid;
static thread_local unsigned long long thread_calls;
static thread_local char scratch[256];

static struct totals *totals_new(void)
{
    struct totals *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    pthread_mutex_init(&t->lock, NULL);
    t->generation = __atomic_fetch_add(&next_generation, 1, __ATOMIC_RELAXED);
    return t;
}

/* Adds tid to t's set (under t->lock). */
static void count_thread(struct totals *t, int tid)
{
    if (2 * (t->threads + 1) > t->capacity) {
        unsigned cap = t->capacity ? 2 * t->capacity : 64;
        int *old = t->seen, old_cap = (int)t->capacity;
        t->seen = calloc(cap, sizeof *t->seen);
        t->capacity = cap;
        t->threads = 0;
        for (int i = 0; i < old_cap; i++)
            if (old[i])
                count_thread(t, old[i]);
        free(old);
    }
    unsigned i = (unsigned)tid * 2654435761u & (t->capacity - 1);
    while (t->seen[i] && t->seen[i] != tid)
        i = (i + 1) & (t->capacity - 1);
    if (!t->seen[i]) {
        t->seen[i] = tid;
        t->threads++;
    }
}

static int subscribe_list(const struct trapline_init *in, const char *list)
{
    char *copy = strdup(list), *save = NULL;
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        long nr = -1;
        for (long i = 0; i < TRAPLINE_MAX_SYSCALLS && nr < 0; i++) {
            const char *n = host->syscall_name(i);
            if (n && !strcmp(n, name))
                nr = i;
        }
        if (nr < 0) {
            snprintf(in->error, in->error_size, "only=: unknown system call '%s'", name);
            free(copy);
            return -1;
        }
        host->subscribe_syscall(in->handle, nr);
    }
    free(copy);
    return 0;
}

static int init(const struct trapline_init *in)
{
    const char *only = NULL;
    host = in->host;
    for (size_t i = 0; i < in->option_count; i++) {
        const char *k = in->options[i].key, *v = in->options[i].value;
        if (!strcmp(k, "out") && *v) {
            out_path = strdup(v);
        } else if (!strcmp(k, "only") && *v) {
            only = v;
        } else {
            snprintf(in->error, in->error_size, "unknown option '%s' (known: only=NAME,..., out=FILE)", k);
            return -1;
        }
    }
    if (only ? subscribe_list(in, only) : (host->subscribe_all_syscalls(in->handle), 0))
        return -1;
    *in->context = totals_new();
    return 0;
}

static int before_syscall(const struct trapline_event *ev, struct trapline_syscall *call)
{
    struct totals *t = ev->context;
    /* The heap: blocks of a few sizes, written through, freed. */
    size_t size = 16u << (call->nr & 7);
    char *block = malloc(size);
    memset(block, (int)call->nr, size);
    char *small = malloc(24 + (size_t)(thread_calls & 63));
    /* stdio formatting and the clock. */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    const char *name = host->syscall_name(call->nr);
    snprintf(scratch, sizeof scratch, "%d/%d %s #%llu at %lld.%09ld", ev->pid, ev->tid,
             name ? name : "?", thread_calls, (long long)now.tv_sec, now.tv_nsec);
    memcpy(small, scratch, 24);
    free(block);
    free(small);
    /* errno is the plugin's own. */
    errno = EDOM;
    /* TLS, and a lock shared by every thread of the process. */
    thread_calls++;
    pthread_mutex_lock(&t->lock);
    t->calls++;
    if (seen_generation != t->generation || seen_tid != ev->tid) {
        seen_generation = t->generation;
        seen_tid = ev->tid;
        count_thread(t, ev->tid);
    }
    pthread_mutex_unlock(&t->lock);
    return TRAPLINE_CONTINUE;
}

static void fork_child(const struct trapline_event *ev, void **context)
{
    *context = totals_new();
}

static void process_exit(const struct trapline_event *ev, int status, int signal)
{
    struct totals *t = ev->context;
    FILE *f = out_path ? fopen(out_path, "a") : stderr;
    if (!f)
        return;
    pthread_mutex_lock(&t->lock);
    fprintf(f, "{\"pid\":%d,\"calls\":%llu,\"threads\":%u}\n", ev->pid, t->calls, t->threads);
    pthread_mutex_unlock(&t->lock);
    if (f != stderr)
        fclose(f);
    else
        fflush(f);
}

static const struct trapline_plugin plugin = {
    .abi_version = TRAPLINE_ABI_VERSION,
    .isolation = TRAPLINE_ISOLATED,
    .name = "libc-demo",
    .init = init,
    .before_syscall = before_syscall,
    .fork_child = fork_child,
    .process_exit = process_exit,
};

const struct trapline_plugin *tl_builtin_libc_demo(void)
{
    return &plugin;
}
