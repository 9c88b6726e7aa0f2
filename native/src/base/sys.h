/* sys.h - the whole OS boundary of trapline's freestanding code.
 *
 * The gate, the loader and raw plugins run while the client owns the thread:
 * its fs base, its errno, its signal mask. They may not call libc. Every
 * system call they make goes through these inline functions, modelled on
 * musl's syscall_arch.h: a bare `syscall` instruction that touches nothing
 * but rax, rcx and r11. Results are raw kernel results (-errno on failure). */
#ifndef TRAPLINE_BASE_SYS_H
#define TRAPLINE_BASE_SYS_H

#include <stddef.h>
#include <stdint.h>

#define TL_INLINE static inline __attribute__((always_inline))

TL_INLINE long tl_sys0(long n)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n) : "rcx", "r11", "memory");
    return r;
}

TL_INLINE long tl_sys1(long n, long a)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a) : "rcx", "r11", "memory");
    return r;
}

TL_INLINE long tl_sys2(long n, long a, long b)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b)
                     : "rcx", "r11", "memory");
    return r;
}

TL_INLINE long tl_sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return r;
}

TL_INLINE long tl_sys4(long n, long a, long b, long c, long d)
{
    long r;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return r;
}

TL_INLINE long tl_sys6(long n, long a, long b, long c, long d, long e, long f)
{
    long r;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall" : "=a"(r)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return r;
}

/* Syscall numbers trapline itself uses (x86-64). */
enum {
    TL_NR_read = 0, TL_NR_write = 1, TL_NR_open = 2, TL_NR_close = 3,
    TL_NR_mmap = 9, TL_NR_mprotect = 10, TL_NR_munmap = 11,
    TL_NR_rt_sigaction = 13, TL_NR_rt_sigprocmask = 14, TL_NR_rt_sigreturn = 15,
    TL_NR_pread64 = 17, TL_NR_access = 21, TL_NR_getpid = 39, TL_NR_clone = 56,
    TL_NR_fork = 57, TL_NR_vfork = 58, TL_NR_execve = 59, TL_NR_exit = 60,
    TL_NR_kill = 62, TL_NR_readlink = 89, TL_NR_gettid = 186, TL_NR_tkill = 200,
    TL_NR_arch_prctl = 158, TL_NR_prctl = 157, TL_NR_exit_group = 231,
    TL_NR_tgkill = 234, TL_NR_openat = 257, TL_NR_newfstatat = 262,
    TL_NR_readlinkat = 267, TL_NR_faccessat = 269, TL_NR_execveat = 322,
    TL_NR_getrandom = 318, TL_NR_statx = 332, TL_NR_futex = 202,
    TL_NR_clone3 = 435, TL_NR_faccessat2 = 439,
    TL_NR_stat = 4, TL_NR_lstat = 6, TL_NR_sigaltstack = 131, TL_NR_rt_sigpending = 127,
    TL_NR_rt_sigsuspend = 130, TL_NR_ppoll = 271, TL_NR_pselect6 = 270, TL_NR_epoll_pwait = 281,
    TL_NR_epoll_pwait2 = 441, TL_NR_mremap = 25, TL_NR_madvise = 28,
};

#define TL_ARCH_SET_GS 0x1001
#define TL_ARCH_SET_FS 0x1002
#define TL_ARCH_GET_FS 0x1003
#define TL_ARCH_GET_GS 0x1004

TL_INLINE int tl_is_err(unsigned long r) { return r > -4096UL; }

TL_INLINE long tl_write(int fd, const void *buf, size_t n)
{
    return tl_sys3(TL_NR_write, fd, (long)buf, (long)n);
}

/* Private futexes: sleep while *word == value; wake up to n sleepers. */
TL_INLINE void tl_futex_wait(volatile int *word, int value)
{
    tl_sys4(TL_NR_futex, (long)word, 128 /* FUTEX_WAIT_PRIVATE */, value, 0);
}
TL_INLINE void tl_futex_wake(volatile int *word, int n)
{
    tl_sys3(TL_NR_futex, (long)word, 129 /* FUTEX_WAKE_PRIVATE */, n);
}
/* Makes [addr, addr+len) present and writable now, in one call: a page
 * that faults in later (or is a copy after a fork) costs about 20 µs on a
 * paravirtualised machine, one populated here about 1.3 µs. Only for
 * pages that will be written anyway; failures are harmless. */
TL_INLINE void tl_populate_write(const void *addr, size_t len)
{
    uintptr_t lo = (uintptr_t)addr & ~(uintptr_t)4095, hi = ((uintptr_t)addr + len + 4095) & ~(uintptr_t)4095;
    tl_sys3(TL_NR_madvise, (long)lo, (long)(hi - lo), 23 /* MADV_POPULATE_WRITE */);
}
/* Maps [addr, addr+len) of a file mapping now, in one call: pages the page
 * cache holds cost about 0.1 µs each here, a read fault about 8 µs. Linux
 * 5.14; older kernels refuse it, harmlessly. */
TL_INLINE void tl_populate_read(const void *addr, size_t len)
{
    uintptr_t lo = (uintptr_t)addr & ~(uintptr_t)4095, hi = ((uintptr_t)addr + len + 4095) & ~(uintptr_t)4095;
    tl_sys3(TL_NR_madvise, (long)lo, (long)(hi - lo), 22 /* MADV_POPULATE_READ */);
}

TL_INLINE long tl_getpid(void) { return tl_sys0(TL_NR_getpid); }
TL_INLINE long tl_gettid(void) { return tl_sys0(TL_NR_gettid); }

TL_INLINE __attribute__((noreturn)) void tl_exit_group(int status)
{
    for (;;)
        tl_sys1(TL_NR_exit_group, status);
}

#endif
