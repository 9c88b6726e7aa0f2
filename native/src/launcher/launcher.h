/* launcher.h - what the `trapline` command's two ways of starting a client
 * share: `run` (launcher.c) and `capture` (drain.c). Freestanding. */
#ifndef TRAPLINE_LAUNCHER_LAUNCHER_H
#define TRAPLINE_LAUNCHER_LAUNCHER_H

#include "../base/launch_record.h"
#include <stdint.h>

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

/* `trapline trace` and `record`: Node checks the command line, this process
 * starts the capture (supervisor.c). */
__attribute__((noreturn)) void tl_supervise_cli(char **argv, char **envp);

/* Execs node with dist/src/cli.js and argv[1...] (argv[-1] is free: the
 * argc slot), in Node's environment (launcher.c) plus `extra` if not 0. */
__attribute__((noreturn)) void tl_exec_node_cli(char **argv, char **envp, const char *extra);

/* Sets the action of sig (a handler, or SIG_DFL 0 / SIG_IGN 1) with an
 * empty mask; the old action into *old (struct of 4 words) if not 0. */
void tl_set_signal(int sig, uint64_t handler, uint64_t old[4]);
/* Restores an action tl_set_signal returned. */
void tl_restore_signal(int sig, const uint64_t old[4]);

/* Ends this process as a child whose wait status is `status` ended: with
 * its exit code, or by its signal (re-raised, without a core of ours). */
__attribute__((noreturn)) void tl_exit_as(int status);

#endif
