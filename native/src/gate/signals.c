/* signals.c - trapline owns every signal handler (DESIGN §3).
 *
 * Where a signal for the client finds the thread decides what happens:
 *
 *   client code            delivered now, from trapline's handler
 *   a stub, before the     held; the gate delivers it as if at the site
 *     syscall's place
 *   gate, hooks, host      held; delivered at the gate's next checkpoint:
 *                          before the real call (as if at the site, the call
 *                          made afresh after the handler) or at the gate's
 *                          exit (as if just after the syscall)
 *   the restartable        the real call is abandoned, delivered as if at
 *     window               the site
 *   the real call          the kernel's EINTR/restart outcome, then as above
 *   a stub's tail, the     single-stepped until client code, delivered there
 *     gate's exit, vDSO
 *
 * A delivery builds the frame the kernel would have built (rt_sigframe,
 * extended state included) on the client's stack or its virtual alternate
 * stack, with the client's own restorer; its rt_sigreturn comes back through
 * the gate, which turns the client's view of masks and stacks back into
 * trapline's before the kernel sees it. SIGSYS from Syscall User Dispatch is
 * the backstop: it resumes the thread in the gate as if the site had jumped
 * there. */
#include "signals.h"
#include "site_map.h"
#include "../base/mem.h"
#include "../base/hot_text.h"
#include "../base/sys.h"

#define NSIGS 64
#define SIGILL_ 4
#define SIGTRAP_ 5
#define SIGABRT_ 6
#define SIGBUS_ 7
#define SIGFPE_ 8
#define SIGKILL_ 9
#define SIGSEGV_ 11
#define SIGCHLD_ 17
#define SIGSTOP_ 19
#define SIGSYS_ 31
#define BIT(s) (1ull << ((s) - 1))
/* Signals trapline itself needs whatever the client blocks. */
#define ALWAYS (BIT(SIGTRAP_) | BIT(SIGBUS_) | BIT(SIGSEGV_) | BIT(SIGSYS_))
#define UNBLOCKABLE (BIT(SIGKILL_) | BIT(SIGSTOP_))

#define SA_NOCLDSTOP_ 1u
#define SA_NOCLDWAIT_ 2u
#define SA_SIGINFO_ 4u
#define SA_RESTORER_ 0x04000000u
#define SA_ONSTACK_ 0x08000000u
#define SA_RESTART_ 0x10000000u
#define SA_NODEFER_ 0x40000000u
#define SA_RESETHAND_ 0x80000000u
#define SS_ONSTACK_ 1
#define SS_DISABLE_ 2
#define SS_AUTODISARM_ (1u << 31)
#define MINSIGSTKSZ_ 2048
#define SIG_DFL_ 0
#define SIG_IGN_ 1
#define TRAP_BRKPT_ 1 /* what a single step over a syscall reports */
#define TRAP_TRACE_ 2
#define SYS_SECCOMP_ 1
#define SYS_USER_DISPATCH_ 2
#define AUDIT_ARCH_X86_64_ 0xc000003eu
#define EFLAGS_TF 0x100ull
#define EFLAGS_DF 0x400ull
#define EFLAGS_RF 0x10000ull
#define UC_FP_XSTATE_ 1
#define UC_SIGCONTEXT_SS_ 2
#define UC_STRICT_RESTORE_SS_ 4
#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u
#define ERESTARTSYS_ 512
#define NR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON_ 1

#define ksigaction tl_ksigaction

struct kstack {
    uint64_t sp;
    int32_t flags, pad;
    uint64_t size;
};

struct ksigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2, fpstate, reserved[8];
};

struct kucontext {
    uint64_t flags, link;
    struct kstack stack;
    struct ksigcontext mc;
    uint64_t sigmask;
};

struct rt_sigframe {
    uint64_t pretcode;
    struct kucontext uc;
    struct tl_siginfo info;
};

_Static_assert(sizeof(struct ksigcontext) == 256, "sigcontext");
_Static_assert(sizeof(struct kucontext) == 304, "ucontext");
_Static_assert(sizeof(struct tl_siginfo) == 128, "siginfo");

/* The fxsave area's software bytes, which describe the extended state. */
struct fpx_sw_bytes {
    uint32_t magic1, extended_size;
    uint64_t xfeatures;
    uint32_t xstate_size, padding[7];
};

/* Labels of gate_entry.S. */
extern char tl_gate_text_start[], tl_gate_text_end[];
extern char tl_gate_window_start[], tl_gate_syscall_insn[], tl_gate_syscall_done[];
extern char tl_gate_real_call_abort[], tl_gate_exit[], tl_gate_exit_end[];
extern char tl_gate_int80[];
extern char tl_safe_copy[], tl_safe_copy_end[], tl_safe_copy_fault[];
void tl_signal_restorer(void);

/* Per sighand (struct tl_sigtable): what the client asked for, and the
 * signals whose kernel action trapline has taken over. The others still
 * hold exactly what the client (or its exec'ing parent) set, and never
 * reach trapline's handler: their rt_sigaction passes straight through
 * until the client installs a handler. Start-up then costs a few syscalls
 * instead of two per signal. The first process's table: */
TL_STARTUP_BSS static struct tl_sigtable first_sigtab;

