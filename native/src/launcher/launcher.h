/* launcher.h - what the `trapline` command's two ways of starting a client
 * share: `run` (launcher.c) and `capture` (drain.c). Freestanding. */
#ifndef TRAPLINE_LAUNCHER_LAUNCHER_H
#define TRAPLINE_LAUNCHER_LAUNCHER_H

#include "../base/launch_record.h"

/* A line on stderr. */
void tl_say(const char *s);
/* "trapline: A B C" on stderr, then exit with status. */
__attribute__((noreturn)) void tl_die(int status, const char *a, const char *b, const char *c);
/* "trapline: WHAT 'ARG'", the usage text, exit status 2. */
__attribute__((noreturn)) void tl_usage_error(const char *what, const char *arg);

/* Takes argv[*i] if it is an option `run` knows (--plugin SPEC, with its
 * syntax checked; --no-follow; --help); advances *i past its value.
 * Returns 1 if it was one. */
int tl_launch_option(int argc, char **argv, int *i, struct tl_launch_record *rec);

/* PROG found as execvp finds it, checked as the kernel would: exits 127
 * (not found) or 126 (a directory, not executable) with one line. */
const char *tl_find_client(const char *name, char **envp);

/* Execs trapline-exec with the client's argv and rec; never returns. */
__attribute__((noreturn)) void tl_exec_host(struct tl_launch_record *rec, char **argv, char **envp);

/* `trapline capture ...` (drain.c). */
__attribute__((noreturn)) void tl_capture_main(int argc, char **argv, char **envp);

#endif
