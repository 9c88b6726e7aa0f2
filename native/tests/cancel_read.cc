// pthread_cancel of a thread blocked in read, with a C++ destructor in the
// cancelled frames that must run (glibc unwinds through the signal frame).
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int destroyed;
static int fds[2];

struct Guard {
	~Guard() { destroyed = 1; }
};

static void *reader(void *)
{
	Guard g;
	char c;
	ssize_t r = read(fds[0], &c, 1); // blocks until cancelled
	printf("read returned %zd\n", r);
	return nullptr;
}

int main()
{
	if (pipe(fds))
		return 2;
	pthread_t t;
	pthread_create(&t, nullptr, reader, nullptr);
	usleep(100000);
	pthread_cancel(t);
	void *res;
	pthread_join(t, &res);
	printf("cancel: canceled=%d destructor=%d\n", res == PTHREAD_CANCELED, destroyed);
	return !(res == PTHREAD_CANCELED && destroyed);
}
