// Resident memory per live thread: starts THREADS threads (default 1000)
// that each make a few system calls and then wait at a barrier, and prints
// the process's VmRSS before they start and while all of them are alive.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_barrier_t all_started, may_exit;

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			kib = atol(line + 6);
	if (f)
		fclose(f);
	return kib;
}

static void *worker(void *arg)
{
	for (int i = 0; i < 3; i++)
		getppid();
	pthread_barrier_wait(&all_started);
	pthread_barrier_wait(&may_exit);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	pthread_t *t = calloc((size_t)n, sizeof *t);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_barrier_init(&all_started, NULL, (unsigned)n + 1);
	pthread_barrier_init(&may_exit, NULL, (unsigned)n + 1);
	getppid();
	long before = rss_kib();
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], &attr, worker, NULL)) {
			fprintf(stderr, "threads_rss: pthread_create failed at %d\n", i);
			return 1;
		}
	pthread_barrier_wait(&all_started);
	long live = rss_kib();
	pthread_barrier_wait(&may_exit);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("threads=%d rss_kib_before=%ld rss_kib_live=%ld\n", n, before, live);
	return 0;
}