static inline struct tl_sigtable *sigtab(void)
{
    return tl_tb()->process->sigtab;
}
TL_STARTUP_DATA static int debug;

static int in_gate_text(uint64_t rip)
{
    return rip >= (uint64_t)tl_gate_text_start && rip < (uint64_t)tl_gate_text_end;
}

static int default_ignores(int sig)
{
    return sig == SIGCHLD_ || sig == 18 || sig == 23 || sig == 28; /* CHLD CONT URG WINCH */
}

static int default_stops(int sig)
{
    return sig == SIGSTOP_ || sig == 20 || sig == 21 || sig == 22; /* STOP TSTP TTIN TTOU */
}

static int is_fault(int sig, const struct tl_siginfo *info)
{
    return info->code > 0 && (sig == SIGILL_ || sig == SIGTRAP_ || sig == SIGBUS_ || sig == SIGFPE_ ||
                              sig == SIGSEGV_);
}

static long set_real_mask(uint64_t client_mask)
{
    uint64_t real = client_mask & ~ALWAYS;
    return tl_sys4(TL_NR_rt_sigprocmask, 2 /* SIG_SETMASK */, (long)&real, 0, 8);
}

void tl_signals_block_all(void)
{
    static const uint64_t all = ~0ull;
    tl_sys4(TL_NR_rt_sigprocmask, 2, (long)&all, 0, 8);
}

/* --- the kernel-level action that stands for the client's ------------- */

static void signal_handler(int sig, struct tl_siginfo *info, struct kucontext *uc);

/* What the kernel should do for sig, given the client's action. */
static void kernel_action_for(int sig, const struct ksigaction *client, struct ksigaction *k)
{
    int ours = 1;
    tl_memset(k, 0, sizeof *k);
    if (client->handler == SIG_IGN_ && !(ALWAYS & BIT(sig)))
        k->handler = SIG_IGN_, ours = 0;
    else if (client->handler == SIG_DFL_ && !(ALWAYS & BIT(sig)) &&
             (default_ignores(sig) || default_stops(sig) || !tl_gate.fatal_signals))
        k->handler = SIG_DFL_, ours = 0;
    if (ours) {
        k->handler = (uint64_t)signal_handler;
        k->flags = SA_SIGINFO_ | SA_ONSTACK_ | SA_RESTORER_ | (client->flags & SA_RESTART_);
        k->restorer = (uint64_t)tl_signal_restorer;
        /* Faults stay deliverable inside trapline's own handler (a copy
         * from a bad client stack must fail, not kill). */
        k->flags |= SA_NODEFER_;
        k->mask = ~(BIT(SIGSEGV_) | BIT(SIGBUS_));
    }
    /* SIGCHLD's flags change what the kernel does, not what a handler sees. */
    k->flags |= client->flags & (SA_NOCLDSTOP_ | SA_NOCLDWAIT_);
}

static long install(int sig)
{
    struct ksigaction k;
    kernel_action_for(sig, &sigtab()->act[sig], &k);
    return tl_sys4(TL_NR_rt_sigaction, sig, (long)&k, 0, 8);
}

/* --- the end of an image by signal ------------------------------------ */

static __attribute__((noreturn)) void die_by(int sig, int refault)
{
    tl_gate_process_exit(0, sig);
    struct ksigaction dfl = { SIG_DFL_, 0, 0, 0 };
    tl_sys4(TL_NR_rt_sigaction, sig, (long)&dfl, 0, 8);
    uint64_t only = ~BIT(sig);
    tl_sys4(TL_NR_rt_sigprocmask, 2, (long)&only, 0, 8);
    if (!refault)
        tl_sys3(TL_NR_tgkill, tl_getpid(), tl_gettid(), sig);
    /* A fault recurs at the faulting instruction; make sure all the same. */
    tl_sys3(TL_NR_tgkill, tl_getpid(), tl_gettid(), sig);
    tl_exit_group(128 + sig);
}

static void put_hex(uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    char b[19] = "0x", *p = b + 2;
    for (int s = 60; s >= 0; s -= 4)
        *p++ = hex[(v >> s) & 15];
    tl_write(2, b, 18);
}

/* One line about a fault: who, which signal, where, at what address. */
static void report_fault(const char *who, int sig, const struct tl_siginfo *info, const struct kucontext *uc)
{
    char num[24];
    uint64_t addr;
    tl_memcpy(&addr, (const uint8_t *)info + 16, 8);
    tl_write(2, "trapline: signal ", 17);
    tl_fmt_u64(num, (unsigned long long)sig);
    tl_write(2, num, tl_strlen(num));
    tl_write(2, " in ", 4);
    tl_write(2, who, tl_strlen(who));
    tl_write(2, " at rip=", 8);
    put_hex(uc->mc.rip);
    tl_write(2, " addr=", 6);
    put_hex(addr);
    tl_write(2, " rsp=", 5);
    put_hex(uc->mc.rsp);
    tl_write(2, " tid=", 5);
    tl_fmt_u64(num, (unsigned long long)tl_gettid());
    tl_write(2, num, tl_strlen(num));
    tl_write(2, "\n", 1);
    if (debug > 1) {
        tl_write(2, "rdi/rsi/rdx/rax/rcx/rbp ", 24);
        put_hex(uc->mc.rdi); put_hex(uc->mc.rsi); put_hex(uc->mc.rdx); put_hex(uc->mc.rax);
        put_hex(uc->mc.rcx); put_hex(uc->mc.rbp);
        tl_write(2, "\n", 1);
    }
    if (debug > 2) { /* TRAPLINE_DEBUG=2: the maps, to place the addresses */
        char buf[4096];
        long fd = tl_sys3(TL_NR_open, (long)"/proc/thread-self/maps", 0, 0), n;
        while (fd >= 0 && (n = tl_sys3(TL_NR_read, fd, (long)buf, sizeof buf)) > 0)
            tl_write(2, buf, (size_t)n);
        if (fd >= 0)
            tl_sys1(TL_NR_close, fd);
    }
}

