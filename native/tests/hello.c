// Smallest client: one line to stdout, exit 0. Built in every variant
// (dynamic PIE, -no-pie, -static, -static-pie, musl-gcc -static).
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("hello from %s\n", argc > 1 ? argv[1] : "trapline-test");
	return 0;
}
