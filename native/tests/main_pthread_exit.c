// The main thread ends with pthread_exit while a worker goes on: the image
// ends with the last thread, and plugins see that end (count's record).
// The worker also dlopens a library, so host work runs on a worker thread.
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static const char *lib;

static void *worker(void *arg)
{
	(void)arg;
	usleep(50000);
	void *h = dlopen(lib, RTLD_NOW);
	int (*fn)(int) = h ? (int (*)(int))dlsym(h, "dlopen_lib_work") : NULL;
	printf("worker: dlopen %s, work=%d\n", h ? "ok" : "failed", fn ? fn(5) : -1);
	fflush(stdout);
	return NULL;
}

int main(int argc, char **argv)
{
	lib = argc > 1 ? argv[1] : "libdlopen_lib.so";
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	puts("main: pthread_exit");
	fflush(stdout);
	pthread_exit(NULL);
}
