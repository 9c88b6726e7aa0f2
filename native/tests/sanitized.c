// Built with -fsanitize=address and with -fsanitize=thread: sanitizers map
// their shadow memory at fixed addresses, so trapline's own memory must lie
// where they accept it. A little heap and thread work, checked.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void *work(void *arg)
{
	long n = (long)arg;
	char *buf = malloc(4096);
	memset(buf, (int)n, 4096);
	long sum = 0;
	for (int i = 0; i < 4096; i++)
		sum += buf[i];
	free(buf);
	pthread_mutex_lock(&lock);
	total += sum;
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work, (void *)(i + 1));
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("sanitized: total=%ld\n", total);
	return total != 4096L * (1 + 2 + 3 + 4);
}