/* A fault in trapline's own code: a bug. Say so and die by it. */
static __attribute__((noreturn)) void trapline_bug(int sig, const struct tl_siginfo *info,
                                                    const struct kucontext *uc)
{
    report_fault("trapline code (a trapline bug; please report it)", sig, info, uc);
    die_by(sig, 1);
}

/* --- held signals ----------------------------------------------------- */

static void hold(struct tl_thread_block *tb, int sig, const struct tl_siginfo *info)
{
    struct tl_thread_signals *S = tb->signals;
    if (sig < 32 && (S->pending_set & BIT(sig)))
        return; /* standard signals do not queue */
    if (S->pending_count == TL_PENDING_MAX)
        return;
    S->pending[S->pending_count++] = *info;
    S->pending_set |= BIT(sig);
    tb->pending = 1;
}

static int first_deliverable(const struct tl_thread_signals *S)
{
    for (uint32_t i = 0; i < S->pending_count; i++)
        if (!(S->client_mask & BIT(S->pending[i].signo)))
            return (int)i;
    return -1;
}

int tl_signals_deliverable(const struct tl_thread_block *tb)
{
    return tb->pending && first_deliverable(tb->signals) >= 0;
}

static void take(struct tl_thread_block *tb, int i, struct tl_siginfo *out)
{
    struct tl_thread_signals *S = tb->signals;
    *out = S->pending[i];
    for (uint32_t k = (uint32_t)i; k + 1 < S->pending_count; k++)
        S->pending[k] = S->pending[k + 1];
    S->pending_count--;
    S->pending_set = 0;
    for (uint32_t k = 0; k < S->pending_count; k++)
        S->pending_set |= BIT(S->pending[k].signo);
    tb->pending = S->pending_count != 0;
}

/* --- building the client's frame -------------------------------------- */

static int on_client_altstack(const struct tl_thread_signals *S, uint64_t sp)
{
    return !(S->alt_flags & SS_DISABLE_) && sp > S->alt_sp && sp - S->alt_sp <= S->alt_size;
}

/* Size of an extended-state image as the kernel wrote it (or 512). */
static uint64_t fpstate_size(const uint8_t *fp)
{
    struct fpx_sw_bytes sw;
    tl_memcpy(&sw, fp + 464, sizeof sw);
    return sw.magic1 == FP_XSTATE_MAGIC1 ? sw.extended_size : 512;
}

/* Builds the frame for delivering `info` to the client's handler, from the
 * interrupted client context ctx (rip, rsp... as the client must see them)
 * and its extended state fp. On success fills `regs` with the handler's
 * entry registers and returns 0; -1 if the client's stack is unusable. */
static int build_frame(struct tl_thread_block *tb, const struct ksigaction *act, const struct tl_siginfo *info,
                       const struct ksigcontext *ctx, const uint8_t *fp, uint64_t fp_size,
                       struct ksigcontext *regs)
{
    struct tl_thread_signals *S = tb->signals;
    uint64_t sp = ctx->rsp - 128;
    int was_on = on_client_altstack(S, ctx->rsp);
    if ((act->flags & SA_ONSTACK_) && !(S->alt_flags & SS_DISABLE_) && !on_client_altstack(S, sp))
        sp = S->alt_sp + S->alt_size;
    uint64_t fp_at = (sp - fp_size) & ~63ull;
    uint64_t frame = ((fp_at - sizeof(struct rt_sigframe)) & ~15ull) - 8;

    struct rt_sigframe fr;
    tl_memset(&fr, 0, sizeof fr);
    struct ksigcontext saved = *ctx;
    if (tb->stepping) {
        /* The trap flag is trapline's, set to reach this very point: the
         * client's saved context must not carry it. */
        saved.eflags &= ~EFLAGS_TF;
        saved.r11 &= ~EFLAGS_TF;
        tb->stepping = 0;
    }
    fr.pretcode = act->restorer;
    fr.uc.flags = UC_SIGCONTEXT_SS_ | UC_STRICT_RESTORE_SS_ | (fp_size > 512 ? UC_FP_XSTATE_ : 0);
    fr.uc.stack.sp = S->alt_sp;
    fr.uc.stack.size = S->alt_size;
    fr.uc.stack.flags = (S->alt_flags & SS_DISABLE_) ? SS_DISABLE_ : (was_on ? SS_ONSTACK_ : 0);
    fr.uc.mc = saved;
    fr.uc.mc.fpstate = fp_at;
    fr.uc.mc.cs = 0x33;
    fr.uc.mc.ss = 0x2b;
    /* After a temporary mask (sigsuspend), the handler returns to the
     * client's own. */
    fr.uc.sigmask = tb->restore_pending ? S->restore_mask : S->client_mask;
    fr.info = *info;
    if (tl_copy_to_client((void *)fp_at, fp, fp_size) ||
        tl_copy_to_client((void *)frame, &fr, sizeof fr))
        return -1;

