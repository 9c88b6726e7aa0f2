// fork in a loop while 8 threads make system calls; each child starts
// threads of its own, joins them and exits. A child whose host side is
// broken by the fork (a lock held by a thread that does not exist in it)
// hangs or crashes. Usage: fork_threads [FORKS] (default 30).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int stop;

static void *busy(void *arg)
{
	while (!stop) {
		getppid();
		free(malloc(64));
	}
	return NULL;
}

static void *child_work(void *arg)
{
	for (int i = 0; i < 100; i++)
		getppid();
	return NULL;
}

int main(int argc, char **argv)
{
	int forks = argc > 1 ? atoi(argv[1]) : 30;
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, busy, NULL);
	int ok = 0;
	for (int i = 0; i < forks; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			pthread_t c[3];
			for (int j = 0; j < 3; j++)
				pthread_create(&c[j], NULL, child_work, NULL);
			for (int j = 0; j < 3; j++)
				pthread_join(c[j], NULL);
			_exit(7);
		}
		int status;
		if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7)
			ok++;
	}
	stop = 1;
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	printf("forks=%d ok=%d\n", forks, ok);
	return ok != forks;
}
