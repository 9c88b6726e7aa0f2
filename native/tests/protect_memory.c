// A client that tries to unmap, replace and discard memory it never mapped
// (anonymous executable mappings: trapline's stubs, if any) must not break
// interception: afterwards its syscalls still work and are still seen.
#ifndef _GNU_SOURCE /* also set by the Makefile */
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	uintptr_t lo[256], hi[256];
	int n = 0;
	while (n < 256 && fgets(line, sizeof line, f)) {
		char perms[8], path[256] = "";
		uintptr_t a, b;
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &a, &b, perms, path) >= 3 && perms[2] == 'x' &&
		    path[0] == 0)
			lo[n] = a, hi[n++] = b;
	}
	fclose(f);
	for (int i = 0; i < n; i++) {
		madvise((void *)lo[i], hi[i] - lo[i], MADV_DONTNEED);
		mmap((void *)lo[i], hi[i] - lo[i], PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		munmap((void *)lo[i], hi[i] - lo[i]);
	}
	long ok = 0;
	for (int i = 0; i < 100; i++)
		ok += syscall(SYS_getppid) == getppid();
	printf("protect: syscalls after the attempts: %ld of 100\n", ok);
	return ok != 100;
}
