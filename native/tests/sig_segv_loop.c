// N (argv[1]) SIGSEGV faults, each left with siglongjmp; memory must stay
// flat (no gate frame or stack leaks per fault).
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sigjmp_buf env;
static void on_segv(int sig) { (void)sig; siglongjmp(env, 1); }

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, rss = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &size, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000, caught = 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, NULL);
	long before = 0;
	for (long i = 0; i < n; i++) {
		if (i == n / 10)
			before = rss_kb();
		if (sigsetjmp(env, 1) == 0)
			*(volatile int *)16 = 1;
		else
			caught++;
	}
	long grown = rss_kb() - before;
	printf("segv: caught=%ld of %ld, rss growth small=%d\n", caught, n, grown < 1024);
	return caught != n || grown >= 1024;
}
