// A vfork child shares its parent's memory but not its signal actions:
// what the child sets (SIG_IGN, SIG_DFL) must not change the parent's.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1(int sig)
{
	(void)sig;
}

int main(void)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	pid_t pid = vfork();
	if (pid == 0) {
		signal(SIGUSR1, SIG_IGN);
		signal(SIGUSR2, SIG_IGN);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	sigaction(SIGUSR1, NULL, &old);
	printf("SIGUSR1 handler kept: %d\n", old.sa_handler == on_usr1);
	sigaction(SIGUSR2, NULL, &old);
	printf("SIGUSR2 default: %d flags=%#lx\n", old.sa_handler == SIG_DFL, (unsigned long)old.sa_flags);
	return 0;
}
