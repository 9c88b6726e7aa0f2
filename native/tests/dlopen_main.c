// dlopen()s the library named by argv[1] (libdlopen_lib.so), calls its
// dlopen_lib_work(7), which makes 7 getppid calls and writes a line, and
// reports the result. Exit 0 on success.
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH/libdlopen_lib.so [N]\n", argv[0]);
		return 2;
	}
	int n = argc > 2 ? atoi(argv[2]) : 7;
	void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen_main: %s\n", dlerror());
		return 1;
	}
	int (*work)(int) = (int (*)(int))dlsym(h, "dlopen_lib_work");
	if (!work) {
		fprintf(stderr, "dlopen_main: %s\n", dlerror());
		return 1;
	}
	fflush(stdout);
	int same = work(n);
	printf("dlopen_main: work(%d) = %d\n", n, same);
	if (dlclose(h) != 0) {
		fprintf(stderr, "dlopen_main: dlclose: %s\n", dlerror());
		return 1;
	}
	return same == n ? 0 : 1;
}
