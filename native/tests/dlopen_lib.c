// Shared library loaded at run time by dlopen_main: its code is mapped after
// start-up, so trapline only sees its syscalls if it rewrites every later
// file-backed executable mapping. Built as native/build/tests/libdlopen_lib.so.
#ifndef _GNU_SOURCE /* also set by the Makefile */
#define _GNU_SOURCE
#endif
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* getppid through a syscall instruction in this object's own code (not
 * libc's), so only a rewrite of this object (or the backstop) sees it. */
static long raw_getppid(void)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "0"((long)SYS_getppid) : "rcx", "r11", "memory");
	return ret;
}

/* Makes `n` getppid calls with its own syscall instruction, one more through
 * libc's syscall(3), and writes one line to fd 1 with its own syscall
 * instruction. Returns how many of the `n` raw calls agreed with libc's. */
int dlopen_lib_work(int n)
{
	long first = syscall(SYS_getppid);
	int same = 0;
	for (int i = 0; i < n; i++)
		if (raw_getppid() == first)
			same++;
	/* A raw syscall instruction in this object's own code. */
	static const char msg[] = "dlopen_lib: hello from the library\n";
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_write), "D"(1L), "S"(msg), "d"((long)(sizeof msg - 1))
			 : "rcx", "r11", "memory");
	if (ret != (long)(sizeof msg - 1))
		return -1;
	return same;
}
