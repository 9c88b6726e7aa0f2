// readv/writev/preadv/pwritev with several iovecs and poll/ppoll with
// several fds, for comparing `trapline trace` with strace line by line
// (test/trace-vs-strace.test.ts): long and empty buffers, NULL and bad
// pointers, a readv that fills part of its iovecs, a failed one, arrays
// longer than strace's limit, fds with and without revents.
// Usage: iovec_poll FILE (a scratch file it creates)
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int p[2], q[2];
	if (pipe(p) || pipe(q))
		return 2;
	struct iovec w[3] = { { "ab", 2 }, { "cd", 2 }, { "efghijklmnopqrstuvwxyz0123456789ABCDEFGH", 40 } };
	writev(p[1], w, 3);
	/* 44 bytes into room for 113: the last iovec gets what is left. */
	char a[3], b[10], c[100];
	struct iovec r[3] = { { a, 3 }, { b, 10 }, { c, 100 } };
	readv(p[0], r, 3);
	static char big[40][50];
	struct iovec many[40];
	for (int i = 0; i < 40; i++) {
		memset(big[i], 'a' + i % 26, 50);
		many[i].iov_base = big[i];
		many[i].iov_len = i % 3 ? 1 : 20;
	}
	writev(p[1], many, 40);
	char sink[4096];
	read(p[0], sink, sizeof sink);
	struct iovec w2[3] = { { "x\n\001", 3 }, { NULL, 0 }, { "", 0 } };
	writev(p[1], w2, 3);
	read(p[0], sink, 3);
	struct iovec bad[2] = { { (void *)1, 5 }, { "q", 1 } };
	writev(p[1], bad, 2);
	readv(-1, r, 3);
	readv(p[0], r, 0);

	write(q[1], "z", 1);
	struct pollfd f[4] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 }, { q[0], POLLIN | POLLPRI, 0 }, { 99, POLLIN, 0 } };
	poll(f, 4, -1);
	struct pollfd g[2] = { { p[0], POLLIN, 0 }, { -1, POLLIN, 0 } };
	poll(g, 2, 0);
	struct pollfd h[40];
	for (int i = 0; i < 40; i++) {
		h[i].fd = i % 2 ? q[0] : p[1];
		h[i].events = i % 2 ? POLLIN : POLLOUT;
	}
	poll(h, 40, 0);
	struct timespec ts = { 1, 0 };
	sigset_t none;
	sigemptyset(&none);
	ppoll(f, 3, &ts, &none);
	ts.tv_sec = 0, ts.tv_nsec = 1000;
	ppoll(g, 2, &ts, NULL);
	ts.tv_nsec = 0;
	ppoll(g, 1, &ts, NULL);

	int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	pwritev(fd, w, 3, 5);
	preadv(fd, r, 3, 0);
	close(fd);
	return 0;
}
