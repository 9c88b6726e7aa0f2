// A client that blocks every signal: sent signals stay pending (as
// sigpending shows) and are taken with sigwaitinfo; a fault still kills.
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	sigset_t all, pend, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	sigprocmask(SIG_BLOCK, NULL, &old);
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGTERM);
	sigpending(&pend);
	siginfo_t si;
	sigset_t want;
	sigemptyset(&want);
	sigaddset(&want, SIGUSR1);
	int got = sigwaitinfo(&want, &si);
	printf("blockall: mask-full=%d usr1-pending=%d term-pending=%d segv-blocked=%d waited=%d\n",
	       sigismember(&old, SIGTERM), sigismember(&pend, SIGUSR1), sigismember(&pend, SIGTERM),
	       sigismember(&old, SIGSEGV), got);
	fflush(stdout);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* SIGTERM now kills */
	puts("not reached");
	return 0;
}
