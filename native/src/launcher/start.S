/* start.S - entry of trapline-launch: no libc, so no crt1. */
    .text
    .globl _start
    .type _start, @function
_start:
    xor %ebp, %ebp
    mov %rsp, %rdi          /* argc, argv..., envp... */
    and $-16, %rsp
    call tl_launcher_main
    ud2
    .size _start, . - _start
    .section .note.GNU-stack, "", @progbits