    *regs = saved;
    regs->rip = act->handler;
    regs->rsp = frame;
    regs->rdi = (uint64_t)info->signo;
    regs->rsi = frame + __builtin_offsetof(struct rt_sigframe, info);
    regs->rdx = frame + __builtin_offsetof(struct rt_sigframe, uc);
    regs->rax = 0;
    regs->eflags &= ~(EFLAGS_DF | EFLAGS_TF | EFLAGS_RF);
    return 0;
}

/* The client's mask while its handler runs, and the action's one-shot
 * reset. */
static void enter_handler_state(struct tl_thread_block *tb, int sig, struct ksigaction *act)
{
    struct tl_thread_signals *S = tb->signals;
    tb->restore_pending = 0;
    S->client_mask |= act->mask | ((act->flags & SA_NODEFER_) ? 0 : BIT(sig));
    S->client_mask &= ~UNBLOCKABLE;
    if ((S->alt_flags & SS_AUTODISARM_) && (act->flags & SA_ONSTACK_)) {
        S->alt_sp = 0, S->alt_size = 0, S->alt_flags = SS_DISABLE_;
    }
    if (act->flags & SA_RESETHAND_) {
        sigtab()->act[sig].handler = SIG_DFL_;
        sigtab()->act[sig].flags &= ~SA_SIGINFO_;
        install(sig);
    }
}

enum disposition { DELIVER, DISCARD, TERMINATE };

static enum disposition disposition_of(int sig, const struct tl_siginfo *info)
{
    uint64_t h = sigtab()->act[sig].handler;
    if (h == SIG_IGN_)
        return is_fault(sig, info) ? TERMINATE : DISCARD; /* an ignored fault kills */
    if (h == SIG_DFL_)
        return default_ignores(sig) ? DISCARD : TERMINATE;
    return DELIVER;
}

/* --- delivering ------------------------------------------------------- */

/* From trapline's own handler, the thread being in client code: the kernel
 * frame uc holds the client's context; it is changed to resume in the
 * client's handler. */
static void deliver_now(struct tl_thread_block *tb, const struct tl_siginfo *info, struct kucontext *uc)
{
    int sig = info->signo;
    switch (disposition_of(sig, info)) {
    case DISCARD:
        return;
    case TERMINATE:
        if (debug && is_fault(sig, info))
            report_fault("the client", sig, info, uc);
        die_by(sig, is_fault(sig, info));
    case DELIVER:
        break;
    }
    struct ksigaction act = sigtab()->act[sig];
    const uint8_t *fp = (const uint8_t *)uc->mc.fpstate;
    struct ksigcontext regs;
    uint8_t legacy[512] __attribute__((aligned(64)));
    if (!fp) {
        tl_memset(legacy, 0, sizeof legacy);
        fp = legacy;
    }
    if (build_frame(tb, &act, info, &uc->mc, fp, fpstate_size(fp), &regs) != 0)
        die_by(SIGSEGV_, 0);
    if (debug > 1) {
        tl_write(2, "deliver-now sig/rip/rsp/frame ", 30);
        put_hex((uint64_t)sig); put_hex(uc->mc.rip); put_hex(uc->mc.rsp); put_hex(regs.rsp);
        tl_write(2, "\n", 1);
    }
    tl_hooks_signal(tb, info);
    enter_handler_state(tb, sig, &act);
    uint64_t fpstate = uc->mc.fpstate;
    uc->mc = regs;
    uc->mc.fpstate = fpstate;
    uc->sigmask = tb->signals->client_mask & ~ALWAYS;
    if (tl_signals_deliverable(tb)) {
        /* More waiting: the next on the handler's first instruction. */
        uc->mc.eflags |= EFLAGS_TF;
        tb->stepping = 1;
    }
}

