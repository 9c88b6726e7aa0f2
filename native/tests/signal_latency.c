// Benchmark client: N (argv[1]) signals raised and handled (raise →
// handler → return), for the signal delivery latency.
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static volatile long handled;
static void on_usr1(int sig) { (void)sig; handled++; }

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	for (long i = 0; i < n; i++)
		raise(SIGUSR1);
	return handled != n;
}
