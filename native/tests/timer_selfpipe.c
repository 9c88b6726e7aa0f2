// A 200 µs interval timer whose handler checks the thread's thread_local
// values and errno-safety, and writes to a self-pipe that the main thread
// blocks reading. If a signal were delivered in the wrong state (on a host
// thread block, or lost while deferred) the checks fail or the read hangs.
// Usage: timer_selfpipe [READS] (default 300).
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static __thread long tls_marker;
static int pipefd[2];
static volatile sig_atomic_t bad_tls, handled;

static void on_alarm(int sig)
{
	int saved = errno;
	if (tls_marker != 0x5eed)
		bad_tls++;
	handled++;
	char c = 'x';
	(void)write(pipefd[1], &c, 1);
	errno = saved;
}

int main(int argc, char **argv)
{
	int reads = argc > 1 ? atoi(argv[1]) : 300;
	tls_marker = 0x5eed;
	if (pipe(pipefd))
		return 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	setitimer(ITIMER_REAL, &it, NULL);
	int got = 0, bad_errno = 0;
	while (got < reads) {
		char c;
		errno = 0;
		ssize_t n = read(pipefd[0], &c, 1);
		if (n == 1)
			got++;
		else if (errno != EINTR)
			bad_errno++;
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	printf("reads=%d bad_tls=%d bad_errno=%d handled>=reads=%d\n", got, (int)bad_tls, bad_errno,
	       handled >= reads);
	return bad_tls || bad_errno;
}
