// The differential signal harness: signals land at random moments in a loop
// of syscalls and vDSO calls. SIGALRM comes from random timers, SIGURG from
// a helper process, SIGCHLD from short-lived children. Handlers check their
// ucontext (the interrupted RIP lies in the program's own code, libc, ld.so
// or the vDSO; RSP and the handler's own frame on the right stack), write to
// a self-pipe that the loop drains, and sometimes siglongjmp out; a
// blocking read relies on SA_RESTART. Prints only invariants, so a run
// under trapline can be compared with a native one.
// Usage: sig_harness [ITERATIONS] [SEED]
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

struct range {
	uintptr_t lo, hi;
};
static struct range code[64], stack_range, alt_range;
static int ncode;
static int self_pipe[2], data_pipe[2];
static volatile sig_atomic_t bad_rip, bad_rsp, alarms, urgs, chlds, jumps, jump_armed;
static sigjmp_buf env;
static char *alt;

static void load_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	while (fgets(line, sizeof line, f)) {
		uintptr_t lo, hi;
		char perms[8], path[256] = "";
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &lo, &hi, perms, path) < 3)
			continue;
		if (!strcmp(path, "[stack]"))
			stack_range = (struct range){ lo - (8 << 20), hi }; /* it grows */
		if (perms[2] != 'x' || ncode == 64)
			continue;
		/* The program's own code, its libraries and the vDSO. */
		if (path[0] == '/' || !strcmp(path, "[vdso]"))
			code[ncode++] = (struct range){ lo, hi };
	}
	fclose(f);
}

static int in(const struct range *r, uintptr_t a)
{
	return a >= r->lo && a < r->hi;
}

static int in_code(uintptr_t rip)
{
	for (int i = 0; i < ncode; i++)
		if (in(&code[i], rip))
			return 1;
	return 0;
}

static void check(void *ctx, int on_alt)
{
	ucontext_t *uc = ctx;
	char local;
	uintptr_t rip = uc->uc_mcontext.gregs[REG_RIP], rsp = uc->uc_mcontext.gregs[REG_RSP];
	if (!in_code(rip))
		bad_rip++;
	/* Interrupted on the main stack or (a nested signal) on the alternate
	 * one; the handler runs on the alternate stack if it asked for it or was
	 * already there, else on the interrupted stack. */
	const struct range *was = in(&stack_range, rsp) ? &stack_range : in(&alt_range, rsp) ? &alt_range : NULL;
	if (!was || !in(on_alt ? &alt_range : was, (uintptr_t)&local))
		bad_rsp++;
}

static void note(int sig)
{
	char c = (char)sig;
	int saved = errno;
	if (write(self_pipe[1], &c, 1) < 0) {
		/* full: the loop drains it */
	}
	errno = saved;
}

static void on_alarm(int sig, siginfo_t *si, void *ctx)
{
	(void)si;
	check(ctx, 0);
	alarms++;
	note(sig);
	if (jump_armed) {
		jump_armed = 0;
		jumps++;
		siglongjmp(env, 1);
	}
}

static void on_urg(int sig, siginfo_t *si, void *ctx)
{
	(void)si;
	check(ctx, 1);
	urgs++;
	note(sig);
}

static void on_chld(int sig, siginfo_t *si, void *ctx)
{
	(void)si;
	check(ctx, 0);
	chlds++;
	note(sig);
	int saved = errno;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
	sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;
	unsigned seed = argc > 2 ? (unsigned)atoi(argv[2]) : 1;
	srand(seed);
	load_maps();
	size_t alt_size = 1 << 16;
	alt = malloc(alt_size);
	alt_range = (struct range){ (uintptr_t)alt, (uintptr_t)alt + alt_size };
	stack_t ss = { .ss_sp = alt, .ss_size = alt_size };
	sigaltstack(&ss, NULL);
	if (pipe(self_pipe) || pipe(data_pipe))
		return 2;
	fcntl(self_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(self_pipe[1], F_SETFL, O_NONBLOCK);
	install(SIGALRM, on_alarm, 0);
	install(SIGURG, on_urg, SA_ONSTACK);
	install(SIGCHLD, on_chld, 0);

	pid_t parent = getpid();
	pid_t urger = fork();
	if (urger == 0) {
		/* SIGURG from outside, at random moments, until the parent is gone. */
		for (;;) {
			usleep(50 + rand() % 400);
			if (kill(parent, SIGURG))
				_exit(0);
		}
	}
	pid_t writer = fork();
	if (writer == 0) {
		/* Feeds the blocking read, one byte per iteration, a little late. */
		for (long i = 0; i < n; i++) {
			if (i % 16 == 0)
				usleep(rand() % 200);
			if (write(data_pipe[1], "d", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}

	long reads_ok = 0, drained = 0;
	volatile long sys_ok = 0;
	for (long i = 0; i < n; i++) {
		struct itimerval it = { { 0, 0 }, { 0, 1 + rand() % 300 } };
		setitimer(ITIMER_REAL, &it, NULL);
		if (sigsetjmp(env, 1) == 0) {
			/* Some alarms leave by siglongjmp from inside these calls. */
			jump_armed = (i % 7) == 0;
			struct timespec ts;
			for (int k = 0; k < 3; k++) {
				sys_ok += syscall(SYS_getppid) > 0;
				clock_gettime(CLOCK_MONOTONIC, &ts);
			}
		}
		jump_armed = 0;
		char c;
		/* Blocks; a timer firing here must not break it (SA_RESTART). */
		if (read(data_pipe[0], &c, 1) == 1)
			reads_ok++;
		if (i % 500 == 0 && fork() == 0)
			_exit(0); /* SIGCHLD */
		char buf[64];
		ssize_t r;
		while ((r = read(self_pipe[0], buf, sizeof buf)) > 0)
			drained += r;
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	kill(urger, SIGKILL);
	int st;
	waitpid(writer, &st, 0);
	printf("harness: iterations=%ld reads=%ld syscalls>0=%d bad_rip=%d bad_rsp=%d "
	       "alarms>0=%d urgs>0=%d chlds>0=%d jumps>0=%d drained>0=%d writer=%d\n",
	       n, reads_ok, sys_ok > 0, (int)bad_rip, (int)bad_rsp, alarms > 0, urgs > 0, chlds > 0, jumps > 0,
	       drained > 0, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
