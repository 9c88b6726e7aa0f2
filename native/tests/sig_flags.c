// sigaction flags and masks, as the kernel implements them: SA_SIGINFO's
// siginfo, SA_RESETHAND (one delivery, then the default), SA_NODEFER (the
// same signal nests inside its handler), a blocked signal delivered when it
// is unblocked, sigsuspend, and the mask inside a handler.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int depth, max_depth, once_hits, info_ok, pending_hits, usr2_blocked_inside;

static void on_nodefer(int sig)
{
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	if (depth < 3)
		raise(sig); /* nests at once with SA_NODEFER */
	depth--;
}

static void on_once(int sig) { (void)sig; once_hits++; }

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	info_ok = sig == SIGUSR2 && si->si_signo == SIGUSR2 && si->si_code == SI_TKILL && si->si_pid == getpid();
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	usr2_blocked_inside = sigismember(&cur, SIGUSR2) && sigismember(&cur, SIGHUP); /* own + sa_mask */
}

static void on_pending(int sig) { (void)sig; pending_hits++; }

static void set(int sig, void (*h)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

int main(void)
{
	set(SIGUSR1, on_nodefer, SA_NODEFER);
	raise(SIGUSR1);

	set(SIGURG, on_once, SA_RESETHAND);
	raise(SIGURG);
	raise(SIGURG); /* now SIG_DFL: ignored */
	struct sigaction now;
	sigaction(SIGURG, NULL, &now);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);

	set(SIGALRM, on_pending, 0);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);
	raise(SIGALRM);
	int before_unblock = pending_hits;
	sigprocmask(SIG_SETMASK, &old, NULL); /* delivered here */
	int after_unblock = pending_hits;

	sigprocmask(SIG_BLOCK, &block, NULL);
	alarm(1);
	sigset_t wait_mask;
	sigprocmask(SIG_BLOCK, NULL, &wait_mask);
	sigdelset(&wait_mask, SIGALRM);
	int r = sigsuspend(&wait_mask);

	printf("flags: nodefer-depth=%d resethand-hits=%d reset-to-dfl=%d siginfo=%d mask-inside=%d "
	       "pending-before=%d after=%d sigsuspend=%d hits=%d\n",
	       max_depth, once_hits, now.sa_handler == SIG_DFL, info_ok, usr2_blocked_inside, before_unblock,
	       after_unblock, r, pending_hits);
	return 0;
}
