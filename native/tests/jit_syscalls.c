// Writes a `syscall; ret` into anonymous executable memory (as a JIT
// would) and calls it N times (argv[1]) with getppid: code no rewriter saw,
// so only the backstop can intercept these calls.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100;
	/* mov $110, %eax (getppid); syscall; ret */
	static const unsigned char code[] = { 0xb8, 110, 0, 0, 0, 0x0f, 0x05, 0xc3 };
	unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memcpy(p, code, sizeof code);
	long (*fn)(void) = (long (*)(void))p;
	long want = getppid(), bad = 0;
	for (long i = 0; i < n; i++)
		bad += fn() != want;
	printf("jit: %ld calls, %ld wrong\n", n, bad);
	return bad != 0;
}
