// Benchmark client: N (argv[1], default 1000000) getppid system calls.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	long sum = 0;
	for (long i = 0; i < n; i++)
		sum += getppid();
	if (sum != n * (long)getppid()) {
		fprintf(stderr, "getppid_loop: bad sum\n");
		return 1;
	}
	return 0;
}
