// Prints what a program can learn about itself, so a run under trapline can
// be compared with a native one: argv, /proc/self/cmdline and comm, what
// /proc/self/exe names (readlink, open, stat), the auxv entries that
// describe its own image, whether rseq was registered (glibc), and the
// environment variables the host must not have consumed, in order.
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <sys/rseq.h>
#endif

extern char **environ;

static void print_file(const char *label, const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
	if (fd >= 0)
		close(fd);
	printf("%s:", label);
	for (ssize_t i = 0; i < n; i++)
		putchar(buf[i] == 0 ? '|' : buf[i] == '\n' ? '$' : buf[i]);
	putchar('\n');
}

int main(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	print_file("cmdline", "/proc/self/cmdline");
	print_file("comm", "/proc/self/comm");

	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	printf("readlink=%s\n", exe);
	char small[4];
	n = readlink("/proc/self/exe", small, sizeof small);
	printf("readlink4=%.*s (%zd)\n", (int)(n > 0 ? n : 0), small, n);
	char self_link[64];
	snprintf(self_link, sizeof self_link, "/proc/%d/exe", (int)getpid());
	n = readlink(self_link, exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	printf("readlink-pid=%s\n", exe);

	struct stat via_proc, direct;
	int same_stat = stat("/proc/self/exe", &via_proc) == 0 && stat(exe, &direct) == 0 &&
			via_proc.st_ino == direct.st_ino && via_proc.st_dev == direct.st_dev;
	printf("stat-matches=%d\n", same_stat);
	int fd = open("/proc/self/exe", O_RDONLY);
	struct stat opened;
	printf("open-matches=%d\n", fd >= 0 && fstat(fd, &opened) == 0 && opened.st_ino == direct.st_ino);
	printf("access=%d\n", access("/proc/self/exe", X_OK));

	/* The auxv describes this program's own image. */
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long phnum = getauxval(AT_PHNUM), entry = getauxval(AT_ENTRY);
	int entry_in_text = 0;
	unsigned long bias = 0;
	for (unsigned long i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_PHDR)
			bias = (unsigned long)ph - ph[i].p_vaddr;
	for (unsigned long i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) && entry >= bias + ph[i].p_vaddr &&
		    entry < bias + ph[i].p_vaddr + ph[i].p_memsz)
			entry_in_text = 1;
	printf("phnum=%lu entry-in-text=%d base-set=%d\n", phnum, entry_in_text, getauxval(AT_BASE) != 0);
	printf("execfn=%s\n", (const char *)getauxval(AT_EXECFN));
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	int zero = 1;
	for (int i = 0; i < 16; i++)
		zero &= rnd[i] == 0;
	printf("random-nonzero=%d\n", !zero);
	if (getenv("HYGIENE_RANDOM")) {
		for (int i = 0; i < 16; i++)
			fprintf(stderr, "%02x", rnd[i]);
		fputc('\n', stderr);
	}
#ifdef __GLIBC__
	printf("rseq-registered=%d\n", __rseq_size > 0);
#endif
	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "LD_", 3) || !strncmp(*e, "GLIBC_TUNABLES", 14) || !strncmp(*e, "MALLOC_", 7) ||
		    !strncmp(*e, "MIMALLOC_", 9) || !strncmp(*e, "HYGIENE_", 8) || !strncmp(*e, "TRAPLINE_", 9))
			printf("env %s\n", *e);
	return 0;
}
