// A client that notices if a plugin touches its errno, its TLS or its
// program break: rounds of threads set errno and thread_local values, make
// system calls, and check both afterwards; the main thread grows the break
// with sbrk, fills the block, and checks block and break at the end.
// Usage: isolation_client [ROUNDS [THREADS]] (default 4 x 32).
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static __thread long tls_value;
static __thread char tls_text[64];
static int violations;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void violation(const char *what, long id)
{
	pthread_mutex_lock(&lock);
	if (violations++ < 10)
		fprintf(stderr, "violation: %s (thread %ld)\n", what, id);
	pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
	long id = (long)arg;
	tls_value = id * 7919;
	snprintf(tls_text, sizeof tls_text, "thread-%ld", id);
	for (int i = 0; i < 50; i++) {
		errno = 1000 + (int)id;
		getppid();
		if (errno != 1000 + id)
			violation("errno changed by getppid", id);
		int fd = open("/dev/null", O_WRONLY);
		if (fd < 0 || write(fd, tls_text, strlen(tls_text)) != (ssize_t)strlen(tls_text))
			violation("open/write", id);
		close(fd);
		errno = 0;
		if (open("/nonexistent/isolation", O_RDONLY) != -1 || errno != ENOENT)
			violation("errno of a failing open", id);
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (tls_value != id * 7919)
			violation("thread_local value", id);
		char want[64];
		snprintf(want, sizeof want, "thread-%ld", id);
		if (strcmp(tls_text, want))
			violation("thread_local text", id);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 4;
	int threads = argc > 2 ? atoi(argv[2]) : 32;
	const size_t block = 256 * 1024;
	char *start = sbrk(0);
	char *mem = sbrk((intptr_t)block);
	if (mem == (void *)-1 || mem != start) {
		printf("sbrk failed\n");
		return 1;
	}
	for (size_t i = 0; i < block; i++)
		mem[i] = (char)(i * 31);
	pthread_t *t = calloc((size_t)threads, sizeof *t);
	for (int r = 0; r < rounds; r++) {
		for (long i = 0; i < threads; i++)
			pthread_create(&t[i], NULL, worker, (void *)(r * 1000 + i));
		for (int i = 0; i < threads; i++)
			pthread_join(t[i], NULL);
		printf("round %d: %d threads done\n", r, threads);
	}
	worker((void *)4242);
	for (size_t i = 0; i < block; i++)
		if (mem[i] != (char)(i * 31)) {
			violation("sbrk block contents", -1);
			break;
		}
	/* malloc may have grown the break further, but never below our block. */
	if ((char *)sbrk(0) < mem + block)
		violation("program break moved down", -1);
	printf("violations: %d\n", violations);
	return violations != 0;
}
