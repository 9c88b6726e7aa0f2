// A deterministic mix of syscalls, made through libc wrappers and through
// syscall(2). Output and the multiset of syscalls issued do not depend on the
// environment (no locale, no time, no pids printed), so the same binary gives
// the same `count` and `strace -c` tables every run. Built in every variant.
#ifndef _GNU_SOURCE /* also set by the Makefile */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "syscalls: %s:%d: check failed: %s (errno %d)\n", \
				__FILE__, __LINE__, #cond, errno);               \
			failures++;                                              \
		}                                                                \
	} while (0)

int main(void)
{
	char buf[256];
	int i;

	/* getpid/getppid/gettid: plain and through syscall(). */
	pid_t pid = getpid();
	for (i = 0; i < 5; i++)
		CHECK(syscall(SYS_getpid) == pid);
	CHECK(syscall(SYS_getppid) > 0);
	CHECK(syscall(SYS_gettid) == pid);
	CHECK(getuid() != (uid_t)-1 && geteuid() != (uid_t)-1);

	/* A pipe round trip. */
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "ping", 4) == 4);
	memset(buf, 0, sizeof buf);
	CHECK(read(p[0], buf, sizeof buf) == 4);
	CHECK(memcmp(buf, "ping", 4) == 0);

	/* writev + readv. */
	struct iovec iov[2] = { { "ab", 2 }, { "cde", 3 } };
	CHECK(writev(p[1], iov, 2) == 5);
	char r1[3] = { 0 }, r2[3] = { 0 };
	struct iovec riov[2] = { { r1, 2 }, { r2, 3 } };
	CHECK(readv(p[0], riov, 2) == 5);
	CHECK(memcmp(r1, "ab", 2) == 0 && memcmp(r2, "cde", 3) == 0);

	/* dup, fcntl, close. */
	int d = dup(p[0]);
	CHECK(d >= 0);
	CHECK(fcntl(d, F_GETFD) == 0);
	CHECK(fcntl(d, F_SETFD, FD_CLOEXEC) == 0);
	CHECK(fcntl(d, F_GETFD) == FD_CLOEXEC);
	CHECK(close(d) == 0);
	CHECK(close(p[0]) == 0);
	CHECK(close(p[1]) == 0);

	/* Errors pass through with the native errno. */
	errno = 0;
	CHECK(close(-1) == -1 && errno == EBADF);
	errno = 0;
	CHECK(open("/nonexistent/trapline/file", O_RDONLY) == -1 && errno == ENOENT);

	/* Files: open, fstat, lseek, pread, read. */
	int fd = open("/proc/self/stat", O_RDONLY);
	CHECK(fd >= 0);
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	CHECK(read(fd, buf, 16) > 0);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(pread(fd, buf, 8, 0) > 0);
	CHECK(close(fd) == 0);
	CHECK(stat("/", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(access("/", R_OK) == 0);

	/* Identity and system. */
	struct utsname u;
	CHECK(uname(&u) == 0);
	CHECK(strcmp(u.machine, "x86_64") == 0);
	CHECK(getcwd(buf, sizeof buf) != NULL);
	umask(022);
	CHECK(umask(022) == 022);

	/* Scheduling, sleeping, memory. */
	CHECK(sched_yield() == 0);
	struct timespec ts = { 0, 1000 };
	CHECK(nanosleep(&ts, NULL) == 0);
	void *m = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	memset(m, 7, 65536);
	CHECK(mprotect(m, 4096, PROT_READ) == 0);
	CHECK(munmap(m, 65536) == 0);

	/* A getpid loop long enough to be visible in a count. */
	for (i = 0; i < 100; i++)
		CHECK(syscall(SYS_getpid) == pid);

	printf("syscalls: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