int tl_signals_deliver_from_gate(struct tl_thread_block *tb, struct tl_frame *f, uint64_t view_rip,
                                 uint64_t view_rax, uint64_t view_rcx)
{
    struct tl_siginfo info;
    int i;
    while ((i = first_deliverable(tb->signals)) >= 0) {
        take(tb, i, &info);
        int sig = info.signo;
        enum disposition d = disposition_of(sig, &info);
        if (d == DISCARD)
            continue;
        if (d == TERMINATE)
            die_by(sig, 0);

        struct ksigcontext ctx;
        tl_memset(&ctx, 0, sizeof ctx);
        ctx.r8 = f->r8, ctx.r9 = f->r9, ctx.r10 = f->r10, ctx.r11 = f->rflags;
        ctx.r12 = f->r12, ctx.r13 = f->r13, ctx.r14 = f->r14, ctx.r15 = f->r15;
        ctx.rdi = f->rdi, ctx.rsi = f->rsi, ctx.rbp = f->rbp, ctx.rbx = f->rbx, ctx.rdx = f->rdx;
        ctx.rax = view_rax, ctx.rcx = view_rcx, ctx.rsp = f->rsp, ctx.rip = view_rip;
        ctx.eflags = f->rflags;

        /* The client's vector state is live: the gate never touches it.
         * Sized to this CPU's state rather than the largest: a 16 KiB
         * buffer put its start four stack pages deep, each a fault after a
         * fork (the parent's SIGCHLD). */
        uint64_t xsize = tl_gate.xsave_size;
        uint8_t fp_room[xsize + 4 + 63];
        uint8_t *fp = (uint8_t *)(((uintptr_t)fp_room + 63) & ~(uintptr_t)63);
        uint32_t lo = (uint32_t)tl_gate.xsave_mask, hi = (uint32_t)(tl_gate.xsave_mask >> 32);
        tl_memset(fp, 0, xsize + 4);
        __asm__ volatile("xsave64 (%0)" : : "r"(fp), "a"(lo), "d"(hi) : "memory");
        struct fpx_sw_bytes sw = { FP_XSTATE_MAGIC1, (uint32_t)xsize + 4, tl_gate.xsave_mask,
                                   (uint32_t)xsize, { 0 } };
        tl_memcpy(fp + 464, &sw, sizeof sw);
        uint32_t magic2 = FP_XSTATE_MAGIC2;
        tl_memcpy(fp + xsize, &magic2, 4);

        struct ksigaction act = sigtab()->act[sig];
        struct ksigcontext regs;
        if (build_frame(tb, &act, &info, &ctx, fp, xsize + 4, &regs) != 0)
            die_by(SIGSEGV_, 0);
        if (debug > 1) {
            tl_write(2, "deliver-gate sig/rip/rsp/frame ", 31);
            put_hex((uint64_t)sig); put_hex(ctx.rip); put_hex(ctx.rsp); put_hex(regs.rsp);
            tl_write(2, "\n", 1);
        }
        tl_hooks_signal(tb, &info);
        enter_handler_state(tb, sig, &act);
        set_real_mask(tb->signals->client_mask);
        f->resume = regs.rip;
        f->rsp = regs.rsp;
        f->rdi = regs.rdi, f->rsi = regs.rsi, f->rdx = regs.rdx, f->rax = 0;
        f->rflags = regs.eflags;
        /* More waiting: deliver them on the handler's first instruction,
         * as the kernel stacks one frame per pending signal. */
        if (tl_signals_deliverable(tb)) {
            f->rflags |= EFLAGS_TF;
            tb->stepping = 1;
        }
        return 1;
    }
    return 0;
}

void tl_signals_step_to_client(struct tl_thread_block *tb)
{
    tb->stepping = 1;
    __asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq" ::: "memory", "cc");
}

/* --- trapline's handler ----------------------------------------------- */

/* Syscall User Dispatch caught a syscall outside rewritten code: resume in
 * the gate as if a stub had jumped there, with the site's next address as
 * the continuation (so rcx is what the kernel leaves). */
static void backstop(struct tl_thread_block *tb, const struct tl_siginfo *info, struct kucontext *uc)
{
    uint32_t arch;
    tl_memcpy(&arch, (const uint8_t *)info + 28, 4);
    if (arch != AUDIT_ARCH_X86_64_) {
        /* int $0x80: i386 numbers, run as they are from trapline's range. */
        tb->int80_return = uc->mc.rip;
        uc->mc.rip = (uint64_t)tl_gate_int80;
        return;
    }
    tl_gate.backstop_calls++;
    tb->sud_call = 1;
    uc->mc.rcx = uc->mc.rip;
    uc->mc.rip = (uint64_t)tl_gate_syscall_entry;
}

/* The gate's exit sequence was interrupted: finish it here, so the thread
 * is seen where the exit was taking it. */
static void finish_exit(struct tl_thread_block *tb, struct kucontext *uc)
{
    const struct tl_frame *f = tb->exit_frame;
    uc->mc.rax = f->rax, uc->mc.rdi = f->rdi, uc->mc.rsi = f->rsi, uc->mc.rdx = f->rdx;
    uc->mc.r10 = f->r10, uc->mc.r8 = f->r8, uc->mc.r9 = f->r9, uc->mc.rbx = f->rbx;
    uc->mc.rbp = f->rbp, uc->mc.r12 = f->r12, uc->mc.r13 = f->r13, uc->mc.r14 = f->r14;
    uc->mc.r15 = f->r15;
    tb->stack_cur = f->saved_stack_cur;
    tb->priv_rsp = f->saved_priv_rsp;
    uc->mc.eflags = f->rflags;
    uc->mc.r11 = f->rflags;
    uc->mc.rcx = f->resume;
    uc->mc.rip = f->resume;
    uc->mc.rsp = f->rsp;
}

