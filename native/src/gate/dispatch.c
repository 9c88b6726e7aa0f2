/* dispatch.c - what the gate does with an intercepted call.
 *
 * Fast path: a call nobody subscribed to and the gate does not handle itself
 * is issued at once. Otherwise: before-hooks in plugin order (each sees the
 * previous edits; a skip ends the chain and the real call), the real call in
 * the client's state, after-hooks in reverse order. The client's argument
 * registers are restored afterwards, as the kernel would leave them. */
#include "gate.h"
#include "../base/sys.h"
#include "../base/mem.h"
#include "../base/hot_text.h"
#include "signals.h"

struct tl_gate_state tl_gate __attribute__((aligned(4096)));
TL_STARTUP_DATA void *tl_vdso_original[TRAPLINE_VDSO_COUNT];

static inline int mask_has(const uint64_t *m, unsigned long nr)
{
    return nr < TRAPLINE_MAX_SYSCALLS && ((m[nr >> 6] >> (nr & 63)) & 1);
}

static inline void fill_event(struct trapline_event *ev, const struct tl_thread_block *tb)
{
    ev->pid = tb->pid;
    ev->tid = tb->tid;
    ev->context = 0;
}

/* Runs the before-hooks; returns a bit mask of the plugins whose after-hooks
 * are owed, and sets *skipped if one of them skipped the call. */
TL_HOT static uint32_t run_before(struct tl_thread_block *tb, const struct tl_dispatch *d,
                                  struct trapline_event *ev, struct trapline_syscall *call, int *skipped)
{
    struct tl_host_section sec = { 0, 0, 0, 0 };
    uint32_t ran = 0;
    *skipped = 0;
    for (uint32_t i = 0; i < d->count; i++) {
        const struct tl_hook_slot *s = &d->slot[i];
        if (!mask_has(s->syscalls, (unsigned long)call->nr))
            continue;
        ran |= 1u << i;
        if (!s->before_syscall)
            continue;
        ev->context = s->context;
        tl_host_enter_for(tb, &sec, s->isolated);
        if (s->before_syscall(ev, call) == TRAPLINE_SKIP) {
            *skipped = 1;
            break;
        }
    }
    tl_host_leave_entered(tb, &sec);
    return ran;
}

TL_HOT static void run_after(struct tl_thread_block *tb, const struct tl_dispatch *d,
                             struct trapline_event *ev, struct trapline_syscall *call, uint32_t ran)
{
    struct tl_host_section sec = { 0, 0, 0, 0 };
    for (int i = (int)d->count - 1; i >= 0; i--) {
        const struct tl_hook_slot *s = &d->slot[i];
        if (!(ran & (1u << i)) || !s->after_syscall)
            continue;
        ev->context = s->context;
        tl_host_enter_for(tb, &sec, s->isolated);
        s->after_syscall(ev, call);
    }
    tl_host_leave_entered(tb, &sec);
}

static inline void args_from_frame(long *a, const struct tl_frame *f)
{
    a[0] = (long)f->rdi, a[1] = (long)f->rsi, a[2] = (long)f->rdx;
    a[3] = (long)f->r10, a[4] = (long)f->r8, a[5] = (long)f->r9;
}

static inline void args_to_frame(struct tl_frame *f, const long *a)
{
    f->rdi = (uint64_t)a[0], f->rsi = (uint64_t)a[1], f->rdx = (uint64_t)a[2];
    f->r10 = (uint64_t)a[3], f->r8 = (uint64_t)a[4], f->r9 = (uint64_t)a[5];
}

/* The real call, with `inside` cleared: a client handler that runs while the
 * call blocks is client code. Returns 0 if the call was abandoned because a
 * signal waits for the client (only for a frame that may deliver). */
TL_HOT int tl_gate_real_call_hooked(struct tl_thread_block *tb, struct tl_frame *f)
{
    int aborted = 0;
    tb->state = TL_STATE_REAL_CALL;
    tb->inside = 0;
    if (tb->may_deliver)
        aborted = tl_gate_real_call(f);
    else
        tl_gate_real_call_nocheck(f);
    tb->inside = 1;
    tb->state = TL_STATE_AFTER;
    return !aborted;
}

