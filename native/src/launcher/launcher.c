/* launcher.c - the `trapline` command.
 *
 * A static, libc-free program: no ld.so ever reads the user's LD_* variables
 * on the way to the client, the environment keeps its order, and `trapline
 * run` costs one cheap exec before the host's. `run` parses its options,
 * finds PROG as execvp would, checks the plugin specs' syntax, and execs
 * trapline-exec (beside it) with the client's own argv and the launch
 * record, the client's LD_* and allocator variables stashed where the
 * host's ld.so cannot see them; trapline-exec checks what needs a loader
 * (plugin objects, ELF headers). The internal command `capture` (drain.c)
 * starts the client the same way under the trace drain. `trace` and
 * `record` start the Node CLI as a child and run the capture it asks for
 * (supervisor.c); every other command goes to the Node CLI (dist/src/cli.js
 * of this package). */
#include "launcher.h"
#include "../base/builtin_plugins.h"
#include "../base/mem.h"
#include "../base/sys.h"

#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define X_OK 1
#define R_OK 4
#define AT_FDCWD (-100)
#define MAX_ENV 65536

struct kstat {
    uint64_t dev, ino, nlink;
    uint32_t mode, uid, gid, pad;
    uint64_t rest[14];
};

static const char usage[] =
    "usage: trapline run [--plugin SPEC]... [--isolation=raw|isolated] [--no-follow] [--] PROG [ARGS...]\n"
    "  SPEC is NAME or PATH.so, optionally followed by :key=value options\n"
    "  built-in plugins: passthrough (default), count:out=FILE,\n"
    "                    libc-demo:only=NAME,...:out=FILE (isolated)\n"
    "internal: trapline capture (--output FILE | --output-fd N) [--strings N] [--vdso] [--first-only]\n"
    "          [--plugin SPEC]... [--no-follow] [--] PROG [ARGS...]\n"
    "  runs PROG like run and writes its trace stream (used by trace and record)\n";

static char *env_out[MAX_ENV];
static char record[256 * 1024];
static char path_buf[4096];
static char self[4096];
static char cli[4200];

void tl_say(const char *s)
{
    tl_write(2, s, tl_strlen(s));
}
#define say tl_say
#define die tl_die

__attribute__((noreturn)) void tl_die(int status, const char *a, const char *b, const char *c)
{
    say("trapline: ");
    say(a);
    if (b)
        say(b);
    if (c)
        say(c);
    say("\n");
    tl_exit_group(status);
}

static int file_mode(const char *path, uint32_t *mode)
{
    struct kstat st;
    long r = tl_sys4(TL_NR_newfstatat, AT_FDCWD, (long)path, (long)&st, 0);
    *mode = st.mode;
    return (int)r;
}

static int can_exec(const char *path)
{
    return tl_sys2(TL_NR_access, (long)path, X_OK) == 0;
}

/* The environment entry NAME=..., or 0. */
static char **env_entry(char **envp, const char *name)
{
    size_t n = tl_strlen(name);
    for (; *envp; envp++)
        if (!tl_memcmp(*envp, name, n) && (*envp)[n] == '=')
            return envp;
    return 0;
}

static const char *get_env(char **envp, const char *name)
{
    char **e = env_entry(envp, name);
    return e ? *e + tl_strlen(name) + 1 : 0;
}

/* execvp's search of PATH: the path found, or NULL with *denied set if
 * only non-executable candidates exist. */
static const char *search_path(const char *name, char **envp, int *denied)
{
    for (const char *p = name; *p; p++)
        if (*p == '/')
            return name;
    const char *path = get_env(envp, "PATH");
    if (!path)
        path = "/bin:/usr/bin";
    *denied = 0;
    size_t nlen = tl_strlen(name);
    while (1) {
        const char *end = path;
        while (*end && *end != ':')
            end++;
        size_t dlen = (size_t)(end - path);
        if (dlen == 0) {
            path_buf[0] = '.';
            dlen = 1;
        } else if (dlen < sizeof path_buf - nlen - 2) {
            tl_memcpy(path_buf, path, dlen);
        } else {
            dlen = 0;
        }
        if (dlen) {
            path_buf[dlen] = '/';
            tl_memcpy(path_buf + dlen + 1, name, nlen + 1);
            uint32_t mode;
            if (file_mode(path_buf, &mode) == 0 && (mode & S_IFMT) == S_IFREG) {
                if (can_exec(path_buf))
                    return path_buf;
                *denied = 1;
            }
        }
        if (!*end)
            break;
        path = end + 1;
    }
    return 0;
}

/* execvp's search; exits 126/127 like a shell. */
static const char *find_program(const char *name, char **envp)
{
    int denied;
    const char *found = search_path(name, envp, &denied);
    if (!found)
        die(denied ? 126 : 127, name, denied ? ": Permission denied" : ": not found", 0);
    return found;
}

