// Benchmark client: N (argv[1], default 1000000) clock_gettime(CLOCK_MONOTONIC)
// calls, each answered by the vDSO.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec ts, prev = { 0, 0 };
	for (long i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec < prev.tv_sec || (ts.tv_sec == prev.tv_sec && ts.tv_nsec < prev.tv_nsec)) {
			fprintf(stderr, "clock_loop: time went backwards\n");
			return 1;
		}
		prev = ts;
	}
	return 0;
}