/* A call abandoned for a signal: the client sees the signal at the site,
 * and makes the call afresh when its handler returns. */
TL_COLD_PATH static int deliver_at_site(struct tl_thread_block *tb, struct tl_frame *f, uint64_t site_next)
{
    if (tl_signals_deliver_from_gate(tb, f, site_next - 2, f->rax, site_next))
        return 1;
    /* Nothing deliverable after all (masked meanwhile): issue it. */
    tl_gate_real_call_nocheck(f);
    return 0;
}

/* The last check before the client runs again: from here on a signal is
 * delivered by stepping to client code (signals.c). Once f has been turned
 * towards a handler, f no longer describes the site: further signals are
 * delivered on the handler's first instruction (deliver_from_gate arms
 * that). */
static inline void final_check(struct tl_thread_block *tb, struct tl_frame *f, uint64_t site_next,
                               int may_deliver)
{
    tb->exit_frame = f;
    tb->phase = 1;
    if (may_deliver && tb->pending)
        tl_signals_deliver_from_gate(tb, f, site_next, f->rax, site_next);
    tl_signals_restore_mask(tb);
}

TL_HOT void tl_gate_dispatch(struct tl_frame *f)
{
    struct tl_thread_block *tb = tl_tb();
    unsigned long nr = f->rax;
    /* A call caught by the backstop continues at the site's next address;
     * a stub's continuation starts with lea site_next(%rip), %rcx. */
    uint64_t site_next = tb->sud_call ? f->resume : tl_frame_site(f);
    tb->after_call[0] = site_next;
    int may_deliver = !tb->inside && tb->state == TL_STATE_CLIENT;
    uint32_t outer_may = tb->may_deliver;
    tb->sud_call = 0;
    tb->exit_frame = 0;

    const struct tl_dispatch *d = &tb->dispatch;
    if (tb->inside || !mask_has(d->hot, nr)) {
        int delivered = 0;
        if (!may_deliver)
            tl_gate_real_call_nocheck(f);
        else if (tl_gate_real_call(f))
            delivered = deliver_at_site(tb, f, site_next);
        final_check(tb, f, site_next, may_deliver && !delivered);
        return;
    }
    uint32_t outer_state = tb->state;
    tb->inside = 1;
    tb->state = TL_STATE_GATE;
    tb->may_deliver = (uint32_t)may_deliver;

    struct trapline_event ev;
    struct trapline_syscall call;
    long orig[6];
    fill_event(&ev, tb);
    call.nr = (long)nr;
    args_from_frame(call.args, f);
    for (int i = 0; i < 6; i++)
        orig[i] = call.args[i];
    call.result = 0;
    call.site = site_next;
    call.sp = f->rsp;

    int skipped = 0;
    uint32_t ran = 0;
    if (mask_has(d->any_syscalls, nr))
        ran = run_before(tb, d, &ev, &call, &skipped);

    if (!skipped) {
        args_to_frame(f, call.args);
        struct tl_special special;
        int made;
        if (!mask_has(d->internal, nr) || !tl_special_before(f, &special))
            made = tl_gate_real_call_hooked(tb, f);
        else
            made = tl_special_call(tb, f, &special); /* the gate's own handling */
        args_to_frame(f, orig);
        if (!made) {
            f->rax = nr;
            tb->state = outer_state;
            tb->inside = 0;
            tb->may_deliver = outer_may;
            int delivered = deliver_at_site(tb, f, site_next);
            final_check(tb, f, site_next, may_deliver && !delivered);
            return;
        }
        call.result = (long)f->rax;
    }
    if (ran)
        run_after(tb, d, &ev, &call, ran);
    f->rax = (uint64_t)call.result;
    tb->state = outer_state;
    tb->inside = 0;
    tb->may_deliver = outer_may;
    final_check(tb, f, site_next, may_deliver);
}

