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
    void *process;          /* struct tl_process of the process it belongs to */
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

/* Size of a thread's private stack: gate frames, hooks, nested frames. */
#define TL_PRIVATE_STACK_SIZE (256 * 1024)

#endif