/* The directory holding this program, with a trailing '/', in self. */
static size_t own_dir(void)
{
    long n = tl_sys3(TL_NR_readlink, (long)"/proc/self/exe", (long)self, sizeof self - 64);
    if (n <= 0)
        die(1, "cannot find the trapline command itself", 0, 0);
    while (n > 0 && self[n - 1] != '/')
        n--;
    return (size_t)n;
}

/* NODE_EXTRA_CA_CERTS makes Node read and parse a CA bundle as it starts
 * (about 40 ms here); the CLI makes no TLS connection. It goes to Node as
 * TRAPLINE_NODE_EXTRA_CA_CERTS, and the CLI puts it back for the programs
 * it starts (src/cli.ts). */
static char *stashed_ca_certs(char *entry)
{
    static const char stashed[] = "TRAPLINE_";
    static char buf[4096];
    size_t len = tl_strlen(entry);
    if (len + sizeof stashed > sizeof buf)
        return entry; /* implausibly long: Node may read it */
    tl_memcpy(buf, stashed, sizeof stashed - 1);
    tl_memcpy(buf + sizeof stashed - 1, entry, len + 1);
    return buf;
}

/* Node's malloc (glibc's), unless the user tunes it: freed memory is kept
 * for the next allocation rather than given back to the kernel and faulted
 * in again (a page fault costs about 20 µs on a paravirtualised machine;
 * decoding a trace of tar made 2,000 fewer, 7% of its time). The mark tells
 * the CLI to remove both for the programs it starts (src/cli.ts). */
static const char node_tunables[] =
    "GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=33554432";
static const char node_tunables_mark[] = "TRAPLINE_NODE_TUNABLES=1";

/* The environment Node starts with (envp itself is left as it is: the
 * programs' own when the supervisor starts them). */
static char **node_environment(char **envp, const char *extra)
{
    size_t n = 0;
    for (; envp[n]; n++) {
        if (n >= MAX_ENV - 4)
            return envp; /* implausibly many: as it is */
        env_out[n] = envp[n];
        if (!tl_memcmp(envp[n], "NODE_EXTRA_CA_CERTS=", 20))
            env_out[n] = stashed_ca_certs(envp[n]);
    }
    if (!env_entry(envp, "GLIBC_TUNABLES")) {
        env_out[n++] = (char *)node_tunables;
        env_out[n++] = (char *)node_tunables_mark;
    }
    if (extra)
        env_out[n++] = (char *)extra;
    env_out[n] = 0;
    return env_out;
}

__attribute__((noreturn)) void tl_exec_node_cli(char **argv, char **envp, const char *extra)
{
    size_t n = own_dir();
    static const char rel[] = "../../dist/src/cli.js";
    tl_memcpy(cli, self, n);
    tl_memcpy(cli + n, rel, sizeof rel);
    int denied;
    const char *node = search_path("node", envp, &denied);
    if (!node)
        die(127, "node: not found (the trapline commands other than `run` need Node.js 20 or newer)", 0, 0);
    argv[0] = cli; /* argv[-1] of the client's vector is ours: argc */
    char **args = argv - 1;
    args[0] = (char *)"node";
    long r = tl_sys3(TL_NR_execve, (long)node, (long)args, (long)node_environment(envp, extra));
    (void)r;
    die(126, "cannot execute ", node, 0);
}

/* ---- signals, shared by the supervisor and the drain ---- */

struct ksigaction {
    uint64_t handler, flags, restorer, mask;
};
#define SA_RESTORER 0x04000000
#define NR_prlimit64 302
#define RLIMIT_CORE 4

void tl_launcher_restorer(void);
__asm__(".text\n.globl tl_launcher_restorer\ntl_launcher_restorer:\n\tmov $15, %eax\n\tsyscall\n\thlt\n");

void tl_set_signal(int sig, uint64_t handler, uint64_t old[4])
{
    struct ksigaction a = { handler, SA_RESTORER, (uint64_t)tl_launcher_restorer, 0 };
    tl_sys4(TL_NR_rt_sigaction, sig, (long)&a, (long)old, 8);
}

void tl_restore_signal(int sig, const uint64_t old[4])
{
    tl_sys4(TL_NR_rt_sigaction, sig, (long)old, 0, 8);
}

__attribute__((noreturn)) void tl_exit_as(int status)
{
    if ((status & 0x7f) == 0)
        tl_exit_group((status >> 8) & 0xff);
    int sig = status & 0x7f;
    uint64_t no_core[2] = { 0, 0 };
    tl_sys4(NR_prlimit64, 0, RLIMIT_CORE, (long)no_core, 0);
    tl_set_signal(sig, 0 /* SIG_DFL */, 0);
    uint64_t mask = ~(1ull << (sig - 1));
    tl_sys4(TL_NR_rt_sigprocmask, 2, (long)&mask, 0, 8);
    tl_sys2(TL_NR_kill, tl_getpid(), sig);
    tl_exit_group(128 + sig);
}

