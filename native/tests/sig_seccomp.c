// A client with its own seccomp filter (SECCOMP_RET_TRAP for getppid) and
// SIGSYS handler: the handler gets seccomp's SIGSYS and answers the call.
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static volatile int traps;

static void on_sys(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	if (sig == SIGSYS && si->si_code == 1 /* SYS_SECCOMP */ && si->si_syscall == SYS_getppid) {
		traps++;
		uc->uc_mcontext.gregs[REG_RAX] = 4242;
	}
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof f / sizeof f[0], f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return 2;
	long a = syscall(SYS_getppid), b = syscall(SYS_getppid);
	printf("seccomp: getppid=%ld,%ld traps=%d\n", a, b, traps);
	return !(a == 4242 && b == 4242 && traps == 2);
}