static void signal_handler(int sig, struct tl_siginfo *info, struct kucontext *uc)
{
    struct tl_thread_block *tb = tl_tb();
    uint64_t rip = uc->mc.rip;

    if ((sig == SIGSEGV_ || sig == SIGBUS_) && rip >= (uint64_t)tl_safe_copy &&
        rip < (uint64_t)tl_safe_copy_end) {
        uc->mc.rip = (uint64_t)tl_safe_copy_fault; /* the copy says EFAULT */
        return;
    }
    if (sig == SIGSYS_ && info->code == SYS_USER_DISPATCH_) {
        backstop(tb, info, uc);
        return;
    }
    if (sig == SIGTRAP_ && (info->code == TRAP_TRACE_ || info->code == TRAP_BRKPT_) &&
        (uc->mc.eflags & EFLAGS_TF) && (tb->stepping || in_gate_text(rip) || tl_site_by_stub(rip))) {
        /* A single step of trapline's own. */
        if (in_gate_text(rip) || tl_site_by_stub(rip) || tb->inside) {
            if (!tb->stepping)
                uc->mc.eflags &= ~EFLAGS_TF; /* no longer needed */
            return; /* not in client code yet: keep stepping */
        }
        tb->stepping = 0;
        uc->mc.eflags &= ~EFLAGS_TF;
        uc->mc.r11 &= ~EFLAGS_TF;
        struct tl_siginfo held;
        int i = first_deliverable(tb->signals);
        if (i >= 0) {
            take(tb, i, &held);
            deliver_now(tb, &held, uc);
        }
        return;
    }

    const struct tl_patched_site *stub_site = tl_site_by_stub(rip);
    if (is_fault(sig, info) && !stub_site && (in_gate_text(rip) || tb->inside))
        trapline_bug(sig, info, uc);
    if (sig == SIGSYS_ && info->code == SYS_SECCOMP_ && rip == (uint64_t)tl_gate_syscall_done &&
        tb->state == TL_STATE_REAL_CALL) {
        /* The client's own seccomp filter trapped the call the gate issued:
         * it is the client's, seen at its site. */
        hold(tb, sig, info);
        return;
    }

    if (stub_site) {
        uint64_t view = tl_site_stub_to_window(stub_site, rip);
        if (is_fault(sig, info)) {
            /* A moved instruction faulted: the client's fault, at its place. */
            uc->mc.rip = view;
            deliver_now(tb, info, uc);
            if (uc->mc.rip == view) /* returning: resume in the stub */
                uc->mc.rip = rip;
            return;
        }
        hold(tb, sig, info);
        if (rip >= stub_site->stub + stub_site->cont_off) {
            /* After the syscall: step to the window's end. */
            tb->stepping = 1;
            uc->mc.eflags |= EFLAGS_TF;
        }
        /* Before it: the gate is next and delivers at the site. */
        return;
    }

    if (in_gate_text(rip) || tb->inside || tb->state != TL_STATE_CLIENT) {
        hold(tb, sig, info);
        if (rip >= (uint64_t)tl_gate_window_start && rip <= (uint64_t)tl_gate_syscall_insn) {
            /* Restartable window, or a restart the kernel prepared: abandon
             * this issue of the call; the gate delivers as if at the site. */
            uc->mc.rip = (uint64_t)tl_gate_real_call_abort;
        } else if (rip >= (uint64_t)tl_gate_exit && rip < (uint64_t)tl_gate_exit_end && !tb->inside) {
            finish_exit(tb, uc);
            if (!tl_site_by_stub(uc->mc.rip) && !in_gate_text(uc->mc.rip)) {
                struct tl_siginfo held;
                int i = first_deliverable(tb->signals);
                if (i >= 0) {
                    take(tb, i, &held);
                    deliver_now(tb, &held, uc);
                }
            } else {
                tb->stepping = 1;
                uc->mc.eflags |= EFLAGS_TF;
            }
        }
        return;
    }

    /* Client code. */
    if (tb->signals->client_mask & BIT(sig)) {
        /* Blocked by the client (only trapline's own signals get here). */
        if (is_fault(sig, info))
            die_by(sig, 1);
        hold(tb, sig, info);
        return;
    }
    deliver_now(tb, info, uc);
}

/* --- set-up ----------------------------------------------------------- */

void tl_signals_init(struct tl_thread_block *tb, uint64_t blocked, int debug_on)
{
    struct tl_thread_signals *S = tb->signals;
    debug = debug_on;
    tb->process->sigtab = &first_sigtab;
    S->client_mask = blocked & ~UNBLOCKABLE;
    S->alt_flags = SS_DISABLE_;
    /* trapline's own alternate stack: every handler of ours runs there. */
    struct kstack own = { S->own_alt_sp, 0, 0, S->own_alt_size };
    tl_sys2(131 /* sigaltstack */, (long)&own, 0);
    for (int sig = 1; sig <= NSIGS; sig++) {
        /* trapline's own signals always; the ones that end the process by
         * default when a plugin wants to see that end. */
        int needed = (ALWAYS & BIT(sig)) ||
                     (tl_gate.fatal_signals && !default_ignores(sig) && !default_stops(sig));
        if (!needed || sig == SIGKILL_)
            continue;
        struct ksigaction old;
        if (tl_sys4(TL_NR_rt_sigaction, sig, 0, (long)&old, 8) != 0)
            continue;
        sigtab()->act[sig].handler = old.handler == SIG_IGN_ ? SIG_IGN_ : SIG_DFL_;
        sigtab()->taken |= BIT(sig);
        install(sig);
    }
    set_real_mask(S->client_mask);

    /* The backstop: everything outside trapline's own code traps once the
     * selector says so. */
    tb->sud_selector = 0;
    long r = tl_sys6(TL_NR_prctl, NR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON_,
                     (long)tl_gate_text_start, (long)(tl_gate_text_end - tl_gate_text_start),
                     (long)&tb->sud_selector, 0);
    tl_gate.sud_armed = r == 0;
    if (r != 0 && !tl_gate.sud_warned) {
        static const char msg[] = "trapline: warning: the kernel refuses Syscall User Dispatch; "
                                  "syscalls from code that was not rewritten are not intercepted\n";
        tl_write(2, msg, sizeof msg - 1);
        tl_gate.sud_warned = 1;
    }
}