/* Syntax of NAME[:key=value]... and whether NAME can be a plugin. */
static void check_spec(const char *spec)
{
    const char *p = spec;
    while (*p && *p != ':')
        p++;
    size_t nlen = (size_t)(p - spec);
    if (!nlen)
        die(2, "--plugin '", spec, "': missing plugin name");
    char name[4096];
    if (nlen >= sizeof name)
        die(2, "--plugin '", spec, "': name too long");
    tl_memcpy(name, spec, nlen);
    name[nlen] = 0;
    if (nlen > 3 && !tl_strcmp(name + nlen - 3, ".so")) {
        if (tl_sys2(TL_NR_access, (long)name, R_OK) != 0)
            die(2, "plugin ", name, ": cannot open shared object file");
    } else if (!tl_is_builtin_plugin(name)) {
        die(2, "unknown plugin '", name, "' (built-in: " TL_BUILTIN_PLUGIN_LIST "; or a PATH.so)");
    }
    while (*p == ':') {
        const char *opt = ++p;
        int eq = 0;
        while (*p && *p != ':') {
            if (*p == '=' && p > opt)
                eq = 1;
            p++;
        }
        if (!eq)
            die(2, "--plugin '", spec, "': an option is not key=value");
    }
}

__attribute__((noreturn)) void tl_usage_error(const char *what, const char *arg)
{
    say("trapline: ");
    say(what);
    if (arg) {
        say(" '");
        say(arg);
        say("'");
    }
    say("\n");
    say(usage);
    tl_exit_group(2);
}

int tl_launch_option(int argc, char **argv, int *i, struct tl_launch_record *rec)
{
    const char *a = argv[*i];
    if (!tl_strcmp(a, "--plugin") || !tl_memcmp(a, "--plugin=", 9)) {
        const char *spec = a[8] == '=' ? a + 9 : (*i + 1 < argc ? argv[++*i] : 0);
        if (!spec)
            tl_usage_error("--plugin needs a value", 0);
        if (rec->plugin_count == TL_MAX_PLUGIN_SPECS)
            die(2, "too many plugins (at most 16)", 0, 0);
        check_spec(spec);
        rec->plugins[rec->plugin_count++] = spec;
        return 1;
    }
    if (!tl_strcmp(a, "--no-follow")) {
        rec->no_follow = 1;
        return 1;
    }
    if (!tl_strcmp(a, "--isolation") || !tl_memcmp(a, "--isolation=", 12)) {
        const char *kind = a[11] == '=' ? a + 12 : (*i + 1 < argc ? argv[++*i] : 0);
        if (!kind || (tl_strcmp(kind, "raw") && tl_strcmp(kind, "isolated")))
            tl_usage_error("--isolation must be raw or isolated", kind);
        rec->isolation = kind;
        return 1;
    }
    if (!tl_strcmp(a, "-h") || !tl_strcmp(a, "--help")) {
        tl_write(1, usage, sizeof usage - 1);
        tl_exit_group(0);
    }
    return 0;
}

const char *tl_find_client(const char *name, char **envp)
{
    const char *exe = find_program(name, envp);
    uint32_t mode;
    if (file_mode(exe, &mode) != 0)
        die(127, name, ": not found", 0);
    if ((mode & S_IFMT) == S_IFDIR)
        die(126, name, ": Is a directory", 0);
    if (!can_exec(exe))
        die(126, name, ": Permission denied", 0);
    return exe;
}

__attribute__((noreturn)) void tl_exec_host(struct tl_launch_record *rec, char **argv, char **envp)
{
    /* trapline-exec lives beside this program. */
    tl_memcpy(self + own_dir(), "trapline-exec", 14);
    if (tl_launch_host_env(envp, rec, env_out, MAX_ENV, record, sizeof record))
        die(7, "the environment is too large", 0, 0); /* E2BIG, as exec would */
    long r = tl_sys3(TL_NR_execve, (long)self, (long)argv, (long)env_out);
    die(1, "cannot execute ", self, r == -2 ? ": not found" : ": exec failed");
}

void tl_launcher_main(uint64_t *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    struct tl_launch_record rec;
    int i = 2;
    tl_memset(&rec, 0, sizeof rec);
    if (argc >= 2 && !tl_strcmp(argv[1], "capture"))
        tl_capture_main(argc, argv, envp);
    if (argc >= 2 && (!tl_strcmp(argv[1], "trace") || !tl_strcmp(argv[1], "record")))
        tl_supervise_cli(argv, envp);
    if (argc < 2 || tl_strcmp(argv[1], "run"))
        tl_exec_node_cli(argv, envp, 0);

    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!tl_strcmp(a, "--")) {
            i++;
            break;
        }
        if (tl_launch_option(argc, argv, &i, &rec))
            continue;
        if (a[0] == '-' && a[1])
            tl_usage_error("unknown option", a);
        break;
    }
    if (i >= argc)
        tl_usage_error("no program given", 0);
    if (!rec.plugin_count)
        rec.plugins[rec.plugin_count++] = "passthrough";
    rec.initial = 1;
    rec.exe = tl_find_client(argv[i], envp);
    tl_exec_host(&rec, argv + i, envp);
}
