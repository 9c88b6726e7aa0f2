// A handler that edits its ucontext's RIP: the SIGILL of a ud2 resumes two
// bytes later, 100 times.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static volatile int skipped;
static void on_ill(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	ucontext_t *uc = ctx;
	uc->uc_mcontext.gregs[REG_RIP] += 2;
	skipped++;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_ill;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGILL, &sa, NULL);
	for (int i = 0; i < 100; i++)
		__asm__ volatile("ud2");
	printf("edit-rip: skipped=%d\n", skipped);
	return skipped != 100;
}
