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
    /* Below: not used from assembly. */
    uint64_t client_fs;     /* the client's fs base, as it last set it */
    uint64_t host_fs;       /* the host thread block lent to this thread */
    int32_t pid, tid;
    uint32_t state;         /* enum tl_thread_state of the innermost frame */
    uint32_t depth;         /* gate frames live on this thread */
    struct tl_dispatch dispatch;
};

/* A thread's private stack with its block on top, in one mapping: the
 * frame of a call and the block share a page. */
#define TL_PRIVATE_STACK_SIZE (256 * 1024)
struct tl_thread_area {
    char stack[TL_PRIVATE_STACK_SIZE - ((sizeof(struct tl_thread_block) + 63) & ~63ul)];
    struct tl_thread_block tb __attribute__((aligned(64)));
};

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

static inline struct tl_thread_block *tl_tb(void)
{
    struct tl_thread_block *tb;
    __asm__("mov %%gs:0, %0" : "=r"(tb));
    return tb;
}
#endif

#endif