TL_WARM long tl_vdso_dispatch(long a0, long a1, long a2, long a3, long a4, int fn)
{
    typedef long (*vdso_fn)(long, long, long, long, long);
    vdso_fn orig = (vdso_fn)tl_vdso_original[fn];
    struct tl_thread_block *tb = tl_tb();
    const struct tl_dispatch *d = &tb->dispatch;
    /* Nothing after this point checks for signals again but the end:
     * signals.c steps a thread interrupted here back to client code. */
    tb->phase = 1;
    if (!(d->any_vdso & (1u << fn))) {
        uint32_t outer_state = tb->state;
        tb->state = TL_STATE_GATE; /* a fallback syscall must not deliver */
        long r = orig(a0, a1, a2, a3, a4);
        tb->state = outer_state;
        if (tb->pending && tl_signals_deliverable(tb))
            tl_signals_step_to_client(tb);
        return r;
    }

    struct trapline_event ev;
    struct trapline_vdso_call call = { fn, { a0, a1, a2, a3, a4 }, 0 };
    uint32_t ran = 0;
    int skipped = 0;
    struct tl_host_section sec = { 0, 0, 0, 0 };
    fill_event(&ev, tb);
    tb->inside = 1;
    for (uint32_t i = 0; i < d->count; i++) {
        const struct tl_hook_slot *s = &d->slot[i];
        if (!(s->vdso & (1u << fn)))
            continue;
        ran |= 1u << i;
        ev.context = s->context;
        if (!s->before_vdso)
            continue;
        tl_host_enter_for(tb, &sec, s->isolated);
        if (s->before_vdso(&ev, &call) == TRAPLINE_SKIP) {
            skipped = 1;
            break;
        }
    }
    tl_host_leave_entered(tb, &sec);
    if (!skipped) {
        /* The original may fall back to a syscall: that one is the client's,
         * but signals wait until the vDSO call returns. */
        uint32_t outer_state = tb->state;
        tb->inside = 0;
        tb->state = TL_STATE_GATE;
        call.result = orig(call.args[0], call.args[1], call.args[2], call.args[3], call.args[4]);
        tb->state = outer_state;
        tb->inside = 1;
    }
    for (int i = (int)d->count - 1; i >= 0; i--) {
        const struct tl_hook_slot *s = &d->slot[i];
        if ((ran & (1u << i)) && s->after_vdso) {
            ev.context = s->context;
            tl_host_enter_for(tb, &sec, s->isolated);
            s->after_vdso(&ev, &call);
        }
    }
    tl_host_leave_entered(tb, &sec);
    tb->inside = 0;
    tb->phase = 1;
    if (tb->pending && tl_signals_deliverable(tb))
        tl_signals_step_to_client(tb);
    return call.result;
}

void tl_gate_announce_syscall(long nr, const long args[6], long result)
{
    struct tl_thread_block *tb = tl_tb();
    const struct tl_dispatch *d = &tb->dispatch;
    struct trapline_event ev;
    struct trapline_syscall call = { nr, { 0 }, result, 0, 0 };
    int skipped;
    tl_memcpy(call.args, args, sizeof call.args);
    fill_event(&ev, tb);
    uint32_t ran = run_before(tb, d, &ev, &call, &skipped);
    call.result = result;
    run_after(tb, d, &ev, &call, ran);
}

void tl_gate_process_exit(int status, int signal)
{
    struct tl_thread_block *tb = tl_tb();
    if (tb->process->exited)
        return;
    tb->process->exited = 1;
    if (tl_gate.debug) {
        char num[24];
        static const char pre[] = "trapline: backstop calls=";
        tl_write(2, pre, sizeof pre - 1);
        tl_fmt_u64(num, tl_gate.backstop_calls);
        tl_write(2, num, tl_strlen(num));
        static const char mid[] = " sud=";
        tl_write(2, mid, sizeof mid - 1);
        tl_write(2, tl_gate.sud_armed ? "on\n" : "off\n", tl_gate.sud_armed ? 3 : 4);
    }
    tl_hooks_process_exit(tb, status, signal);
}

void tl_gate_die(const char *what, const char *detail, int status)
{
    tl_write(2, "trapline: ", 10);
    tl_write(2, what, tl_strlen(what));
    if (detail) {
        tl_write(2, ": ", 2);
        tl_write(2, detail, tl_strlen(detail));
    }
    tl_write(2, "\n", 1);
    tl_exit_group(status);
}
