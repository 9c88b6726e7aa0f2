// Benchmark client: N (argv[1], default 1000000) getppid
// system calls, a call with no arguments to copy and nothing to cache.
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	long sum = 0, want = (long)getppid();
	for (long i = 0; i < n; i++)
		sum += syscall(SYS_getppid);
	if (sum != n * want) {
		fprintf(stderr, "getppid_loop: bad sum\n");
		return 1;
	}
	return 0;
}
