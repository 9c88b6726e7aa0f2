/* frame.h - a gate frame: the client's registers at a system call.
 *
 * Built by tl_gate_syscall_entry on the thread's private stack, one per
 * intercepted call, nested when a client signal handler re-enters the gate.
 * The layout is fixed by the push order in gate_entry.S. */
#ifndef TRAPLINE_GATE_FRAME_H
#define TRAPLINE_GATE_FRAME_H

#define F_RAX 0
#define F_RDI 8
#define F_RSI 16
#define F_RDX 24
#define F_R10 32
#define F_R8 40
#define F_R9 48
#define F_RBX 56
#define F_RBP 64
#define F_R12 72
#define F_R13 80
#define F_R14 88
#define F_R15 96
#define F_SAVED_STACK_CUR 104
#define F_SAVED_PRIV_RSP 112
#define F_RFLAGS 120
#define F_RESUME 128
#define F_RSP 136
#define F_SIZE 144

#ifndef __ASSEMBLER__
#include <stdint.h>

struct tl_frame {
    uint64_t rax, rdi, rsi, rdx, r10, r8, r9;
    uint64_t rbx, rbp, r12, r13, r14, r15;
    uint64_t saved_stack_cur, saved_priv_rsp;
    uint64_t rflags;
    uint64_t resume;   /* stub continuation: starts with lea site_next(%rip), %rcx */
    uint64_t rsp;      /* the client's stack pointer */
};
_Static_assert(sizeof(struct tl_frame) == F_SIZE, "frame layout");
_Static_assert(__builtin_offsetof(struct tl_frame, rflags) == F_RFLAGS, "rflags");
_Static_assert(__builtin_offsetof(struct tl_frame, rsp) == F_RSP, "rsp");

/* The address after the client's syscall instruction, read back from the
 * `lea disp32(%rip), %rcx` that starts every stub continuation. */
static inline uint64_t tl_frame_site(const struct tl_frame *f)
{
    return f->resume + 7 + (uint64_t)(int64_t)*(const int32_t *)(f->resume + 3);
}
#endif
#endif
