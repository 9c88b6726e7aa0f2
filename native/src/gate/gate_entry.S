/* gate_entry.S - the doors between client code and the gate.
 *
 * tl_gate_syscall_entry: every rewritten syscall site jumps here (through
 *   `jmp *%gs:TB_SYSCALL_ENTRY`) with the client's registers, rcx holding the
 *   stub continuation. Nothing is written to the client's stack: the frame
 *   goes on the private stack, and flags are saved with lahf/seto before the
 *   first flag-changing instruction.
 * tl_gate_real_call: issues the client's own call in the client's state.
 * tl_vdso_*: entry points that the vDSO's symbol table is pointed at. */
#include "../base/thread_block.h"
#include "frame.h"

#define TL_CLONE_SLOTS 64 /* threads.c */

/* Picks the private stack for a new gate frame into \out, given the
 * client's rsp in \rsp_in: below a client handler that is itself running
 * on the private stack, else at stack_cur. Changes flags. */
    .macro SELECT_PRIVATE_STACK rsp_in, out
    mov %gs:TB_STACK_CUR, \out
    cmp %gs:TB_STACK_BASE, \rsp_in
    jb 1f
    cmp %gs:TB_STACK_TOP, \rsp_in
    jae 1f
    lea -128(\rsp_in), \out
    and $-16, \out
1:
    .endm

/* The doors every call goes through first (src/base/hot_text.h); the
 * rest of this file in the ordinary freestanding text (src/gate/gate.ld). */
    .section .text.tl_gate_hot, "ax", @progbits
    .p2align 4
    .globl tl_gate_syscall_entry
    .type tl_gate_syscall_entry, @function
tl_gate_syscall_entry:
    movq $0, %gs:TB_PHASE
    mov %rax, %gs:TB_SCRATCH_RAX
    lahf
    seto %al
    mov %ax, %gs:TB_SCRATCH_FLAGS
    mov %rsp, %r11
    SELECT_PRIVATE_STACK %r11, %rax
    mov %rax, %rsp
    push %r11                       /* F_RSP */
    push %rcx                       /* F_RESUME */
    pushfq                          /* F_RFLAGS, arithmetic bits fixed next */
    movzwl %gs:TB_SCRATCH_FLAGS, %eax
    movzbl %ah, %ecx                /* SF ZF AF PF CF as lahf saw them */
    movzbl %al, %eax                /* OF */
    shl $11, %eax
    or %eax, %ecx
    andq $~0x8d5, (%rsp)
    or %rcx, (%rsp)
    pushq %gs:TB_PRIV_RSP           /* F_SAVED_PRIV_RSP */
    pushq %gs:TB_STACK_CUR          /* F_SAVED_STACK_CUR */
    push %r15
    push %r14
    push %r13
    push %r12
    push %rbp
    push %rbx
    push %r9
    push %r8
    push %r10
    push %rdx
    push %rsi
    push %rdi
    pushq %gs:TB_SCRATCH_RAX        /* F_RAX */
    mov %rsp, %rdi
    cld
    call tl_gate_dispatch
    .globl tl_gate_exit
tl_gate_exit:
    pop %rax
    pop %rdi
    pop %rsi
    pop %rdx
    pop %r10
    pop %r8
    pop %r9
    pop %rbx
    pop %rbp
    pop %r12
    pop %r13
    pop %r14
    pop %r15
    popq %gs:TB_STACK_CUR
    popq %gs:TB_PRIV_RSP
    popfq
    mov -8(%rsp), %r11              /* rflags, as the kernel leaves r11 */
    mov (%rsp), %rcx
    mov 8(%rsp), %rsp
    jmp *%rcx                       /* continuation sets rcx to the site */
    .globl tl_gate_exit_end
tl_gate_exit_end:
    .size tl_gate_syscall_entry, . - tl_gate_syscall_entry

