// Calls every vDSO function libc reaches — clock_gettime, gettimeofday,
// time, getcpu (getcpu(3), also sched_getcpu) and clock_getres — N times each (N = argv[1],
// default 100) and checks that the answers are sane: CLOCK_MONOTONIC never
// goes backwards, CLOCK_REALTIME/gettimeofday/time agree within a few
// seconds, the cpu is below the number of configured cpus, resolutions are
// positive and small. Prints "vdso_calls: ok N" and exits 0, or names the
// problem and exits 1.
#ifndef _GNU_SOURCE /* also set by the Makefile */
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                               \
	do {                                                           \
		if (!(cond) && failures++ < 20) {                      \
			fprintf(stderr, "vdso_calls: " __VA_ARGS__);   \
			fputc('\n', stderr);                           \
		}                                                      \
	} while (0)

static long long ns(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	struct timespec prev = { 0, 0 }, now, real, res;
	struct timeval tv;

	for (int i = 0; i < n; i++) {
		CHECK(clock_gettime(CLOCK_MONOTONIC, &now) == 0, "clock_gettime(MONOTONIC) failed");
		CHECK(ns(&now) >= ns(&prev), "CLOCK_MONOTONIC went backwards: %lld < %lld", ns(&now), ns(&prev));
		CHECK(now.tv_nsec >= 0 && now.tv_nsec < 1000000000L, "tv_nsec out of range: %ld", now.tv_nsec);
		prev = now;

		CHECK(gettimeofday(&tv, NULL) == 0, "gettimeofday failed");
		CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000L, "tv_usec out of range: %ld", (long)tv.tv_usec);
		time_t t = time(NULL);
		time_t t2;
		CHECK(time(&t2) >= t, "time() went backwards");
		CHECK(t2 >= t, "time(&t) stored %lld < %lld", (long long)t2, (long long)t);
		CHECK(clock_gettime(CLOCK_REALTIME, &real) == 0, "clock_gettime(REALTIME) failed");
		CHECK(llabs((long long)real.tv_sec - (long long)tv.tv_sec) <= 2, "REALTIME and gettimeofday disagree");
		CHECK(llabs((long long)real.tv_sec - (long long)t) <= 2, "REALTIME and time() disagree");
		CHECK(t > 1500000000, "time() is implausible: %lld", (long long)t);

		/* getcpu(2) through glibc's wrapper goes to the vDSO; sched_getcpu()
		 * may answer from rseq's cpu_id without any call. */
		unsigned int cpu = ~0u, node = ~0u;
		CHECK(getcpu(&cpu, &node) == 0, "getcpu failed");
		CHECK(cpu < (unsigned long)ncpu, "getcpu() cpu = %u, cpus configured %ld", cpu, ncpu);
		CHECK(node < 1024, "getcpu() node = %u", node);
		int scpu = sched_getcpu();
		CHECK(scpu >= 0 && scpu < ncpu, "sched_getcpu() = %d, cpus configured %ld", scpu, ncpu);

		CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0, "clock_getres failed");
		CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000L,
		      "clock_getres(MONOTONIC) = %lld.%09ld", (long long)res.tv_sec, res.tv_nsec);
	}
	/* An invalid clock gets EINVAL, as natively. */
	CHECK(clock_gettime((clockid_t)12345, &now) == -1, "clock_gettime(bogus clock) succeeded");

	if (failures) {
		printf("vdso_calls: FAILED\n");
		return 1;
	}
	printf("vdso_calls: ok %d\n", n);
	return 0;
}
