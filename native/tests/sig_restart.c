// alarm() interrupting a blocking read: EINTR without SA_RESTART, a
// transparent restart with it (the data written later is then read).
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile int hits;
static void on_alarm(int sig) { (void)sig; hits++; }

static void arm(int usec)
{
	struct itimerval it = { { 0, 0 }, { 0, usec } };
	setitimer(ITIMER_REAL, &it, NULL);
}

int main(void)
{
	int p[2];
	if (pipe(p))
		return 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
	char c;
	arm(20000);
	ssize_t r = read(p[0], &c, 1);
	printf("no SA_RESTART: read=%zd errno=%s hits=%d\n", r, r < 0 ? strerrorname_np(errno) : "-", hits);

	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	pid_t child = fork();
	if (child == 0) {
		usleep(100000); /* after the alarm */
		write(p[1], "x", 1);
		_exit(0);
	}
	arm(20000);
	r = read(p[0], &c, 1);
	printf("SA_RESTART: read=%zd byte=%c hits=%d\n", r, r == 1 ? c : '?', hits);
	return 0;
}