void tl_signals_enter_client(struct tl_thread_block *tb)
{
    if (tl_gate.sud_armed)
        tb->sud_selector = 1;
}

/* SUD is per thread and not inherited: arm it on this one. */
static void arm_sud(struct tl_thread_block *tb, uint8_t selector)
{
    if (!tl_gate.sud_armed)
        return;
    tb->sud_selector = 0;
    tl_sys6(TL_NR_prctl, NR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON_, (long)tl_gate_text_start,
            (long)(tl_gate_text_end - tl_gate_text_start), (long)&tb->sud_selector, 0);
    tb->sud_selector = selector;
}

void tl_signals_fork_child(struct tl_thread_block *tb)
{
    struct tl_thread_signals *S = tb->signals;
    S->pending_count = 0;
    S->pending_set = 0;
    tb->pending = 0;
    arm_sud(tb, tb->sud_selector);
}

void tl_signals_thread_start(struct tl_thread_block *tb)
{
    struct tl_thread_signals *S = tb->signals;
    struct kstack own = { S->own_alt_sp, 0, 0, S->own_alt_size };
    tl_sys2(TL_NR_sigaltstack, (long)&own, 0);
    arm_sud(tb, 1);
    set_real_mask(S->client_mask);
}

uint64_t tl_signals_client_mask(const struct tl_thread_block *tb)
{
    return tb->signals->client_mask;
}

/* --- the client's signal calls ---------------------------------------- */

void tl_signals_sigaction(struct tl_thread_block *tb, struct tl_frame *f)
{
    (void)tb;
    long sig = (long)f->rdi;
    struct ksigaction act, old;
    if (f->r10 != 8 || sig < 1 || sig > NSIGS) {
        f->rax = (uint64_t)-22;
        return;
    }
    if (f->rsi && tl_copy_from_client(&act, (const void *)f->rsi, sizeof act)) {
        f->rax = (uint64_t)-14;
        return;
    }
    if (f->rsi && (sig == SIGKILL_ || sig == SIGSTOP_)) {
        f->rax = (uint64_t)-22; /* as the kernel */
        return;
    }
    if (!(sigtab()->taken & BIT(sig))) {
        /* The kernel holds the client's own action: it is the old one. */
        if (!f->rsi || act.handler == SIG_DFL_ || act.handler == SIG_IGN_) {
            tl_gate_real_call_nocheck(f);
            return;
        }
        struct ksigaction k;
        struct ksigaction fresh = act;
        fresh.mask &= ~UNBLOCKABLE;
        kernel_action_for((int)sig, &fresh, &k);
        long r = tl_sys4(TL_NR_rt_sigaction, sig, (long)&k, (long)&old, 8);
        if (r) {
            f->rax = (uint64_t)r;
            return;
        }
        sigtab()->act[sig] = fresh;
        sigtab()->taken |= BIT(sig);
    } else {
        old = sigtab()->act[sig];
        if (f->rsi) {
            sigtab()->act[sig] = act;
            sigtab()->act[sig].mask &= ~UNBLOCKABLE;
            long r = install((int)sig);
            if (r) {
                sigtab()->act[sig] = old;
                f->rax = (uint64_t)r;
                return;
            }
        }
    }
    if (f->rdx && tl_copy_to_client((void *)f->rdx, &old, sizeof old)) {
        f->rax = (uint64_t)-14;
        return;
    }
    f->rax = 0;
}

void tl_signals_sigprocmask(struct tl_thread_block *tb, struct tl_frame *f)
{
    struct tl_thread_signals *S = tb->signals;
    uint64_t set, old = S->client_mask;
    if (f->r10 != 8) {
        f->rax = (uint64_t)-22;
        return;
    }
    if (f->rsi) {
        if (tl_copy_from_client(&set, (const void *)f->rsi, 8)) {
            f->rax = (uint64_t)-14;
            return;
        }
        uint64_t m = S->client_mask;
        switch (f->rdi) {
        case 0: m |= set; break;  /* SIG_BLOCK */
        case 1: m &= ~set; break; /* SIG_UNBLOCK */
        case 2: m = set; break;   /* SIG_SETMASK */
        default:
            f->rax = (uint64_t)-22;
            return;
        }
        S->client_mask = m & ~UNBLOCKABLE;
        set_real_mask(S->client_mask);
    }
    if (f->rdx && tl_copy_to_client((void *)f->rdx, &old, 8)) {
        f->rax = (uint64_t)-14;
        return;
    }
    f->rax = 0;
}

