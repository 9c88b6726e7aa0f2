// The signal harness, multi-threaded: T threads each loop over syscalls and
// vDSO calls while the process gets SIGALRM from timers, each thread gets
// SIGURG aimed at it alone (tgkill) from the other threads, and SIGCHLD
// comes from real children. Handlers check their ucontext as in
// sig_harness.c and count per thread; prints only invariants.
//
// With `sync` the threads take turns (a token passed through pipes) and
// every signal comes where the kernel delivers it at a fixed point of the
// receiving thread, so two runs show each thread's calls and signal lines
// alike (test/trace-signals.test.ts): SIGURG a thread sends itself with
// tgkill, SIGUSR2 the previous thread aimed at it while it blocked SIGUSR2,
// taken when it unblocks, SIGALRM from a timer while every thread blocks
// it, taken in sigsuspend by the thread whose turn it is, and SIGCHLD held
// by thread 0 until it reaped the child.
// Usage: sig_harness_mt [ITERATIONS] [THREADS] [sync]
#include <link.h>
#include <pthread.h>
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

#define MAXT 16
struct range {
	uintptr_t lo, hi;
};
static struct range code[64];
static int ncode;
static volatile sig_atomic_t bad_rip, urg_wrong_thread, chlds, alarms;
static pid_t tids[MAXT];
static volatile long urgs[MAXT];
static __thread int my_index = -1;
static volatile int stop;

static void load_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	while (fgets(line, sizeof line, f)) {
		uintptr_t lo, hi;
		char perms[8], path[256] = "";
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &lo, &hi, perms, path) >= 3 && perms[2] == 'x' &&
		    ncode < 64 && (path[0] == '/' || !strcmp(path, "[vdso]")))
			code[ncode++] = (struct range){ lo, hi };
	}
	fclose(f);
}

/* The sync mode's code ranges, without reading /proc/self/maps (whose
 * size trapline's own mappings change): the loaded objects' executable
 * segments, the vDSO included. */
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

static void check(void *ctx)
{
	uintptr_t rip = ((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP];
	for (int i = 0; i < ncode; i++)
		if (rip >= code[i].lo && rip < code[i].hi)
			return;
	bad_rip++;
}

static void on_urg(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	check(ctx);
	/* Sent with tgkill to one thread: it must be this one. */
	int target = si->si_value.sival_int;
	if (my_index >= 0 && my_index < MAXT)
		urgs[my_index]++;
	(void)target;
	if (my_index < 0)
		urg_wrong_thread++;
}

static void on_alarm(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	check(ctx);
	alarms++;
}

static void on_chld(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	check(ctx);
	chlds++;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static long iterations;
static int nthreads;
static volatile long usr2s[MAXT], alarms_of[MAXT];
static void install(int sig, void (*fn)(int, siginfo_t *, void *));

static void on_usr2(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	check(ctx);
	if (my_index >= 0 && my_index < MAXT)
		usr2s[my_index]++;
	else
		urg_wrong_thread++;
}

static void on_alarm_sync(int sig, siginfo_t *si, void *ctx)
{
	on_alarm(sig, si, ctx);
	if (my_index >= 0 && my_index < MAXT)
		alarms_of[my_index]++;
}

static int token[MAXT][2], ready[2];

static void *loop_sync(void *arg)
{
	my_index = (int)(long)arg;
	tids[my_index] = (pid_t)syscall(SYS_gettid);
	if (write(ready[1], "r", 1) != 1)
		return NULL;
	int next = (my_index + 1) % nthreads;
	sigset_t usr2, suspend;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, NULL, &suspend);
	sigdelset(&suspend, SIGALRM);
	for (long i = 0; i < iterations; i++) {
		char c;
		if (read(token[my_index][0], &c, 1) != 1)
			break;
		/* Sent by the previous thread before it passed the token. */
		pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);
		pthread_sigmask(SIG_BLOCK, &usr2, NULL);
		syscall(SYS_tgkill, getpid(), tids[my_index], SIGURG);
		struct itimerval it = { { 0, 0 }, { 0, 100 } };
		setitimer(ITIMER_REAL, &it, NULL);
		sigsuspend(&suspend);
		if (my_index == 0 && i % 2 == 0) {
			pid_t child = fork();
			if (child == 0)
				_exit(0);
			waitpid(child, NULL, 0);
			sigset_t chld;
			sigemptyset(&chld);
			sigaddset(&chld, SIGCHLD);
			pthread_sigmask(SIG_UNBLOCK, &chld, NULL);
			pthread_sigmask(SIG_BLOCK, &chld, NULL);
		}
		/* The last turn has no next thread to wake. */
		if (next == 0 && i == iterations - 1)
			break;
		syscall(SYS_tgkill, getpid(), tids[next], SIGUSR2);
		if (write(token[next][1], "t", 1) != 1)
			break;
	}
	return NULL;
}

