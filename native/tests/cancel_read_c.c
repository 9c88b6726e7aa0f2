// pthread_cancel of a thread blocked in read; a cleanup handler in the
// cancelled thread must run (built with musl too, whose cancellation checks
// the interrupted PC against its cancellation points).
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int cleaned;
static int fds[2];

static void cleanup(void *arg) { (void)arg; cleaned = 1; }

static void *reader(void *arg)
{
	(void)arg;
	char c;
	pthread_cleanup_push(cleanup, NULL);
	ssize_t r = read(fds[0], &c, 1);
	printf("read returned %zd\n", r);
	pthread_cleanup_pop(0);
	return NULL;
}

int main(void)
{
	if (pipe(fds))
		return 2;
	pthread_t t;
	pthread_create(&t, NULL, reader, NULL);
	usleep(100000);
	pthread_cancel(t);
	void *res;
	pthread_join(t, &res);
	printf("cancel: canceled=%d cleanup=%d\n", res == PTHREAD_CANCELED, cleaned);
	return !(res == PTHREAD_CANCELED && cleaned);
}
