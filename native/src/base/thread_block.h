/* thread_block.h - the per-thread block, addressed through %gs.
 *
 * Shared by the gate (assembly and C) and the host, so it lives below both.
 * Every thread that can run client code owns one; the gate reaches it with
 * %gs-relative loads because at entry it may own no register and no stack.
 * Offsets used from assembly are spelled out here and checked at compile
 * time against the C layout. */
#ifndef TRAPLINE_BASE_THREAD_BLOCK_H
#define TRAPLINE_BASE_THREAD_BLOCK_H

#define TB_SELF            0   /* address of this block */
#define TB_SCRATCH_RAX     8   /* gate entry: client rax while flags are saved */
#define TB_SCRATCH_FLAGS   16  /* gate entry: lahf/seto result */
#define TB_STACK_CUR       24  /* where the next outermost gate frame goes */
#define TB_STACK_BASE      32  /* private stack [base, top) */
#define TB_STACK_TOP       40
#define TB_PRIV_RSP        48  /* private rsp while the real call runs */
#define TB_INSIDE          56  /* non-zero while trapline code owns the thread */
#define TB_SYSCALL_ENTRY   64  /* address of tl_gate_syscall_entry */
#define TB_PENDING         72  /* non-zero while signals wait for delivery */
#define TB_INT80_RET       80  /* where an int $0x80 caught by SUD resumes */
#define TB_PHASE           88  /* 1: the gate has passed its last signal check */
#define TB_AFTER_CALL      96  /* 4 lines the way back from a call touches */

#ifndef __ASSEMBLER__
#include <stdint.h>
#include "trapline/plugin.h"

#define TL_MAX_PLUGINS 16
#define TL_MASK_WORDS (TRAPLINE_MAX_SYSCALLS / 64)

/* One plugin's hooks and subscriptions, as the hot path needs them. */
struct tl_hook_slot {
    int (*before_syscall)(const struct trapline_event *, struct trapline_syscall *);
    void (*after_syscall)(const struct trapline_event *, struct trapline_syscall *);
    int (*before_vdso)(const struct trapline_event *, struct trapline_vdso_call *);
    void (*after_vdso)(const struct trapline_event *, struct trapline_vdso_call *);
    void *context;
    uint64_t syscalls[TL_MASK_WORDS];
    uint32_t vdso;
    uint32_t isolated;      /* hooks run on a host thread block (isolation.c) */
};

/* Everything an intercepted call reads, copied into each thread block so
 * that a call touches one trapline data page: on this machine (PTI, no
 * PCID) every page touched after a syscall is a TLB miss. */
struct tl_dispatch {
    uint64_t hot[TL_MASK_WORDS];          /* subscribed | handled by the gate */
    uint64_t any_syscalls[TL_MASK_WORDS]; /* union of subscriptions */
    uint64_t internal[TL_MASK_WORDS];     /* calls the gate handles itself */
    uint32_t any_vdso;
    uint32_t count;
    struct tl_hook_slot slot[TL_MAX_PLUGINS];
};

/* Where a thread is, for the signal rules of DESIGN §3. */
enum tl_thread_state {
    TL_STATE_CLIENT = 0,   /* running client code or a stub */
    TL_STATE_GATE = 1,     /* gate or hooks, before the real call */
    TL_STATE_REAL_CALL = 2,/* inside the client's own system call */
    TL_STATE_AFTER = 3,    /* after-hooks and gate exit */
    TL_STATE_EXITING = 4,  /* exit path: all signals blocked */
};

struct tl_frame;
struct tl_thread_signals;

/* A signal action as the kernel's rt_sigaction takes it. */
struct tl_ksigaction {
    uint64_t handler, flags, restorer, mask;
};

/* The client's signal actions (what it asked for) and which signals'
 * kernel actions trapline has taken over: per sighand, as the kernel keeps
 * them (a CLONE_VM child without CLONE_SIGHAND has its own copy). */
#define TL_NSIGS 64
struct tl_sigtable {
    struct tl_ksigaction act[TL_NSIGS + 1];
    uint64_t taken;
};

/* What the threads of one process share (a CLONE_VM child that is not a
 * thread gets its own, though it shares memory with its parent). */
struct tl_process {
    int32_t pid;
    int32_t exited;         /* process_exit hooks have run */
    int32_t live_threads;
    int32_t pad;
    struct tl_sigtable *sigtab;
};

struct tl_thread_block {
    uint64_t self;
    uint64_t scratch_rax;
    uint64_t scratch_flags;
    uint64_t stack_cur;
    uint64_t stack_base;
    uint64_t stack_top;
    uint64_t priv_rsp;
    uint64_t inside;
    uint64_t syscall_entry;
    uint64_t pending;
    uint64_t int80_return;
    uint64_t phase;
    /* Lines the gate prefetches as soon as the real call returns (see
     * tl_gate_syscall_done): [0] the site the call returns to, set by the
     * gate; the others named by built-in hooks (tl_tb_hint_after_call). */
    uint64_t after_call[4];
    /* Below: not used from assembly. */
    uint64_t client_fs;     /* the client's fs base, as it last set it */
    uint64_t host_fs;       /* the host thread block lent to this thread */
    int32_t pid, tid;
    uint32_t state;         /* enum tl_thread_state of the innermost frame */
    uint8_t sud_selector;   /* Syscall User Dispatch: 0 allow, 1 trap */
    uint8_t stepping;       /* single-stepping to client code to deliver */
    uint8_t sud_call;       /* the call entering the gate came from SUD */
    uint8_t in_host;        /* running host code, fs on a host thread block */
    uint32_t may_deliver;   /* the innermost gate frame may deliver signals */
    struct tl_thread_signals *signals;
    struct tl_frame *exit_frame; /* the frame the gate is leaving through */
    struct tl_process *process;
    void *area;                  /* the struct tl_thread_area holding this */
    /* The companion whose thread block this thread borrows for isolated
     * hooks (isolation.c), or 0; host_fs is then that block. */
    struct tl_companion *companion;
    uint32_t no_companion;       /* a CLONE_VM child process: never make one */
    /* A call with a temporary mask (sigsuspend, ppoll...) is under way:
     * signals->restore_mask is the client's own. Here, not in the signal
     * state, because every call checks it (a page fewer per call). */
    uint32_t restore_pending;
    struct tl_dispatch dispatch;
};