/* int tl_gate_real_call(struct tl_frame *f): the client's call, issued with
 * its registers and stack pointer; f->rax receives the result. Returns 1
 * without issuing it when a signal is held for the client: from the check
 * to the syscall instruction is the restartable window (signals.c moves a
 * thread interrupted there to tl_gate_real_call_abort). */
    .macro REAL_CALL_PROLOGUE
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    push %rdi
    mov %rsp, %gs:TB_PRIV_RSP
    /* A handler interrupting the call re-enters the gate below this. */
    lea -256(%rsp), %rax
    and $-16, %rax
    mov %rax, %gs:TB_STACK_CUR
    mov F_RSI(%rdi), %rsi
    mov F_RDX(%rdi), %rdx
    mov F_R10(%rdi), %r10
    mov F_R8(%rdi), %r8
    mov F_R9(%rdi), %r9
    mov F_RBX(%rdi), %rbx
    mov F_RBP(%rdi), %rbp
    mov F_R12(%rdi), %r12
    mov F_R13(%rdi), %r13
    mov F_R14(%rdi), %r14
    mov F_R15(%rdi), %r15
    mov F_RAX(%rdi), %rax
    mov F_RSP(%rdi), %rsp
    mov F_RDI(%rdi), %rdi
    .endm

    .p2align 4
    .globl tl_gate_real_call
    .type tl_gate_real_call, @function
tl_gate_real_call:
    REAL_CALL_PROLOGUE
    .globl tl_gate_window_start
tl_gate_window_start:
    cmpq $0, %gs:TB_PENDING
    jne tl_gate_real_call_abort
    .globl tl_gate_syscall_insn
tl_gate_syscall_insn:
    syscall
    .globl tl_gate_syscall_done
tl_gate_syscall_done:
    mov %gs:TB_PRIV_RSP, %rsp
    pop %rdi
    /* With PTI and no PCID a system call empties the TLB. Start the page
     * walks for what the way back touches (the client's stack, the stub's
     * continuation, the site, lines hooks named) now, so that they overlap
     * instead of following one another. A prefetch never faults. */
    mov F_RSP(%rdi), %rcx
    prefetcht0 (%rcx)
    mov F_RESUME(%rdi), %rcx
    prefetcht0 (%rcx)
    mov %gs:TB_AFTER_CALL, %rcx
    prefetcht0 (%rcx)
    mov %gs:TB_AFTER_CALL + 8, %rcx
    prefetcht0 (%rcx)
    mov %gs:TB_AFTER_CALL + 16, %rcx
    prefetcht0 (%rcx)
    mov %gs:TB_AFTER_CALL + 24, %rcx
    prefetcht0 (%rcx)
    mov %rax, F_RAX(%rdi)
    xor %eax, %eax
1:  pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    .globl tl_gate_real_call_abort
tl_gate_real_call_abort:
    mov %gs:TB_PRIV_RSP, %rsp
    pop %rdi
    mov $1, %eax
    jmp 1b
    .size tl_gate_real_call, . - tl_gate_real_call

/* void tl_gate_real_call_nocheck(struct tl_frame *f): the same, always
 * issued (host context, calls made on the gate's own behalf). */
    .p2align 4
    .globl tl_gate_real_call_nocheck
    .type tl_gate_real_call_nocheck, @function
tl_gate_real_call_nocheck:
    REAL_CALL_PROLOGUE
    syscall
    jmp tl_gate_syscall_done
    .size tl_gate_real_call_nocheck, . - tl_gate_real_call_nocheck

    .section .text.tl_gate, "ax", @progbits

/* long tl_gate_clone(struct tl_frame *f): the client's clone or clone3 of a
 * thread (or a CLONE_VM child), issued like tl_gate_real_call. The parent
 * gets the result. The child, on its own stack with the parent's %gs, takes
 * the block prepared for it (tl_gate.clone_child, see threads.c), then
 * leaves through the gate's exit with the registers threads.c gives it. */
    .p2align 4
    .globl tl_gate_clone
    .type tl_gate_clone, @function
tl_gate_clone:
    REAL_CALL_PROLOGUE
    syscall
    test %rax, %rax
    jz 1f
    jmp tl_gate_syscall_done
1:  mov %rsp, %rbx                  /* the child's stack, as the kernel set it */
    mov $39, %eax                   /* getpid */
    syscall
    mov %eax, %r12d
    mov $186, %eax                  /* gettid */
    syscall
    mov %eax, %r13d
    cmp %r12d, %r13d
    jne 4f
    /* A new process sharing memory (vfork, posix_spawn): the block its
     * parent published before the call. */
    mov tl_clone_child(%rip), %rsi
    jmp 3f
    /* A thread: the block its parent publishes under its tid once the
     * call has returned (the parent does not wait for the child). */
