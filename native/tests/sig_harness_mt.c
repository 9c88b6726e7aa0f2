// The signal harness, multi-threaded: T threads each loop over syscalls and
// vDSO calls while the process gets SIGALRM from timers, each thread gets
// SIGURG aimed at it alone (tgkill) from the other threads, and SIGCHLD
// comes from real children. Handlers check their ucontext as in
// sig_harness.c and count per thread; prints only invariants.
// Usage: sig_harness_mt [ITERATIONS] [THREADS]
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
	load_maps();
	install(SIGURG, on_urg);
	install(SIGALRM, on_alarm);
	install(SIGCHLD, on_chld);
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
