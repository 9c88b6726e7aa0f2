// Built with -fsanitize=thread: two threads write one variable without a
// lock. ThreadSanitizer reports the race (and exits 66) natively and must
// report the same under trapline.
#include <pthread.h>
#include <stdio.h>

static long shared;

static void *writer(void *arg)
{
	for (int i = 0; i < 1000; i++)
		shared += (long)arg;
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, writer, (void *)1);
	pthread_create(&b, NULL, writer, (void *)2);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("done\n");
	return 0;
}
