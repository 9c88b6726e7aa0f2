/* supervisor.c - `trapline trace` and `trapline record`, with Node never
 * forked.
 *
 * Node's child_process.spawn forks the whole of Node (about 12 ms here:
 * its page tables are copied) and then execs `trapline capture`. Instead
 * the process the user started stays in charge: it starts Node (the CLI,
 * which reads and checks the command line and decodes) as one child, waits
 * on a control pipe for the capture's arguments, and runs the capture as
 * another child itself (tl_capture_main, no exec), its stream going to
 * Node through a pipe. It waits for both and ends as the traced program
 * did, or as Node did when Node failed.
 *
 * Protocol (src/trace/capture.ts is the other side). Node finds
 * TRAPLINE_SUPERVISOR=C,S,W in its environment: descriptor C is the write
 * end of the control pipe, S the read end of the stream's pipe, and W the
 * number its write end has in the capture (--output-fd W). Node writes the
 * capture's arguments as `trapline capture` takes them ("capture",
 * options, "--", PROG, ARGS...), each ending with a NUL, then one more
 * NUL, and closes C. Node closing C without a complete request (help, a
 * usage error, Node missing) means nothing is traced: this process then
 * ends as Node did. The program inherits every descriptor of this process
 * but the pipes. */
#include "launcher.h"
#include "../base/mem.h"
#include "../base/strbuf.h"
#include "../base/sys.h"

#define NR_pipe2 293
#define NR_fcntl 72
#define NR_wait4 61
#define O_CLOEXEC 02000000
#define F_SETFD 2
#define F_SETPIPE_SZ 1031
#define EINTR 4
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGPIPE 13
#define SIGTERM 15
#define SIG_IGN 1
#define STREAM_PIPE_SIZE (1 << 20) /* the most an unprivileged pipe takes */

/* The signals a terminal or a `kill` sends to the command: the traced
 * program decides what they do, the tracer waits for it (as under Node). */
static const int held_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE };
#define HELD (sizeof held_signals / sizeof held_signals[0])

/* Room for what exec itself allows (ARG_MAX is a quarter of the stack
 * limit, 2 MiB by default): untouched pages of .bss cost nothing. */
static char request[8 << 20];
#define MAX_ARGS (1 << 20)
static char *capture_argv[1 + MAX_ARGS + 1]; /* [0] is "trapline" */

static int wait_for(long pid)
{
    int status = 0;
    long r;
    while ((r = tl_sys4(NR_wait4, pid, (long)&status, 0, 0)) == -EINTR)
        ;
    return r == pid ? status : 1 << 8;
}

/* The request from Node: its length, or -1 if Node sent none (or one that
 * does not end as the protocol says). */
static long read_request(int fd)
{
    long used = 0;
    for (;;) {
        long n = tl_sys3(TL_NR_read, fd, (long)(request + used), (long)(sizeof request - 1 - used));
        if (n == -EINTR)
            continue;
        if (n <= 0)
            break;
        used += n;
        if (used == (long)sizeof request - 1)
            return -1; /* implausibly long */
    }
    /* Complete: the last argument's NUL, then the empty one's. */
    return used >= 2 && request[used - 1] == 0 && request[used - 2] == 0 ? used : -1;
}

/* request[0, len) as `trapline ARGS...` in capture_argv (the final empty
 * string ends it): the argument count, or -1. */
static int split_request(long len)
{
    int argc = 1;
    capture_argv[0] = (char *)"trapline";
    for (long at = 0; at < len && request[at]; at += (long)tl_strlen(request + at) + 1) {
        if (argc > MAX_ARGS)
            return -1;
        capture_argv[argc++] = request + at;
    }
    capture_argv[argc] = 0;
    return argc;
}

static void make_pipe(int fds[2])
{
    if (tl_sys2(NR_pipe2, (long)fds, O_CLOEXEC) < 0)
        tl_die(1, "cannot make a pipe", 0, 0);
}

__attribute__((noreturn)) void tl_supervise_cli(char **argv, char **envp)
{
    int control[2], stream[2];
    make_pipe(control);
    make_pipe(stream);
    tl_sys3(NR_fcntl, stream[1], F_SETPIPE_SZ, STREAM_PIPE_SIZE); /* fewer wake-ups; best effort */

    long node = tl_sys0(TL_NR_fork);
    if (node < 0)
        tl_die(1, "cannot start node (fork)", 0, 0);
    if (node == 0) {
        /* Node keeps the control pipe's write end and the stream's read end. */
        tl_sys1(TL_NR_close, control[0]);
        tl_sys1(TL_NR_close, stream[1]);
        tl_sys3(NR_fcntl, control[1], F_SETFD, 0);
        tl_sys3(NR_fcntl, stream[0], F_SETFD, 0);
        static char var[80];
        struct tl_strbuf b = tl_sb_init(var, sizeof var);
        tl_sb_str(&b, "TRAPLINE_SUPERVISOR=");
        tl_sb_dec(&b, (uint64_t)control[1]);
        tl_sb_str(&b, ",");
        tl_sb_dec(&b, (uint64_t)stream[0]);
        tl_sb_str(&b, ",");
        tl_sb_dec(&b, (uint64_t)stream[1]);
        tl_exec_node_cli(argv, envp, var);
    }
    tl_sys1(TL_NR_close, control[1]);
    tl_sys1(TL_NR_close, stream[0]);
    uint64_t old[HELD][4];
    for (unsigned i = 0; i < HELD; i++)
        tl_set_signal(held_signals[i], SIG_IGN, old[i]);

    long len = read_request(control[0]);
    tl_sys1(TL_NR_close, control[0]);
    int argc = len < 0 ? -1 : split_request(len);
    if (argc < 3 || tl_strcmp(capture_argv[1], "capture")) {
        tl_sys1(TL_NR_close, stream[1]);
        tl_exit_as(wait_for(node)); /* Node said why, or printed its help */
    }

    long capture = tl_sys0(TL_NR_fork);
    if (capture == 0) {
        /* The program gets the dispositions the command was started with. */
        for (unsigned i = 0; i < HELD; i++)
            tl_restore_signal(held_signals[i], old[i]);
        tl_capture_main(argc, capture_argv, envp); /* as `trapline capture ...` */
    }
    tl_sys1(TL_NR_close, stream[1]);
    if (capture < 0) {
        tl_say("trapline: cannot start the capture (fork)\n");
        wait_for(node);
        tl_exit_group(1);
    }
    int node_status = wait_for(node);
    int capture_status = wait_for(capture);
    /* Node failing (it said why) outranks the program's status. */
    tl_exit_as(node_status != 0 ? node_status : capture_status);
}