4:  lea tl_clone_table(%rip), %rdi
    mov $TL_CLONE_SLOTS, %ecx
5:  cmp %r13d, (%rdi)
    je 6f
    add $16, %rdi
    dec %ecx
    jnz 5b
    pause
    jmp 4b
6:  mov 8(%rdi), %rsi
    movl $0, (%rdi)                 /* the slot is free again */
3:  mov $158, %eax                  /* arch_prctl(ARCH_SET_GS, block) */
    mov $0x1001, %edi
    syscall
    mov %gs:TB_STACK_TOP, %rsp
    sub $512, %rsp                  /* below the frame it builds at the top */
    mov %rbx, %rdi
    call tl_threads_child_start     /* returns the frame to leave with */
    mov %rax, %rsp
    jmp tl_gate_exit
    .size tl_gate_clone, . - tl_gate_clone

/* long tl_safe_copy(void *dst, const void *src, size_t n): 0, or -EFAULT
 * if client memory faulted; signals.c moves a faulting thread from the
 * copy to tl_safe_copy_fault. */
    .p2align 4
    .globl tl_safe_copy
    .type tl_safe_copy, @function
tl_safe_copy:
    mov %rdx, %rcx
    rep movsb
    .globl tl_safe_copy_end
tl_safe_copy_end:
    xor %eax, %eax
    ret
    .globl tl_safe_copy_fault
tl_safe_copy_fault:
    mov $-14, %rax
    ret
    .size tl_safe_copy, . - tl_safe_copy

/* int $0x80 caught by Syscall User Dispatch: i386 calls run unchanged from
 * inside the allowed range. */
    .p2align 4
    .globl tl_gate_int80
tl_gate_int80:
    int $0x80
    jmp *%gs:TB_INT80_RET

/* void tl_gate_sigreturn(struct tl_frame *f): pops the frame and issues
 * rt_sigreturn on the client's stack. Does not return. */
    .p2align 4
    .globl tl_gate_sigreturn
    .type tl_gate_sigreturn, @function
tl_gate_sigreturn:
    mov F_SAVED_STACK_CUR(%rdi), %rax
    mov %rax, %gs:TB_STACK_CUR
    mov F_SAVED_PRIV_RSP(%rdi), %rax
    mov %rax, %gs:TB_PRIV_RSP
    mov F_RSP(%rdi), %rsp
    mov $15, %eax
    syscall
    ud2
    .size tl_gate_sigreturn, . - tl_gate_sigreturn

/* The restorer of trapline's own signal handlers. */
    .p2align 4
    .globl tl_signal_restorer
    .type tl_signal_restorer, @function
tl_signal_restorer:
    mov $15, %eax
    syscall
    ud2
    .size tl_signal_restorer, . - tl_signal_restorer

/* vDSO entries: function-call ABI, so rax, rcx... r11 and flags are free. */
    .section .text.tl_gate_warm, "ax", @progbits
    .p2align 4
    .type tl_vdso_entry, @function
tl_vdso_entry:
    movq $0, %gs:TB_PHASE
    cmpq $0, %gs:TB_INSIDE
    jne 2f
    mov %rsp, %r11
    SELECT_PRIVATE_STACK %r11, %r10
    mov %r10, %rsp
    push %r11
    push %r11
    mov %eax, %r9d
    call tl_vdso_dispatch
    mov (%rsp), %rsp
    ret
2:  lea tl_vdso_original(%rip), %r11
    jmp *(%r11,%rax,8)
    .size tl_vdso_entry, . - tl_vdso_entry

    .macro VDSO_ENTRY name, id
    .globl tl_vdso_\name
    .type tl_vdso_\name, @function
tl_vdso_\name:
    mov $\id, %eax
    jmp tl_vdso_entry
    .size tl_vdso_\name, . - tl_vdso_\name
    .endm

    VDSO_ENTRY clock_gettime, 0
    VDSO_ENTRY gettimeofday, 1
    VDSO_ENTRY time, 2
    VDSO_ENTRY getcpu, 3
    VDSO_ENTRY clock_getres, 4
    VDSO_ENTRY getrandom, 5

    .section .note.GNU-stack, "", @progbits
