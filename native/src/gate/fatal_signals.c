/* fatal_signals.c - plugins see the end of an image killed by a signal.
 *
 * For every signal whose default action ends the process and that the
 * client leaves at SIG_DFL, trapline installs a handler of its own. When
 * such a signal arrives it runs the process_exit hooks, puts SIG_DFL back
 * and lets the signal take its native course: re-raised if it was sent,
 * or the faulting instruction re-executed if it was a fault. The client
 * never sees the substitution: rt_sigaction reports what it asked for.
 * (Full signal virtualisation, trapline owning every handler, comes with
 * the signals issue; this is the part exit reporting needs.) */
#include "gate.h"
#include "../base/mem.h"
#include "../base/sys.h"

#define SIG_MAX 64
#define SA_SIGINFO 4
#define SA_RESTORER 0x04000000

struct ksigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

void tl_signal_restorer(void); /* gate_entry.S */

/* The client's own SIG_DFL registrations, reported back to it. */
static struct ksigaction client_dfl[SIG_MAX + 1];
static uint8_t substituted[SIG_MAX + 1];
static struct ksigaction ours;

static int ends_process(int sig)
{
    switch (sig) {
    case 9: case 19:                            /* SIGKILL, SIGSTOP: untouchable */
    case 17: case 18: case 20: case 21: case 22: case 23: case 28:
        return 0;                               /* ignored or stop by default */
    case 32: case 33:                           /* glibc-internal */
        return 0;
    default:
        return sig >= 1 && sig <= SIG_MAX;
    }
}

struct siginfo_head {
    int32_t signo, errno_, code;
};

static void fatal_handler(int sig, struct siginfo_head *si, void *uc)
{
    (void)uc;
    tl_gate_process_exit(0, sig);
    struct ksigaction dfl = { 0, 0, 0, 0 };
    tl_sys4(TL_NR_rt_sigaction, sig, (long)&dfl, 0, 8);
    substituted[sig] = 0;
    /* A fault recurs when the handler returns; anything sent is re-sent. */
    if (si->code <= 0 || sig == 1 || sig == 2 || sig == 3 || sig == 10 || sig == 12 || sig == 13 ||
        sig == 14 || sig == 15 || sig >= 24)
        tl_sys3(TL_NR_tgkill, tl_getpid(), tl_gettid(), sig);
}

void tl_fatal_signals_install(void)
{
    ours.handler = (uint64_t)fatal_handler;
    ours.flags = SA_SIGINFO | SA_RESTORER;
    ours.restorer = (uint64_t)tl_signal_restorer;
    ours.mask = 0;
    for (int sig = 1; sig <= SIG_MAX; sig++) {
        struct ksigaction old;
        if (!ends_process(sig) || tl_sys4(TL_NR_rt_sigaction, sig, 0, (long)&old, 8) != 0 ||
            old.handler != 0)
            continue;
        if (tl_sys4(TL_NR_rt_sigaction, sig, (long)&ours, 0, 8) == 0) {
            client_dfl[sig] = old;
            substituted[sig] = 1;
        }
    }
}

/* rt_sigaction(sig, act, oact, size): substitute ours for SIG_DFL and
 * report the client's own registration back. Handles the whole call. */
void tl_fatal_signals_sigaction(struct tl_thread_block *tb, struct tl_frame *f)
{
    long sig = (long)f->rdi;
    struct ksigaction act;
    int had = sig >= 1 && sig <= SIG_MAX && substituted[sig];
    struct ksigaction before = had ? client_dfl[sig] : (struct ksigaction){ 0, 0, 0, 0 };
    int wants_dfl = 0;
    if (!tl_gate.fatal_signals || sig < 1 || sig > SIG_MAX || !ends_process((int)sig) || f->r10 != 8) {
        tl_gate_real_call_hooked(tb, f);
        return;
    }
    if (f->rsi) {
        if (tl_copy_from_client(&act, (const void *)f->rsi, sizeof act)) {
            f->rax = (uint64_t)-14;
            return;
        }
        wants_dfl = act.handler == 0;
        if (wants_dfl)
            f->rsi = (uint64_t)&ours;
    }
    tl_gate_real_call_hooked(tb, f);
    if (f->rax != 0)
        return;
    if (f->rdx && had && tl_copy_to_client((void *)f->rdx, &before, sizeof before))
        f->rax = (uint64_t)-14;
    if (f->rsi == (uint64_t)&ours) {
        client_dfl[sig] = act;
        substituted[sig] = 1;
    } else if (f->rsi) {
        substituted[sig] = 0;
    }
}
