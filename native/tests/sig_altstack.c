// 1000 raised signals on a sigaltstack: the handler's locals lie inside the
// alternate stack and sigaltstack() reports SS_ONSTACK there.
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *alt;
static size_t alt_size = 1 << 16;
static volatile int good, bad;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	char local;
	stack_t cur;
	sigaltstack(NULL, &cur);
	int inside = &local > alt && &local < alt + alt_size;
	if (inside && (cur.ss_flags & SS_ONSTACK) && si->si_signo == SIGUSR1)
		good++;
	else
		bad++;
}

int main(void)
{
	alt = malloc(alt_size);
	stack_t ss = { .ss_sp = alt, .ss_size = alt_size, .ss_flags = 0 };
	if (sigaltstack(&ss, NULL))
		return 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	for (int i = 0; i < 1000; i++)
		raise(SIGUSR1);
	stack_t after;
	sigaltstack(NULL, &after);
	printf("altstack: good=%d bad=%d onstack-after=%d\n", good, bad, !!(after.ss_flags & SS_ONSTACK));
	return bad != 0;
}
