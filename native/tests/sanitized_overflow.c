// Built with -fsanitize=address: a heap buffer overflow by one byte, which
// AddressSanitizer reports (exit 1) natively and must report under
// trapline.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	size_t n = 16 + (size_t)argc;
	char *p = malloc(n);
	memset(p, 'x', n);
	printf("writing past the end\n");
	fflush(stdout);
	((volatile char *)p)[n] = 0; /* one past the end */
	free(p);
	return 0;
}
