// 50 threads x 10 rounds making syscalls (argv[1] rounds, argv[2] threads):
// every call's result is checked; the totals must come out exact.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *work(void *arg)
{
	long id = (long)arg, ok = 0;
	pid_t pid = getpid();
	for (int i = 0; i < 200; i++) {
		ok += syscall(SYS_getpid) == pid;
		ok += syscall(SYS_gettid) > 0;
	}
	return (void *)(ok + id * 0);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10, n = argc > 2 ? atoi(argv[2]) : 50;
	long total = 0;
	pthread_t *t = calloc((size_t)n, sizeof *t);
	for (int r = 0; r < rounds; r++) {
		for (long i = 0; i < n; i++)
			if (pthread_create(&t[i], NULL, work, (void *)i))
				return 2;
		for (int i = 0; i < n; i++) {
			void *v;
			pthread_join(t[i], &v);
			total += (long)v;
		}
	}
	printf("threads: %d rounds x %d threads, %ld good calls of %ld\n", rounds, n, total, (long)rounds * n * 400);
	return total != (long)rounds * n * 400;
}
