// posix_spawn, vfork and fork in one program, each child running a real
// program or exiting, the parent collecting statuses.
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static volatile int shared;

int main(void)
{
	pid_t pid;
	int st;
	char *echo_argv[] = { "echo", "from posix_spawn", NULL };
	if (posix_spawnp(&pid, "echo", NULL, NULL, echo_argv, environ))
		return 2;
	waitpid(pid, &st, 0);
	printf("posix_spawn status=%d\n", WEXITSTATUS(st));
	fflush(stdout);

	pid = vfork();
	if (pid == 0) {
		execlp("sh", "sh", "-c", "echo from vfork; exit 3", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	printf("vfork status=%d\n", WEXITSTATUS(st));
	fflush(stdout);

	/* vfork's child runs in the parent's memory: what it writes is seen. */
	pid = vfork();
	if (pid == 0) {
		shared = 42;
		_exit(0);
	}
	waitpid(pid, &st, 0);
	printf("vfork child wrote %d\n", shared);

	pid = fork();
	if (pid == 0) {
		printf("from fork child\n");
		_exit(5);
	}
	waitpid(pid, &st, 0);
	printf("fork status=%d\n", WEXITSTATUS(st));

	char *missing[] = { "trapline-no-such-program", NULL };
	int r = posix_spawnp(&pid, missing[0], NULL, NULL, missing, environ);
	printf("posix_spawn of a missing program: %s\n", r ? "error" : "started");
	if (!r)
		waitpid(pid, &st, 0);
	return 0;
}
