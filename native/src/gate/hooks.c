/* hooks.c - the hooks that are not about one call: thread start and exit,
 * fork, exec, process exit. Each runs in the thread it is about; an
 * isolated plugin's hook runs in a host section, entered once for all the
 * plugins that need it. */
#include "gate.h"

/* Calls `call(plugin, event, arg)` for each plugin that has the hook, in
 * order (or reverse order). */
typedef void (*hook_caller)(const struct trapline_plugin *p, struct trapline_event *ev,
                            void **context, void *arg);

static void each_plugin(struct tl_thread_block *tb, int reverse, int (*has)(const struct trapline_plugin *),
                        hook_caller call, void *arg)
{
    struct tl_host_section s = { 0, 0, 0, 0 };
    struct trapline_event ev = { tb->pid, tb->tid, 0 };
    for (int k = 0; k < tl_gate.plugin_count; k++) {
        int i = reverse ? tl_gate.plugin_count - 1 - k : k;
        const struct trapline_plugin *p = tl_gate.plugins[i].plugin;
        if (!has(p))
            continue;
        tl_host_enter_for(tb, &s, tl_gate.plugins[i].isolated);
        ev.context = tb->dispatch.slot[i].context;
        call(p, &ev, &tb->dispatch.slot[i].context, arg);
    }
    tl_host_leave_entered(tb, &s);
}

static int has_thread_start(const struct trapline_plugin *p) { return p->thread_start != 0; }
static int has_thread_exit(const struct trapline_plugin *p) { return p->thread_exit != 0; }
static int has_fork_parent(const struct trapline_plugin *p) { return p->fork_parent != 0; }
static int has_fork_child(const struct trapline_plugin *p) { return p->fork_child != 0; }
static int has_exec(const struct trapline_plugin *p) { return p->exec != 0; }
static int has_process_exit(const struct trapline_plugin *p) { return p->process_exit != 0; }
/* A version 1 plugin's structure ends before `signal`. */
static int has_signal(const struct trapline_plugin *p) { return p->abi_version >= 2 && p->signal != 0; }

static void call_thread_start(const struct trapline_plugin *p, struct trapline_event *ev, void **c, void *a)
{
    p->thread_start(ev);
}

static void call_thread_exit(const struct trapline_plugin *p, struct trapline_event *ev, void **c, void *a)
{
    p->thread_exit(ev);
}

static void call_fork_parent(const struct trapline_plugin *p, struct trapline_event *ev, void **c, void *a)
{
    p->fork_parent(ev, *(int32_t *)a);
}

static void call_fork_child(const struct trapline_plugin *p, struct trapline_event *ev, void **c, void *a)
{
    p->fork_child(ev, c);
}

static void call_exec(const struct trapline_plugin *p, struct trapline_event *ev, void **c, void *a)
{
    p->exec(ev, (const char *)a);
}

struct exit_args {
    int status, signal;
};

static void call_process_exit(const struct trapline_plugin *p, struct trapline_event *ev, void **c, void *a)
{
    const struct exit_args *e = a;
    p->process_exit(ev, e->status, e->signal);
}

static void call_signal(const struct trapline_plugin *p, struct trapline_event *ev, void **c, void *a)
{
    const struct tl_siginfo *info = a;
    p->signal(ev, info->signo, info);
}

void tl_hooks_signal(struct tl_thread_block *tb, const struct tl_siginfo *info)
{
    each_plugin(tb, 0, has_signal, call_signal, (void *)info);
}

void tl_hooks_thread_start(struct tl_thread_block *tb)
{
    each_plugin(tb, 0, has_thread_start, call_thread_start, 0);
}

void tl_hooks_thread_exit(struct tl_thread_block *tb)
{
    each_plugin(tb, 0, has_thread_exit, call_thread_exit, 0);
}

void tl_hooks_fork_parent(struct tl_thread_block *tb, int32_t child)
{
    each_plugin(tb, 0, has_fork_parent, call_fork_parent, &child);
}

void tl_hooks_fork_child(struct tl_thread_block *tb)
{
    each_plugin(tb, 0, has_fork_child, call_fork_child, 0);
}

void tl_hooks_exec(struct tl_thread_block *tb, const char *path)
{
    each_plugin(tb, 0, has_exec, call_exec, (void *)path);
}

void tl_hooks_process_exit(struct tl_thread_block *tb, int status, int signal)
{
    struct exit_args e = { status, signal };
    each_plugin(tb, 1, has_process_exit, call_process_exit, &e);
}
