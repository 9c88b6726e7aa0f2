// Thread churn (argv[1] rounds of argv[2] threads, default 250 x 40 =
// 10,000 thread create+join): each thread makes one gettid call and
// returns its answer, which must match what pthread_create's caller sees.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *work(void *arg)
{
	(void)arg;
	return (void *)syscall(SYS_gettid);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 250, n = argc > 2 ? atoi(argv[2]) : 40;
	long good = 0;
	pthread_t *t = calloc((size_t)n, sizeof *t);
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < n; i++)
			if (pthread_create(&t[i], NULL, work, NULL))
				return 2;
		for (int i = 0; i < n; i++) {
			void *v;
			pthread_join(t[i], &v);
			good += (long)v > 0 && (long)v != (long)getpid();
		}
	}
	printf("thread_churn: %d threads, %ld answered\n", rounds * n, good);
	return good != (long)rounds * n;
}
