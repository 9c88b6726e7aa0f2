// Benchmark client: N (argv[1], default 1000000) getpid system calls through
// syscall(2), so libc's pid cache cannot answer them.
#ifndef _GNU_SOURCE /* also set by the Makefile */
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	long sum = 0;
	for (long i = 0; i < n; i++)
		sum += syscall(SYS_getpid);
	if (sum != n * (long)getpid()) {
		fprintf(stderr, "getpid_loop: bad sum\n");
		return 1;
	}
	return 0;
}