/* A thread's signal state: what the client believes (its mask, its
 * alternate stack) and what trapline holds back for it. */
#define TL_PENDING_MAX 64
struct tl_siginfo {
    int32_t signo, errno_, code, pad;
    uint8_t rest[112];
};
/* The scalars first and together: a fork's child and a held signal write
 * them, and after a fork each page written is a copy. */
struct tl_thread_signals {
    uint64_t client_mask;             /* the mask the client set */
    uint64_t pending_set;             /* signals held, one bit per signo */
    uint32_t pending_count;
    uint32_t pad;
    uint64_t alt_sp, alt_size;        /* the client's sigaltstack */
    int32_t alt_flags;
    int32_t pad2;
    uint64_t own_alt_sp, own_alt_size; /* trapline's: the kernel-level one */
    /* A call with a temporary mask (sigsuspend, ppoll...): the client's own
     * mask comes back after it, or after the handler it let in. */
    uint64_t restore_mask;            /* see tl_thread_block.restore_pending */
    struct tl_siginfo pending[TL_PENDING_MAX]; /* held siginfos, oldest first */
};

/* A thread's private stack with its block on top, in one page-aligned
 * mapping. The stack comes first so that the block ends on a page
 * boundary: the frames of a call (under 1.8 KiB) and the block then share
 * one page, one page walk after a system call rather than two. */
#define TL_PRIVATE_STACK_SIZE (256 * 1024)
#define TL_SIGNAL_STACK_SIZE (64 * 1024)
#define TL_XSAVE_MAX 16384
#define TL_TB_ROOM ((sizeof(struct tl_thread_block) + 63) & ~63ul)
struct tl_thread_area {
    char stack[TL_PRIVATE_STACK_SIZE - TL_TB_ROOM];
    struct tl_thread_block tb __attribute__((aligned(64)));
    /* Next, what a new thread or process writes first, on the page after
     * the block's (tl_thread_area_prefault makes both present at once). */
    int32_t in_use;                           /* claimed by a live thread */
    int32_t pad;
    struct tl_process own_process;            /* for a CLONE_VM child process */
    uint64_t clone_frame[18];                 /* a new thread's registers (struct tl_frame) */
    struct tl_thread_signals signals;         /* its held siginfos last */
    /* The client's vector state while host code runs on this thread (one
     * host section at a time: host code is never re-entered). */
    unsigned char xsave[TL_XSAVE_MAX] __attribute__((aligned(64)));
    struct tl_sigtable own_sigtab;            /* for a CLONE_VM child without CLONE_SIGHAND */
    char signal_stack[TL_SIGNAL_STACK_SIZE];  /* trapline's kernel altstack */
};
_Static_assert((__builtin_offsetof(struct tl_thread_area, tb) + TL_TB_ROOM) % 4096 == 0,
               "a thread block ends its page");

#define TL_TB_CHECK(field, off) \
    _Static_assert(__builtin_offsetof(struct tl_thread_block, field) == (off), #field)
TL_TB_CHECK(scratch_rax, TB_SCRATCH_RAX);
TL_TB_CHECK(scratch_flags, TB_SCRATCH_FLAGS);
TL_TB_CHECK(stack_cur, TB_STACK_CUR);
TL_TB_CHECK(stack_base, TB_STACK_BASE);
TL_TB_CHECK(stack_top, TB_STACK_TOP);
TL_TB_CHECK(priv_rsp, TB_PRIV_RSP);
TL_TB_CHECK(inside, TB_INSIDE);
TL_TB_CHECK(syscall_entry, TB_SYSCALL_ENTRY);
TL_TB_CHECK(pending, TB_PENDING);
TL_TB_CHECK(int80_return, TB_INT80_RET);
TL_TB_CHECK(phase, TB_PHASE);
TL_TB_CHECK(after_call, TB_AFTER_CALL);

static inline struct tl_thread_block *tl_tb(void)
{
    struct tl_thread_block *tb;
    __asm__("mov %%gs:0, %0" : "=r"(tb));
    return tb;
}

/* For a built-in hook running before a call: a line its after-hook will
 * touch (slot 1 to 3), prefetched with the gate's own once the call
 * returns. After a system call the TLB is empty (PTI without PCID), and a
 * chain of loads each waiting for a page walk is what an after-hook
 * costs; named here, the walks overlap. */
static inline void tl_tb_hint_after_call(int slot, const volatile void *line)
{
    __asm__("mov %1, %%gs:%c0" ::"i"(TB_AFTER_CALL + 8 * slot), "r"(line));
}
#endif

#endif
