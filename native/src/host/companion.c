/* companion.c - host threads whose thread blocks client threads borrow.
 *
 * An isolated plugin's hooks need a host thread block (TLS, errno, a
 * mimalloc heap) of their own in every client thread. The host's own libc
 * makes them: a companion is a real host thread, started with
 * pthread_create the first time a client thread runs an isolated hook,
 * parked on a futex for the rest of its life while that client thread runs
 * host code on its block (DESIGN §5). When the client thread exits, the
 * gate wakes the companion, which returns: glibc then runs its
 * thread_local destructors and mimalloc's thread-done, on its own block.
 * No private glibc structure is read or written.
 *
 * Host threads are clones of client threads: they inherit the creator's
 * %gs (its trapline thread block) and possibly its Syscall User Dispatch
 * setting. Each drops both before anything else, with every signal
 * blocked, and its creator waits for that. Plugins that start threads of
 * their own get the same treatment through the pthread_create below. */
#include "companion.h"
#include "../base/sys.h"
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#define COMPANION_STACK (128 * 1024)

typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

static pthread_create_fn real_pthread_create(void)
{
    static pthread_create_fn real;
    if (!real)
        real = (pthread_create_fn)dlsym(RTLD_NEXT, "pthread_create");
    return real;
}

/* First act of every host thread: no client thread block, no dispatch.
 * Raw syscalls (base/sys.h) here and in the futex waits: a companion shares
 * its block with a client thread, so it must not write errno. */
static void leave_client_state(void)
{
    tl_sys4(TL_NR_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0);
    tl_sys2(TL_NR_arch_prctl, TL_ARCH_SET_GS, 0);
}

static void *companion_main(void *arg)
{
    struct tl_companion *c = arg;
    leave_client_state();
    __atomic_store_n(&c->state, TL_COMPANION_PARKED, __ATOMIC_RELEASE);
    tl_futex_wake(&c->state, 1);
    while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != TL_COMPANION_EXIT)
        tl_futex_wait(&c->state, TL_COMPANION_PARKED);
    free(c);
    return NULL; /* thread_local destructors and mimalloc's thread-done run now */
}

/* A host thread starts with every signal blocked: it inherits its
 * creator's mask, set to all for the moment of the clone. */
static int start_host_thread(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int r = real_pthread_create()(t, attr, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return r;
}

struct tl_companion *tl_companion_start(void)
{
    struct tl_companion *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, COMPANION_STACK);
    pthread_t t;
    int r = start_host_thread(&t, &attr, companion_main, c);
    pthread_attr_destroy(&attr);
    if (r) {
        free(c);
        return NULL;
    }
    /* glibc's pthread_t is the new thread's block: the fs value to lend.
     * Lend it only once the companion is parked, off the client's state. */
    c->fs = (uint64_t)t;
    while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == TL_COMPANION_STARTING)
        tl_futex_wait(&c->state, TL_COMPANION_STARTING);
    return c;
}

/* pthread_create for plugins: their threads are host threads. */
struct plugin_thread {
    void *(*fn)(void *);
    void *arg;
    volatile int started;
};

static void *plugin_thread_main(void *p)
{
    struct plugin_thread *pt = p;
    void *(*fn)(void *) = pt->fn;
    void *arg = pt->arg;
    leave_client_state();
    __atomic_store_n(&pt->started, 1, __ATOMIC_RELEASE);
    tl_futex_wake(&pt->started, 1);
    return fn(arg);
}

__attribute__((visibility("default"))) int pthread_create(pthread_t *t, const pthread_attr_t *attr,
                                                          void *(*fn)(void *), void *arg)
{
    struct plugin_thread pt = { fn, arg, 0 };
    int r = start_host_thread(t, attr, plugin_thread_main, &pt);
    if (r)
        return r;
    while (!__atomic_load_n(&pt.started, __ATOMIC_ACQUIRE))
        tl_futex_wait(&pt.started, 0);
    return 0;
}
