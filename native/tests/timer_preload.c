// Preloaded into a program (LD_PRELOAD) to run it with a signal handler
// installed and a 1 ms interval timer firing throughout: its output must
// not change, natively or under trapline.
#include <signal.h>
#include <string.h>
#include <sys/time.h>

static volatile unsigned long ticks;
static void tick(int sig) { (void)sig; ticks++; }

__attribute__((constructor)) static void start_timer(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tick;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}