void tl_signals_sigaltstack(struct tl_thread_block *tb, struct tl_frame *f)
{
    struct tl_thread_signals *S = tb->signals;
    int on = on_client_altstack(S, f->rsp);
    struct kstack cur = { S->alt_sp, (S->alt_flags & SS_DISABLE_) ? SS_DISABLE_ : (on ? SS_ONSTACK_ : 0) |
                          (S->alt_flags & (int32_t)SS_AUTODISARM_), 0, S->alt_size };
    if (f->rdi) {
        struct kstack ss;
        if (tl_copy_from_client(&ss, (const void *)f->rdi, sizeof ss)) {
            f->rax = (uint64_t)-14;
            return;
        }
        if (on) {
            f->rax = (uint64_t)-1; /* EPERM */
            return;
        }
        int mode = ss.flags & ~(int32_t)SS_AUTODISARM_;
        if (mode != SS_DISABLE_ && mode != SS_ONSTACK_ && mode != 0) {
            f->rax = (uint64_t)-22;
            return;
        }
        if (mode == SS_DISABLE_) {
            S->alt_sp = 0, S->alt_size = 0, S->alt_flags = SS_DISABLE_;
        } else {
            if (ss.size < MINSIGSTKSZ_) {
                f->rax = (uint64_t)-12; /* ENOMEM */
                return;
            }
            S->alt_sp = ss.sp, S->alt_size = ss.size, S->alt_flags = ss.flags & (int32_t)SS_AUTODISARM_;
        }
    }
    if (f->rsi && tl_copy_to_client((void *)f->rsi, &cur, sizeof cur)) {
        f->rax = (uint64_t)-14;
        return;
    }
    f->rax = 0;
}

void tl_signals_sigpending(struct tl_thread_block *tb, struct tl_frame *f)
{
    tl_gate_real_call(f);
    if (f->rax != 0 || f->rsi != 8 || !tb->signals->pending_set)
        return;
    uint64_t set;
    if (tl_copy_from_client(&set, (const void *)f->rdi, 8) == 0) {
        set |= tb->signals->pending_set & tb->signals->client_mask;
        tl_copy_to_client((void *)f->rdi, &set, 8);
    }
}

void tl_signals_sigreturn(struct tl_thread_block *tb, struct tl_frame *f)
{
    struct tl_thread_signals *S = tb->signals;
    struct kucontext uc;
    if (tl_copy_from_client(&uc, (const void *)f->rsp, sizeof uc))
        return; /* the kernel will say SIGSEGV */
    S->client_mask = uc.sigmask & ~UNBLOCKABLE;
    if (!(uc.stack.flags & SS_DISABLE_) && uc.stack.size >= MINSIGSTKSZ_) {
        S->alt_sp = uc.stack.sp, S->alt_size = uc.stack.size;
        S->alt_flags = uc.stack.flags & (int32_t)SS_AUTODISARM_;
    } else if (uc.stack.flags & SS_DISABLE_) {
        S->alt_sp = 0, S->alt_size = 0, S->alt_flags = SS_DISABLE_;
    }
    uc.sigmask = S->client_mask & ~ALWAYS;
    uc.stack.sp = S->own_alt_sp, uc.stack.size = S->own_alt_size, uc.stack.flags = 0;
    /* A RIP inside a rewritten window resumes at the stub's equivalent. */
    const struct tl_patched_site *s = tl_site_by_window(uc.mc.rip);
    if (s)
        uc.mc.rip = tl_site_window_to_stub(s, uc.mc.rip);
    if (tl_signals_deliverable(tb)) {
        uc.mc.eflags |= EFLAGS_TF;
        tb->stepping = 1;
    }
    tl_copy_to_client((void *)f->rsp, &uc, sizeof uc);
}

int tl_signals_temporary_mask_call(struct tl_thread_block *tb, struct tl_frame *f)
{
    struct tl_thread_signals *S = tb->signals;
    uint64_t mask_ptr = 0, size = 8, sel[2];
    switch (f->rax) {
    case TL_NR_rt_sigsuspend:
        mask_ptr = f->rdi, size = f->rsi;
        break;
    case TL_NR_ppoll:
        mask_ptr = f->r10, size = f->r8;
        break;
    case TL_NR_epoll_pwait:
    case TL_NR_epoll_pwait2:
        mask_ptr = f->r8, size = f->r9;
        break;
    case TL_NR_pselect6:
        /* The sixth argument points at { const sigset_t *ss; size_t len; }. */
        if (f->r9 && tl_copy_from_client(sel, (const void *)f->r9, sizeof sel) == 0)
            mask_ptr = sel[0], size = sel[1];
        break;
    }
    uint64_t tmp;
    if (!mask_ptr || size != 8 || tl_copy_from_client(&tmp, (const void *)mask_ptr, 8))
        return tl_gate_real_call_hooked(tb, f); /* the kernel answers as it will */
    /* While the call waits, the client's mask is the temporary one: the
     * kernel applies it, and a signal it lets in is deliverable. */
    S->restore_mask = S->client_mask;
    tb->restore_pending = 1;
    S->client_mask = tmp & ~UNBLOCKABLE;
    int made = tl_gate_real_call_hooked(tb, f);
    if (!made) {
        S->client_mask = S->restore_mask;
        tb->restore_pending = 0;
    }
    return made;
}