static int run_sync(void)
{
	install(SIGUSR2, on_usr2);
	install(SIGALRM, on_alarm_sync);
	sigset_t held;
	sigemptyset(&held);
	sigaddset(&held, SIGALRM);
	sigaddset(&held, SIGCHLD);
	sigaddset(&held, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &held, NULL); /* every thread inherits it */
	if (pipe(ready))
		return 2;
	pthread_t t[MAXT];
	for (long i = 0; i < nthreads; i++) {
		char c;
		if (pipe(token[i]))
			return 2;
		/* One at a time: the threads appear in the same order every run. */
		pthread_create(&t[i], NULL, loop_sync, (void *)i);
		if (read(ready[0], &c, 1) != 1)
			return 2;
	}
	syscall(SYS_tgkill, getpid(), tids[0], SIGUSR2);
	if (write(token[0][1], "t", 1) != 1)
		return 2;
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	int all = 1;
	for (int i = 0; i < nthreads; i++)
		all &= urgs[i] == iterations && usr2s[i] == iterations && alarms_of[i] == iterations;
	printf("harness-mt: sync threads=%d iterations=%ld bad_rip=%d wrong_thread=%d each_thread_got_each=%d "
	       "chlds=%d\n",
	       nthreads, iterations, (int)bad_rip, (int)urg_wrong_thread, all, (int)chlds);
	return 0;
}

static void *loop(void *arg)
{
	my_index = (int)(long)arg;
	tids[my_index] = (pid_t)syscall(SYS_gettid);
	unsigned seed = (unsigned)my_index * 7919u + 1;
	for (long i = 0; i < iterations; i++) {
		struct timespec ts;
		syscall(SYS_getppid);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		int other = (int)(rand_r(&seed) % (unsigned)nthreads);
		if (tids[other] && i % 4 == 0)
			syscall(SYS_tgkill, getpid(), tids[other], SIGURG);
		if (my_index == 0 && i % 1000 == 0 && fork() == 0)
			_exit(0);
	}
	return NULL;
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv)
{
	iterations = argc > 1 ? atol(argv[1]) : 10000;
	nthreads = argc > 2 ? atoi(argv[2]) : 4;
	if (nthreads > MAXT)
		nthreads = MAXT;
	int sync = argc > 3 && !strcmp(argv[3], "sync");
	if (sync)
		dl_iterate_phdr(add_object, NULL);
	else
		load_maps();
	install(SIGURG, on_urg);
	install(SIGALRM, on_alarm);
	install(SIGCHLD, on_chld);
	if (sync)
		return run_sync();
	struct itimerval it = { { 0, 500 }, { 0, 500 } };
	setitimer(ITIMER_REAL, &it, NULL);
	pthread_t t[MAXT];
	for (long i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, loop, (void *)i);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	int all_got = 1;
	for (int i = 0; i < nthreads; i++)
		all_got &= urgs[i] > 0;
	printf("harness-mt: threads=%d iterations=%ld bad_rip=%d urg_wrong_thread=%d every_thread_got_urg=%d "
	       "alarms>0=%d chlds>0=%d\n",
	       nthreads, iterations, (int)bad_rip, (int)urg_wrong_thread, all_got, alarms > 0, chlds > 0);
	return 0;
}
