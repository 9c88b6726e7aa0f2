// Benchmark client: N (argv[1], default 1000000) getppid
// system calls, a call with no arguments to copy and nothing to cache.
//
// With --per-call it also times each call (TSC, converted to ns against
// CLOCK_MONOTONIC over the loop) and prints
//   per-call ns: mean M median D
// The median shrugs off what a busy machine adds to some calls; the mean
// is the loop's whole cost, stalls included, without start-up.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define BUCKETS 65536 /* per-call TSC ticks; slower calls share the last */

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	int per_call = argc > 2 && strcmp(argv[2], "--per-call") == 0;
	long sum = 0, want = (long)getppid();
	if (!per_call) {
		for (long i = 0; i < n; i++)
			sum += syscall(SYS_getppid);
	} else {
		static uint32_t hist[BUCKETS];
		double t0 = now_ns();
		uint64_t c0 = __rdtsc();
		for (long i = 0; i < n; i++) {
			uint64_t a = __rdtsc();
			sum += syscall(SYS_getppid);
			uint64_t d = __rdtsc() - a;
			hist[d < BUCKETS ? d : BUCKETS - 1]++;
		}
		uint64_t c1 = __rdtsc();
		double ns_per_tick = (now_ns() - t0) / (double)(c1 - c0);
		long seen = 0, median = 0;
		for (long b = 0; b < BUCKETS; b++)
			if ((seen += hist[b]) * 2 >= n) {
				median = b;
				break;
			}
		printf("per-call ns: mean %.1f median %.1f\n", n ? (c1 - c0) * ns_per_tick / n : 0.0,
		       median * ns_per_tick);
	}
	if (sum != n * want) {
		fprintf(stderr, "getppid_loop: bad sum\n");
		return 1;
	}
	return 0;
}
