// The differential signal harness: signals land at random moments in a loop
// of syscalls and vDSO calls. SIGALRM comes from random timers, SIGURG from
// a helper process, SIGCHLD from short-lived children. Handlers check their
// ucontext (the interrupted RIP lies in the program's own code, libc, ld.so
// or the vDSO; RSP and the handler's own frame on the right stack), write to
// a self-pipe that the loop drains, and sometimes siglongjmp out; a
// blocking read relies on SA_RESTART. Prints only invariants, so a run
// under trapline can be compared with a native one.
//
// With `sync` the same handlers get signals only where the kernel delivers
// them at a fixed point of the program, so that two runs make the same
// calls and show the same signal lines in the same places (a trace can then
// be compared with strace's, test/trace-signals.test.ts): SIGURG sent to
// itself, SIGALRM from a timer while SIGALRM is blocked, taken in
// sigsuspend, sometimes left by siglongjmp, sometimes with SIGURG nested in
// its handler, SIGCHLD held until the child is reaped, and a blocking read
// that a helper interrupts (it waits until the read blocks) and SA_RESTART
// restarts.
// Usage: sig_harness [ITERATIONS] [SEED] [sync]
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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

/* The same code ranges without a system call (the sync mode's trace must
 * not depend on what /proc/self/maps holds, which trapline's own mappings
 * change): every loaded object's executable segments, the vDSO included. */
static int add_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size, (void)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && ncode < 64)
			code[ncode++] = (struct range){ info->dlpi_addr + ph->p_vaddr,
							info->dlpi_addr + ph->p_vaddr + ph->p_memsz };
	}
	return 0;
}

static void load_objects(void)
{
	char here;
	dl_iterate_phdr(add_object, NULL);
	/* main's frame is near the stack's top: below it the stack may grow. */
	stack_range = (struct range){ (uintptr_t)&here - (8 << 20), (uintptr_t)&here + (1 << 20) };
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

/* Shared with the sync mode's helpers: SIGURG handlers run so far. */
static volatile unsigned *urg_ack;

static void on_urg(int sig, siginfo_t *si, void *ctx)
{
	(void)si;
	check(ctx, 1);
	urgs++;
	if (urg_ack)
		++*urg_ack;
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

/* The syscall pid is in, per /proc/PID/syscall; -1 while it runs. */
static int syscall_of(pid_t pid)
{
	char path[64], buf[32] = "";
	snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -2;
	ssize_t r = read(fd, buf, sizeof buf - 1);
	close(fd);
	return r > 0 && buf[0] >= '0' && buf[0] <= '9' ? atoi(buf) : -1;
}

static void drain(long *drained)
{
	char buf[64];
	ssize_t r;
	while ((r = read(self_pipe[0], buf, sizeof buf)) > 0)
		*drained += r;
}

static volatile sig_atomic_t nest_armed;

static void on_alarm_sync(int sig, siginfo_t *si, void *ctx)
{
	on_alarm(sig, si, ctx);
	if (nest_armed) {
		nest_armed = 0;
		kill(getpid(), SIGURG); /* handled at once, on the alternate stack */
	}
}

static int run_sync(long n)
{
	long reads_ok = 0, drained = 0, suspends = 0;
	sigset_t held, all_but_alrm;
	sigemptyset(&held);
	sigaddset(&held, SIGALRM);
	sigaddset(&held, SIGCHLD);
	sigprocmask(SIG_BLOCK, &held, &all_but_alrm);
	install(SIGALRM, on_alarm_sync, 0);
	urg_ack = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (urg_ack == MAP_FAILED)
		return 2;
	pid_t self = getpid();
	for (long i = 0; i < n; i++) {
		kill(self, SIGURG);
		struct itimerval it = { { 0, 0 }, { 0, 100 } };
		setitimer(ITIMER_REAL, &it, NULL);
		nest_armed = i % 3 == 1;
		if (sigsetjmp(env, 1) == 0) {
			jump_armed = i % 4 == 2;
			sigsuspend(&all_but_alrm); /* returns by the handler: EINTR */
			suspends++;
		}
		jump_armed = 0;
		if (i % 2 == 0) {
			pid_t child = fork();
			if (child == 0)
				_exit(0);
			waitpid(child, NULL, 0);
			/* The pending SIGCHLD comes as this returns. */
			sigprocmask(SIG_UNBLOCK, &held, NULL);
			sigprocmask(SIG_BLOCK, &held, NULL);
		}
		if (i % 4 == 3) {
			pid_t helper = fork();
			if (helper == 0) {
				/* How often it polls depends on timing: a name for
				 * the tests to know it by. */
				prctl(PR_SET_NAME, "harness-poller");
				/* Interrupt the parent's read only once it blocks in it. */
				while (syscall_of(self) != SYS_read)
					usleep(200);
				unsigned seen = *urg_ack;
				kill(self, SIGURG);
				/* The data comes once the handler ran: else the read
				 * might find it before the signal interrupts it. */
				for (int k = 0; k < 20000 && *urg_ack == seen; k++)
					usleep(100);
				if (write(data_pipe[1], "d", 1) != 1)
					_exit(1);
				_exit(0);
			}
			char c;
			if (read(data_pipe[0], &c, 1) == 1)
				reads_ok++;
			waitpid(helper, NULL, 0);
			sigprocmask(SIG_UNBLOCK, &held, NULL);
			sigprocmask(SIG_BLOCK, &held, NULL);
		}
		drain(&drained);
	}
	printf("harness: sync iterations=%ld reads=%ld suspends=%ld bad_rip=%d bad_rsp=%d alarms=%d urgs=%d "
	       "chlds=%d jumps=%d drained=%ld\n",
	       n, reads_ok, suspends, (int)bad_rip, (int)bad_rsp, (int)alarms, (int)urgs, (int)chlds, (int)jumps,
	       drained);
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;
	unsigned seed = argc > 2 ? (unsigned)atoi(argv[2]) : 1;
	int sync = argc > 3 && !strcmp(argv[3], "sync");
	srand(seed);
	if (sync)
		load_objects();
	else
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
	if (sync)
		return run_sync(n);

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
